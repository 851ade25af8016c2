package io.jthin.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.jthin.loopfile.SparseFile;
import io.jthin.snapshot.PoolMetadata;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The pool and thin commands end to end: options, status lines, JSON, sizes, foreign pools. */
class CliCommandsTest {
    @TempDir
    Path tmp;

    private static JsonObject json(Cli.Result r) {
        return JsonParser.parseString(r.out()).getAsJsonObject();
    }

    /**
     * -V and --help on the root and on subcommands, annotated ones (pool, thin create) and those whose
     * picocli model is built by calls (the metadata tools): the same standard options, --debug inherited.
     */
    @Test
    void everyCommandHasVersionHelpAndDebug() {
        for (String[] command : new String[][] {{}, {"check"}, {"dump"}, {"ls"}, {"delta"}, {"pool"}, {"thin", "create"}}) {
            String name = String.join(" ", command);
            String[] version = Arrays.copyOf(command, command.length + 1);
            version[command.length] = "-V";
            assertEquals("jthin 0.1.0", Cli.run(version).ok(name + " -V").out().strip(), name + " -V");
            String[] help = Arrays.copyOf(command, command.length + 1);
            help[command.length] = "--help";
            String usage = Cli.run(help).ok(name + " --help").out();
            assertTrue(usage.startsWith("Usage: jthin" + (name.isEmpty() ? "" : " " + name) + " "), usage);
            for (String option : new String[] {"  -h, --help ", "  -V, --version ", "      --debug "}) {
                assertTrue(usage.contains(option), () -> name + " --help lacks '" + option + "':\n" + usage);
            }
        }
        String check = Cli.run("check", "--help").ok("check --help").out();
        for (String part : new String[] {"[METADATA]", "-p, --pool=DIR", "The pool directory", "-q, --quiet",
            "--super-block-only", "--skip-mappings", "--json"}) {
            assertTrue(check.replace("\n", " ").replaceAll(" +", " ").contains(part), () -> "check --help lacks " + part + ":\n" + check);
        }
        Cli.run("delta", "--thin1", "1").fails(2, "Missing required option: '--thin2=B'");
        Cli.run("dump", "--dev-id", "-1").fails(2, "is not a thin device id");
    }

    /** -p/--pool may come before the subcommand as after it, in each of its spellings; twice is an error. */
    @Test
    void thePoolOptionMayComeBeforeTheSubcommand() {
        String pool = tmp.resolve("before").toString();
        Cli.run("-p", pool, "pool", "create", "--data-size", "64m", "--metadata-size", "8m").ok("-p before pool create");
        Cli.run("--pool=" + pool, "thin", "create", "1", "--size", "1m").ok("--pool= before thin create");
        Cli.run("--debug", "--pool", pool, "thin", "snapshot", "2", "1").ok("after --debug, before thin snapshot");
        Cli.run("-p" + pool, "message", "create_thin 3").ok("-pDIR before message");
        JsonObject status = json(Cli.run("-p", pool, "pool", "status", "--json").ok("status"));
        assertEquals(3, status.get("thinDevices").getAsInt(), "every command above worked on the one pool: " + status);
        assertTrue(Cli.run("-p", pool, "ls").ok("ls").out().contains("3"), "a metadata tool too");
        Cli.run("-p", pool, "thin", "status", "1", "-p", pool).fails(2, "should be specified only once");
        Cli.run("-p", tmp.resolve("nowhere").toString(), "thin", "status", "1").fails(1, "nowhere");
    }

    /** A 64 MiB pool with thin device 1 (4 MiB) holding {@code length} seeded random bytes from offset 0; returns them. */
    private static byte[] poolWithOneWrittenVolume(String pool, int length, long seed) {
        Cli.run("pool", "create", "-p", pool, "--data-size", "64m", "--metadata-size", "8m").ok("create");
        Cli.run("thin", "create", "1", "--size", "4m", "-p", pool).ok("thin create");
        byte[] bytes = new byte[length];
        new SplittableRandom(seed).nextBytes(bytes);
        Cli.run(bytes, "thin", "write", "1", "--offset", "0", "-p", pool).ok("write");
        return bytes;
    }

    /** Sets NEEDS_CHECK in a pool's committed superblock, as the engine's metadata-failure path does. */
    private static void setNeedsCheck(Path meta) {
        try (SparseFile f = SparseFile.open(meta)) {
            PoolMetadata md = PoolMetadata.open(f, 1 << 20, true);
            md.needsCheck(true);
            md.commit();
            md.close();
        }
    }

    private static String dumpFlags(Path meta) {
        ThinTools.Result dump = ThinTools.run("thin_dump", meta.toString());
        assertEquals(0, dump.exitCode(), dump.stderr());
        int at = dump.stdout().indexOf(" flags=\"");
        return dump.stdout().substring(at + 8, dump.stdout().indexOf('"', at + 8));
    }

    /**
     * A pool whose NEEDS_CHECK is set (read-only: allocating writes refused) is writable again after
     * check --clear-needs-check-flag finds its metadata clean; with errors the flag stays. The real
     * thin_dump and thin_check read the flag and the result.
     */
    @Test
    void checkClearsNeedsCheckOnlyWhenTheMetadataIsClean() {
        String pool = tmp.resolve("nc").toString();
        Path meta = Path.of(pool, "devicemapper", "metadata");
        byte[] bytes = poolWithOneWrittenVolume(pool, 100_000, 3);
        JsonObject untouched = json(Cli.run("check", "--clear-needs-check-flag", "--json", "-p", pool).ok("check of a pool without the flag"));
        assertFalse(untouched.get("needsCheckCleared").getAsBoolean());

        setNeedsCheck(meta);
        assertEquals("1", dumpFlags(meta), "thin_dump sees NEEDS_CHECK");
        assertTrue(Cli.run("pool", "status", "-p", pool).ok("status").out().contains(" needs_check "));
        Cli.run(bytes, "thin", "write", "1", "--offset", "1m", "-p", pool).fails(1, "needs a check");
        Cli.run("check", "-p", pool).ok("a plain check passes (the flag is a warning) and changes nothing");
        assertEquals("1", dumpFlags(meta));

        String out = Cli.run("check", "--clear-needs-check-flag", "-p", pool).ok("check --clear-needs-check-flag").out();
        assertTrue(out.contains("cleared the NEEDS_CHECK flag"), out);
        assertEquals("0", dumpFlags(meta), "thin_dump sees the flag cleared");
        ThinTools.assertCheckClean(meta, "after --clear-needs-check-flag");
        Cli.run(bytes, "thin", "write", "1", "--offset", "1m", "-p", pool).ok("the pool takes new blocks again");

        setNeedsCheck(meta);
        try (RandomAccessFile data = new RandomAccessFile(Path.of(pool, "devicemapper", "data").toFile(), "rw")) {
            data.setLength(64 << 10); // the metadata now maps blocks past the data file's end
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        Cli.Result refused = Cli.run("check", "--clear-needs-check-flag", "-p", pool);
        assertEquals(1, refused.code(), refused.err());
        assertTrue(refused.err().contains("past the end of the data file"), refused.err());
        assertTrue(refused.err().strip().endsWith("NEEDS_CHECK left as it was: the check found errors"), refused.err());
        assertEquals("1", dumpFlags(meta), "errors leave the flag set");
    }

    /** Changes reference counts behind the trees' back, in one commit: {block, delta} pairs, metadata ones first. */
    private static void skewCounts(Path meta, long[][] data, int metadataLeaks) {
        try (SparseFile f = SparseFile.open(meta)) {
            PoolMetadata md = PoolMetadata.open(f, 1 << 20, true);
            for (int i = 0; i < metadataLeaks; i++) {
                md.metadataSpaceMap().newBlock(); // counted, referenced by nothing
            }
            for (long[] d : data) {
                md.dataSpaceMap().inc(d[0], d[1]);
            }
            md.commit();
            md.close();
        }
    }

    /**
     * check --ignore-non-fatal-errors reports leaked counts as warnings; --auto-repair lowers them
     * (and only when they are the only errors), leaving metadata the real thin_check passes and the
     * volumes' data as it was.
     */
    @Test
    void autoRepairLowersLeakedCountsWhenTheyAreTheOnlyErrors() {
        String pool = tmp.resolve("leaks").toString();
        Path meta = Path.of(pool, "devicemapper", "metadata");
        byte[] bytes = poolWithOneWrittenVolume(pool, 200_000, 4);
        Cli.run("thin", "snapshot", "2", "1", "-p", pool).ok("snapshot");
        skewCounts(meta, new long[][] {{100, 1}, {0, 2}}, 1); // a free data block, a mapped one, a metadata block

        Cli.Result plain = Cli.run("check", "-p", pool);
        assertEquals(1, plain.code(), plain.err());
        assertTrue(plain.err().contains("data block 100: reference count is 1, expected 0 (leaked)"), plain.err());
        assertTrue(plain.err().contains("data block 0: reference count is 3, expected 1 (leaked)"), plain.err());
        assertTrue(plain.err().contains("metadata block"), plain.err());
        assertEquals(1, ThinTools.run("thin_check", meta.toString()).exitCode(), "thin_check fails on the metadata leak");
        assertEquals(0, ThinTools.run("thin_check", "--ignore-non-fatal-errors", meta.toString()).exitCode(),
                "and counts it among its non-fatal errors");
        String lenient = Cli.run("check", "--ignore-non-fatal-errors", "-p", pool).ok("leaks are warnings").out();
        assertTrue(lenient.contains("(leaked), non-fatal") && lenient.contains("3 warnings"), lenient);

        String repaired = Cli.run("check", "--auto-repair", "-p", pool).ok("--auto-repair").out();
        assertTrue(repaired.contains("repaired 3 leaked reference counts; checked again:"), repaired);
        Cli.run("check", "-p", pool).ok("clean after the repair");
        ThinTools.assertCheckClean(meta, "after --auto-repair");
        assertArrayEquals(bytes, Cli.run("thin", "read", "1", "--offset", "0", "--length", "200000", "-p", pool)
                .ok("read").stdout(), "the volume's data is untouched");

        skewCounts(meta, new long[][] {{200, 1}, {1, -1}}, 0); // a leak, and a count too low (no repair then)
        Cli.Result refused = Cli.run("check", "--auto-repair", "-p", pool);
        assertEquals(1, refused.code(), refused.err());
        assertTrue(refused.err().contains("leaks not repaired: the check found other errors"), refused.err());
        Cli.Result still = Cli.run("check", "-p", pool);
        assertTrue(still.err().contains("data block 200: reference count is 1, expected 0 (leaked)"), still.err());
    }

    /** bench on a pool volume: without a warm-up, and with one from another offset; each request lands. */
    @Test
    void benchRunsWithAndWithoutAWarmUp() {
        String pool = tmp.resolve("b").toString();
        Cli.run("pool", "create", "-p", pool, "--data-size", "64m", "--metadata-size", "8m").ok("create");
        Cli.run("thin", "create", "-p", pool, "--size", "4m", "0").ok("thin create");
        JsonObject plain = json(Cli.run("bench", "-p", pool, "-w", "-s", "64k", "-c", "16", "--commit-interval", "0",
                "--json").ok("bench without warm-up"));
        assertEquals(16, plain.get("requests").getAsLong());
        Cli.run("thin", "snapshot", "-p", pool, "1", "0").ok("snapshot");
        JsonObject warmed = json(Cli.run("bench", "-p", pool, "1", "--volume-size", "4m", "-w", "-s", "4k", "-S", "64k",
                "-c", "16", "--warmup", "8", "--warmup-offset", "2m", "--json").ok("bench with a warm-up elsewhere"));
        assertEquals(16, warmed.get("requests").getAsLong());
        JsonObject status = json(Cli.run("thin", "status", "--json", "-p", pool, "0").ok("status of the origin"));
        assertEquals(16, status.get("mappedBlocks").getAsLong(), "the origin keeps the 16 blocks it was written");
        Cli.run("check", "-p", pool).ok("check");
    }

    @Test
    void poolOptionsStatusAndGrowth() throws IOException {
        String pool = tmp.resolve("p").toString();
        Cli.Result created = Cli.run("pool", "create", "-p", pool, "--data-size", "1g", "--metadata-size", "32m",
                "--block-size", "128k", "--no-discard-passdown", "--error-if-no-space", "--low-water-mark", "100",
                "--skip-block-zeroing").ok("create");
        assertTrue(created.out().contains("8192 blocks of 128 KiB"), created.out());
        String status = Cli.run("pool", "status", "-p", pool).ok("status").out();
        assertTrue(status.startsWith("0 2097152 thin-pool 0 "), status);
        assertTrue(status.lines().findFirst().orElseThrow()
                .endsWith(" 0/8192 - rw no_discard_passdown error_if_no_space - 1024 "), status);
        for (String line : new String[] {" Pool Blocksize: 131.1kB", " Data Space Total: 1.074GB",
            " Metadata Space Total: 33.55MB", " Thin Pool Minimum Free Space: 107.3MB", " Data loop file: ",
            " Metadata Space Available: ", " Data file on disk: 0 B (sparse; apparent size 1 GiB)"}) {
            assertTrue(status.contains(line), () -> line + " missing in\n" + status);
        }
        JsonObject j = json(Cli.run("pool", "status", "--json", "-p", pool).ok("status --json"));
        assertEquals(131072, j.get("poolBlocksize").getAsLong());
        assertEquals(8192, j.get("totalDataBlocks").getAsLong());
        assertTrue(j.get("dataSpaceAvailable").getAsLong() <= 1L << 30);
        assertFalse(j.get("discardPassdown").getAsBoolean());
        String config = Files.readString(tmp.resolve("p/metadata/jthin-pool.json"));
        assertTrue(config.contains("\"zeroNewBlocks\": false") && config.contains("\"lowWaterMarkBlocks\": 100"), config);

        Cli.Result grown = Cli.run("pool", "resize", "--data-size", "2g", "--metadata-size", "64m", "-p", pool).ok("resize");
        assertTrue(grown.out().contains("data file grown from 1 GiB to 2 GiB"), grown.out());
        assertTrue(grown.out().contains(" 0/16384 "), grown.out());
        assertEquals(16384, json(Cli.run("pool", "status", "--json", "-p", pool)).get("totalDataBlocks").getAsLong());
        assertTrue(Cli.run("pool", "resize", "--data-size", "2g", "-p", pool).ok("same size").out().contains("unchanged"));
        Cli.run("check", "-p", pool).ok("check");
    }

    @Test
    void volumesThroughStdinAndStdout() {
        String pool = tmp.resolve("p").toString();
        Cli.run("pool", "create", "-p", pool, "--data-size", "128m", "--metadata-size", "8m").ok("create");
        Cli.run("thin", "create", "3", "--size", "4m", "-p", pool).ok("create 3");
        byte[] data = new byte[300_001];
        new SplittableRandom(9).nextBytes(data);
        Cli.run(data, "thin", "write", "3", "--offset", "100000", "-p", pool).ok("write stdin");
        Cli.Result read = Cli.run("thin", "read", "3", "--offset", "100000", "--length", "300001", "-p", pool).ok("read");
        assertArrayEquals(data, read.stdout());
        byte[] head = Cli.run("thin", "read", "3", "--offset", "0", "--length", "100000", "-p", pool).stdout();
        assertArrayEquals(new byte[100_000], head, "the unwritten start of a new block reads as zeros");
        assertEquals("0 8192 thin 768 895", Cli.run("thin", "status", "3", "-p", pool).out().strip());

        Cli.run("thin", "snapshot", "4", "3", "-p", pool).ok("snapshot");
        JsonObject snap = json(Cli.run("thin", "status", "4", "--json", "-p", pool));
        assertEquals(4L << 20, snap.get("sizeBytes").getAsLong(), "a snapshot has its origin's size");
        assertEquals(6, snap.get("mappedBlocks").getAsLong());
        Cli.run("thin", "resize", "4", "--size", "8m", "-p", pool).ok("grow");
        assertEquals("0 16384 thin 768 895", Cli.run("thin", "status", "4", "-p", pool).out().strip());
        Cli.Result discarded = Cli.run("thin", "discard", "4", "--offset", "64k", "--length", "192k", "-p", pool).ok("d");
        assertTrue(discarded.out().contains("3 blocks unmapped"), discarded.out());
        Cli.run("thin", "delete", "3", "-p", pool).ok("delete");
        Cli.Result ls = Cli.run("ls", "-o", "DEV,MAPPED_BLOCKS", "--no-headers", "-p", pool).ok("ls");
        assertEquals("4 3 \n", ls.out());
        assertFalse(Files.exists(tmp.resolve("p/metadata/jthin-pool.json.tmp")));
        try {
            assertFalse(Files.readString(tmp.resolve("p/metadata/jthin-pool.json")).contains("\"3\""),
                    "a deleted device's size is forgotten");
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        Cli.run("check", "-p", pool).ok("check");
    }

    @Test
    void aDirectoryWrittenByThinRestoreIsAPool() throws IOException {
        Path dir = tmp.resolve("foreign");
        Path meta = Files.createDirectories(dir.resolve("devicemapper")).resolve("metadata");
        try (RandomAccessFile f = new RandomAccessFile(meta.toFile(), "rw")) {
            f.setLength(16L << 20);
        }
        try (RandomAccessFile f = new RandomAccessFile(dir.resolve("devicemapper/data").toFile(), "rw")) {
            f.setLength(1024L * 65536);
        }
        ThinTools.Result r = ThinTools.run("thin_restore", "-i", CliToolsOracleTest.fixture("tpt-small.xml").toString(),
                "-o", meta.toString());
        assertEquals(0, r.exitCode(), r.stderr());
        String pool = dir.toString();

        JsonObject dev0 = json(Cli.run("thin", "status", "0", "--json", "-p", pool).ok("status 0"));
        assertEquals(101L * 65536, dev0.get("sizeBytes").getAsLong(), "no recorded size: up to its highest mapped block");
        assertFalse(dev0.get("sizeRecorded").getAsBoolean());
        assertEquals(65536, Cli.run("thin", "read", "0", "--offset", "100m", "--length", "64k", "-p", pool)
                .fails(1, "past the end").code() * 0 + 65536);
        Cli.run("thin", "read", "0", "--offset", "6400k", "--length", "64k", "-p", pool).ok("read the last block");
        Cli.run("thin", "resize", "0", "--size", "100m", "-p", pool).ok("resize");
        byte[] b = new byte[4096];
        Arrays.fill(b, (byte) 1);
        Cli.run(b, "thin", "write", "0", "--offset", "90m", "-p", pool).ok("write beyond the old end");
        Cli.run("message", "create_thin 5", "-p", pool).ok("create_thin");
        assertEquals(0, json(Cli.run("thin", "status", "5", "--json", "-p", pool)).get("sizeBytes").getAsLong());
        Cli.run("pool", "status", "-p", pool).ok("status");
        Cli.run("check", "-p", pool).ok("check");
        ThinTools.assertCheckClean(meta, "a foreign pool after jthin used it");
        assertEquals(ThinTools.run("thin_ls", meta.toString()).stdout(), Cli.run("ls", "-p", pool).ok("ls").out());
    }
}
