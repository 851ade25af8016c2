package io.jthin.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.jthin.loopfile.SparseFile;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Comparator;
import java.util.SplittableRandom;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Must-shows 2 and 3 of issue 5, through the command line: {@code jthin dump} equals
 * {@code thin_dump}; {@code thin_restore} of our dump reads back identically; {@code jthin restore}
 * then {@code thin_dump} gives the XML back; {@code jthin ls}, {@code jthin delta} and
 * {@code jthin metadata-size} print what {@code thin_ls}, {@code thin_delta} and
 * {@code thin_metadata_size} print. The pool is built with jthin commands: writes, snapshots of
 * snapshots, discard, a held metadata snapshot with later changes, a transaction id.
 */
class CliToolsOracleTest {
    /** The superblock's held_root field and its checksum salt (dm-thin-format §3.1). */
    private static final int HELD_ROOT = 0x38;
    private static final int SUPERBLOCK_SALT = 160774;
    private static final int DATA_MAPPING_ROOT = 0x140;

    @TempDir
    static Path shared;

    @TempDir
    Path tmp;

    static String pool;
    static String meta;

    @BeforeAll
    static void buildPool() {
        pool = shared.resolve("pool").toString();
        meta = shared.resolve("pool/devicemapper/metadata").toString();
        Cli.run("pool", "create", "-p", pool, "--data-size", "256m", "--metadata-size", "16m").ok("pool create");
        Cli.run("thin", "create", "1", "--size", "64m", "-p", pool).ok("create 1");
        SplittableRandom rnd = new SplittableRandom(5);
        for (int i = 0; i < 40; i++) {
            write(1, rnd.nextInt(1000) * 64L * 1024, 1 + rnd.nextInt(200_000), rnd);
        }
        Cli.run("thin", "snapshot", "2", "1", "-p", pool).ok("snapshot");
        for (int i = 0; i < 10; i++) {
            write(1, rnd.nextInt(1000) * 64L * 1024, 4096, rnd);
            write(2, rnd.nextInt(1000) * 64L * 1024 + 512, 70_000, rnd);
        }
        Cli.run("message", "create_thin 3", "-p", pool).ok("create_thin");
        Cli.run("thin", "resize", "3", "--size", "16m", "-p", pool).ok("resize 3");
        write(3, 0, 300_000, rnd);
        Cli.run("message", "create_snap", "4", "2", "-p", pool).ok("create_snap");
        Cli.run("thin", "discard", "1", "--offset", "1m", "--length", "8m", "-p", pool).ok("discard");
        Cli.run("message", "reserve_metadata_snap", "-p", pool).ok("reserve");
        write(1, 0, 200_000, rnd);
        Cli.run("thin", "delete", "3", "-p", pool).ok("delete");
        Cli.run("message", "set_transaction_id 0 7", "-p", pool).ok("set_transaction_id");
    }

    private static void write(long dev, long offset, int length, SplittableRandom rnd) {
        byte[] b = new byte[length];
        rnd.nextBytes(b);
        Cli.run(b, "thin", "write", Long.toString(dev), "--offset", Long.toString(offset), "-p", pool).ok("write");
    }

    private static String tool(String name, String... args) {
        ThinTools.Result r = ThinTools.run(name, args);
        assertEquals(0, r.exitCode(), () -> name + " failed: " + r.stderr());
        return r.stdout();
    }

    private static String[] with(List<String> head, String... tail) {
        List<String> all = new ArrayList<>(head);
        all.addAll(List.of(tail));
        return all.toArray(String[]::new);
    }

    /** {@code jthin <command> <opts> -p POOL}. */
    private static Cli.Result jthin(String command, List<String> opts) {
        List<String> all = new ArrayList<>(List.of(command));
        all.addAll(opts);
        all.addAll(List.of("-p", pool));
        return Cli.run(all.toArray(String[]::new)).ok(command + " " + opts);
    }

    @Test
    void dumpEqualsThinDump() throws IOException {
        for (List<String> opts : List.of(List.<String>of(), List.of("-m"), List.of("--dev-id", "2"),
                List.of("--skip-mappings"), List.of("-m", "--dev-id", "1"), List.of("--dev-id", "9"),
                List.of("-f", "human_readable"), List.of("--format", "human_readable", "-m", "--dev-id", "2"),
                List.of("-f", "xml", "--skip-mappings"))) {
            String theirs = tool("thin_dump", with(opts, meta));
            assertEquals(theirs, jthin("dump", opts).out(), "dump " + opts);
        }
        assertTrue(tool("thin_dump", meta).contains("<device dev_id=\"4\""));
        Path out = tmp.resolve("dump.xml");
        Cli.run("dump", "-p", pool, "-o", out.toString()).ok("dump -o");
        assertEquals(tool("thin_dump", meta), Files.readString(out));
    }

    @Test
    void thinRestoreOfOurDumpReadsBackIdentically() throws IOException {
        String xml = Cli.run("dump", "-p", pool).ok("dump").out();
        Path x = Files.writeString(tmp.resolve("ours.xml"), xml);
        Path restored = tmp.resolve("restored.meta");
        try (RandomAccessFile f = new RandomAccessFile(restored.toFile(), "rw")) {
            f.setLength(16L << 20);
        }
        tool("thin_restore", "-i", x.toString(), "-o", restored.toString());
        assertEquals(xml, Cli.run("dump", restored.toString()).ok("dump of thin_restore's file").out());
        Cli.run("check", restored.toString()).ok("check of thin_restore's file");
        assertEquals(tool("thin_ls", restored.toString()), Cli.run("ls", restored.toString()).ok("ls").out());
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {0, 1, 2, 3})
    void jthinRestoreThenThinDumpGivesTheXmlBack(long seed) throws IOException {
        String xml = seed == 0 ? Files.readString(fixture("tpt-small.xml")) : generatedXml(seed);
        Path x = Files.writeString(tmp.resolve("in.xml"), xml);
        Path canonicalMeta = tmp.resolve("canonical.meta");
        try (RandomAccessFile f = new RandomAccessFile(canonicalMeta.toFile(), "rw")) {
            f.setLength(32L << 20);
        }
        tool("thin_restore", "-i", x.toString(), "-o", canonicalMeta.toString());
        String canonical = tool("thin_dump", canonicalMeta.toString());
        if (seed == 0) {
            assertEquals(xml, canonical);
        }
        String dir = tmp.resolve("restored-pool").toString();
        Cli.run("restore", "-i", x.toString(), "-p", dir).ok("restore");
        String restoredMeta = dir + "/devicemapper/metadata";
        assertEquals(canonical, tool("thin_dump", restoredMeta), "thin_dump of jthin restore, seed " + seed);
        ThinTools.assertCheckClean(Path.of(restoredMeta), "jthin restore, seed " + seed);
        Cli.run("check", "-p", dir).ok("jthin check");
        Cli.run("pool", "status", "-p", dir).ok("the restored directory is a usable pool");

        Path target = tmp.resolve("target.meta");
        try (RandomAccessFile f = new RandomAccessFile(target.toFile(), "rw")) {
            f.setLength(32L << 20);
        }
        Cli.run("restore", "-i", x.toString(), "-o", target.toString()).ok("restore -o");
        assertEquals(canonical, tool("thin_dump", target.toString()));
    }

    @Test
    void lsEqualsThinLs() {
        for (String snap : new String[] {null, "-m"}) {
            for (String format : new String[] {null, "DEV,MAPPED_BLOCKS,EXCLUSIVE_BLOCKS,SHARED_BLOCKS,MAPPED_SECTORS,"
                    + "EXCLUSIVE_SECTORS,SHARED_SECTORS,MAPPED_BYTES,EXCLUSIVE_BYTES,SHARED_BYTES,MAPPED,EXCLUSIVE,SHARED,"
                    + "TRANSACTION,CREATE_TIME,SNAP_TIME", "SHARED,DEV"}) {
                for (boolean headers : new boolean[] {true, false}) {
                    List<String> opts = new ArrayList<>();
                    if (snap != null) {
                        opts.add(snap);
                    }
                    if (format != null) {
                        opts.add("-o");
                        opts.add(format);
                    }
                    if (!headers) {
                        opts.add("--no-headers");
                    }
                    assertEquals(tool("thin_ls", with(opts, meta)), jthin("ls", opts).out(),
                            "ls " + opts);
                }
            }
        }
    }

    @Test
    void deltaEqualsThinDelta() {
        for (long[] pair : new long[][] {{1, 2}, {2, 1}, {1, 4}, {4, 4}, {2, 4}}) {
            for (List<String> opts : List.of(List.<String>of(), List.of("--verbose"))) {
                List<String> args = new ArrayList<>(opts);
                args.addAll(List.of("--thin1", Long.toString(pair[0]), "--thin2", Long.toString(pair[1])));
                assertEquals(tool("thin_delta", with(args, meta)), jthin("delta", args).out(),
                        "delta " + args);
            }
        }
        List<String> snap = List.of("-m", "--thin1", "1", "--thin2", "3");
        assertEquals(tool("thin_delta", with(snap, meta)), jthin("delta", snap).out(),
                "device 3 exists only in the metadata snapshot");
    }

    /**
     * {@code -m BLOCK}: as in thin_dump and thin_delta 0.9.0, BLOCK must be where the superblock
     * holds the metadata snapshot — in every spelling the same output as {@code -m}; another block,
     * or a copy of the metadata whose superblock holds none, is refused by both (the tools: "metadata
     * snapshot does not match that in superblock", "no current metadata snap").
     */
    @Test
    void dumpAndDeltaTakeTheMetadataSnapshotsBlockAsACheck() throws IOException {
        ByteBuffer sb = ByteBuffer.wrap(Files.readAllBytes(Path.of(meta)), 0, 4096).slice().order(ByteOrder.LITTLE_ENDIAN);
        long held = sb.getLong(HELD_ROOT);
        assertTrue(held > 0, "the pool holds a metadata snapshot");
        String b = Long.toString(held);
        String theirs = tool("thin_dump", "-m" + b, meta);
        assertEquals(tool("thin_dump", "-m", meta), theirs, "thin_dump -m BLOCK of the held snapshot is thin_dump -m");
        for (List<String> opts : List.of(List.of("-m", b), List.of("-m" + b), List.of("--metadata-snap=" + b),
                List.of("--metadata-snap", b))) {
            assertEquals(theirs, jthin("dump", opts).out(), "dump " + opts);
        }
        assertEquals(theirs, Cli.run("dump", "-m", b, meta).ok("dump -m BLOCK METADATA").out());
        assertEquals(theirs, Cli.run("dump", "-m", meta).ok("dump -m METADATA").out(),
                "-m followed by the metadata file: no block");
        assertEquals(tool("thin_delta", "-m" + b, "--thin1", "1", "--thin2", "3", meta),
                jthin("delta", List.of("-m", b, "--thin1", "1", "--thin2", "3")).out(), "delta -m BLOCK");

        String other = Long.toString(held + 1);
        assertEquals(1, ThinTools.run("thin_dump", "-m" + other, meta).exitCode());
        Cli.run("dump", "-m", other, meta).fails(1, "the metadata snapshot is at block " + b + ", not " + other);
        assertEquals(1, ThinTools.run("thin_delta", "-m" + other, "--thin1", "1", "--thin2", "3", meta).exitCode());
        Cli.run("delta", "-m", other, "--thin1", "1", "--thin2", "3", meta).fails(1, "the metadata snapshot is at block " + b);

        String copy = copyWithoutHeldSnapshot().toString();
        assertEquals(tool("thin_dump", meta), tool("thin_dump", copy), "only held_root differs");
        assertEquals(1, ThinTools.run("thin_dump", "-m" + b, copy).exitCode());
        Cli.run("dump", "-m", b, copy).fails(1, "no metadata snapshot is held");
        Cli.run("dump", "-m", copy).fails(1, "no metadata snapshot is held");
    }

    /** A copy of the pool's metadata whose superblock holds no metadata snapshot (held_root 0, checksum resealed). */
    private Path copyWithoutHeldSnapshot() throws IOException {
        byte[] all = Files.readAllBytes(Path.of(meta));
        ByteBuffer first = ByteBuffer.wrap(all, 0, 4096).slice().order(ByteOrder.LITTLE_ENDIAN);
        first.putLong(HELD_ROOT, 0);
        CRC32C crc = new CRC32C();
        crc.update(all, 4, 4092);
        first.putInt(0, (int) ~crc.getValue() ^ SUPERBLOCK_SALT);
        return Files.write(tmp.resolve("no-snapshot.meta"), all);
    }

    /** A copy of the pool's metadata with one byte of {@code block} flipped (its checksum no longer holds). */
    private Path damaged(String name, long block) throws IOException {
        byte[] all = Files.readAllBytes(Path.of(meta));
        all[(int) (block * 4096 + 100)] ^= 0x40;
        return Files.write(tmp.resolve(name), all);
    }

    private static int thinCheck(String... args) {
        return ThinTools.run("thin_check", with(List.of("-q"), args)).exitCode();
    }

    /** {@code jthin check ARGS} fails (exit 1) and names {@code phrase} on stderr. */
    private static void checkFinds(String phrase, String... args) {
        Cli.Result r = Cli.run(with(List.of("check"), args));
        assertEquals(1, r.code(), () -> "check " + List.of(args) + ": " + r.out() + r.err());
        assertTrue(r.err().contains(phrase), () -> "'" + phrase + "' not in: " + r.err());
    }

    /**
     * {@code check -m} checks the held metadata snapshot's trees alone, as thin_check -m: damage only
     * the live trees reach goes unseen by it (and is found by a plain check), damage only the
     * snapshot reaches is found. {@code --override-mapping-root} checks the devices against another
     * top-level mapping tree, as thin_check's.
     */
    @Test
    void checkOfTheMetadataSnapshotAndOfAnotherMappingRoot() throws IOException {
        assertEquals(0, thinCheck("-m", meta));
        Cli.run("check", "-m", "-p", pool).ok("check -m");
        MetadataBlockMap map;
        try (SparseFile f = SparseFile.openReadOnly(Path.of(meta))) {
            map = new MetadataBlockMap(f);
        }
        TreeSet<Long> heldOnly = new TreeSet<>(map.heldTreeNodes);
        heldOnly.removeAll(map.liveTreeNodes);
        TreeSet<Long> liveOnly = new TreeSet<>(map.liveTreeNodes);
        liveOnly.removeAll(map.heldTreeNodes);
        assertFalse(heldOnly.isEmpty(), "device 3 was deleted after the snapshot: its tree is the snapshot's alone");
        assertFalse(liveOnly.isEmpty(), "device 1 was written after the snapshot");

        String snapDamaged = damaged("held-damaged.meta", heldOnly.first()).toString();
        assertEquals(1, thinCheck("-m", snapDamaged), "thin_check -m finds damage in the snapshot's trees");
        checkFinds("block " + heldOnly.first(), "-m", snapDamaged);

        String liveDamaged = damaged("live-damaged.meta", liveOnly.first()).toString();
        assertEquals(0, thinCheck("-m", liveDamaged), "thin_check -m does not read the live trees");
        Cli.run("check", "-m", liveDamaged).ok("check -m: the snapshot's trees are intact");
        assertEquals(1, thinCheck(liveDamaged));
        checkFinds("block " + liveOnly.first(), liveDamaged);

        long liveTop = ByteBuffer.wrap(Files.readAllBytes(Path.of(meta)), 0, 4096).order(ByteOrder.LITTLE_ENDIAN)
                .getLong(DATA_MAPPING_ROOT);
        long heldTop = ByteBuffer.wrap(Files.readAllBytes(Path.of(meta)), (int) (map.heldRoot * 4096), 4096).slice()
                .order(ByteOrder.LITTLE_ENDIAN).getLong(DATA_MAPPING_ROOT);
        assertEquals(0, thinCheck("--override-mapping-root", Long.toString(liveTop), meta));
        Cli.run("check", "--override-mapping-root", Long.toString(liveTop), meta).ok("override with the superblock's root");
        assertEquals(1, thinCheck("--override-mapping-root", Long.toString(heldTop), meta),
                "the snapshot's mapping tree has device 3, the live details do not");
        checkFinds("device 3 has a mapping tree but no device details", "--override-mapping-root", Long.toString(heldTop), meta);

        String none = copyWithoutHeldSnapshot().toString();
        assertEquals(1, thinCheck("-m", none), "thin_check -m: No metadata snapshot found.");
        checkFinds("no metadata snapshot is held", "-m", none);
        assertEquals(2, Cli.run("check", "-m", "--auto-repair", meta).code(), "a partial check repairs nothing");
        assertEquals(2, Cli.run("check", "--override-mapping-root", "5", "--clear-needs-check-flag", meta).code());
    }

    /**
     * {@code jthin rmap} prints what thin_rmap prints: the whole data device, single blocks, several
     * regions (overlapping, adjacent, out of order) over devices that share subtrees, copied leaves
     * and discarded ranges; a badly formed region is refused by both.
     */
    @Test
    void rmapEqualsThinRmap() {
        for (List<String> regions : List.of(List.of("0..4096"), List.of("0..1"), List.of("100..101", "7..8"),
                List.of("0..300", "250..600", "600..700"), List.of("900..4096", "10..20"), List.of("3000..4096"))) {
            List<String> args = new ArrayList<>();
            for (String r : regions) {
                args.addAll(List.of("--region", r));
            }
            String theirs = tool("thin_rmap", with(args, meta));
            assertEquals(theirs, jthin("rmap", args).out(), "rmap " + regions);
        }
        assertTrue(tool("thin_rmap", "--region", "0..4096", meta).lines().count() > 20, "a pool with many runs");
        for (String bad : new String[] {"5..5", "7..3", "12", "a..b"}) {
            assertEquals(1, ThinTools.run("thin_rmap", "--region", bad, meta).exitCode(), "thin_rmap --region " + bad);
            assertEquals(2, Cli.run("rmap", "--region", bad, "-p", pool).code(), "rmap --region " + bad);
        }
        assertEquals(2, Cli.run("rmap", "-p", pool).code(), "no region");
    }

    /** The lines of thin_dump's XML that hold {@code attribute="..."}, as the attribute's values. */
    private static List<String> xmlValues(String xml, String element, String attribute) {
        List<String> values = new ArrayList<>();
        Matcher m = Pattern.compile("<" + element + " [^>]*\\b" + attribute + "=\"([^\"]*)\"").matcher(xml);
        while (m.find()) {
            values.add(m.group(1));
        }
        return values;
    }

    @Test
    void dumpJsonHoldsWhatThinDumpPrints() {
        for (List<String> opts : List.of(List.<String>of(), List.of("-m"), List.of("--dev-id", "2"),
                List.of("--skip-mappings"))) {
            String xml = tool("thin_dump", with(opts, meta));
            List<String> jsonOpts = new ArrayList<>(opts);
            jsonOpts.add("--json");
            String out = jthin("dump", jsonOpts).out();
            assertEquals(1, out.split("\n", -1).length - 1, "one line: " + opts);
            JsonObject doc = JsonParser.parseString(out).getAsJsonObject();
            JsonObject sb = doc.getAsJsonObject("superblock");
            assertEquals(xmlValues(xml, "superblock", "transaction"), List.of(sb.get("transaction").getAsString()), "" + opts);
            List<String> ids = new ArrayList<>();
            List<String> mapped = new ArrayList<>();
            long runs = 0;
            for (JsonElement e : doc.getAsJsonArray("devices")) {
                JsonObject d = e.getAsJsonObject();
                ids.add(d.get("dev_id").getAsString());
                mapped.add(d.get("mapped_blocks").getAsString());
                assertEquals(!opts.contains("--skip-mappings"), d.has("mappings"), "mappings present unless skipped");
                if (d.has("mappings")) {
                    long blocks = 0;
                    for (JsonElement r : d.getAsJsonArray("mappings")) {
                        blocks += r.getAsJsonObject().get("length").getAsLong();
                        runs++;
                    }
                    assertEquals(d.get("mapped_blocks").getAsLong(), blocks, "device " + ids.getLast() + "'s runs");
                }
            }
            assertEquals(xmlValues(xml, "device", "dev_id"), ids, "devices " + opts);
            assertEquals(xmlValues(xml, "device", "mapped_blocks"), mapped, "mapped blocks " + opts);
            long xmlRuns = xmlValues(xml, "single_mapping", "origin_block").size()
                    + xmlValues(xml, "range_mapping", "origin_begin").size();
            assertEquals(xmlRuns, runs, "one JSON run per XML mapping element " + opts);
        }
    }

    @Test
    void deltaJsonHoldsWhatThinDeltaPrints() {
        for (long[] pair : new long[][] {{1, 2}, {2, 4}}) {
            for (boolean verbose : new boolean[] {false, true}) {
                List<String> args = new ArrayList<>(verbose ? List.of("--verbose") : List.of());
                args.addAll(List.of("--thin1", Long.toString(pair[0]), "--thin2", Long.toString(pair[1])));
                String xml = tool("thin_delta", with(args, meta));
                args.add("--json");
                JsonObject diff = JsonParser.parseString(jthin("delta", args).out()).getAsJsonObject()
                        .getAsJsonObject("diff");
                assertEquals(pair[0], diff.get("left").getAsLong());
                assertEquals(pair[1], diff.get("right").getAsLong());
                List<String> begins = new ArrayList<>();
                List<String> kinds = new ArrayList<>();
                for (JsonElement e : diff.getAsJsonArray("ranges")) {
                    begins.add(e.getAsJsonObject().get("begin").getAsString());
                    kinds.add(e.getAsJsonObject().get("kind").getAsString());
                    assertEquals(verbose, e.getAsJsonObject().has(kinds.getLast().equals("different")
                            ? "left_data_begin" : "data_begin"), "data blocks only when verbose");
                }
                List<String> xmlBegins = new ArrayList<>();
                for (String kind : new String[] {"same", "different", "left_only", "right_only", "range"}) {
                    xmlBegins.addAll(xmlValues(xml, kind, "begin"));
                }
                xmlBegins.sort(Comparator.comparingLong(Long::parseLong));
                assertEquals(xmlBegins, begins, "ranges of " + args);
                assertFalse(kinds.isEmpty(), "the devices differ: " + args);
            }
        }
    }

    @Test
    void metadataSizeJsonGivesTheToolsEstimateInBytes() {
        for (String line : new String[] {"-b 64k -s 100G -m 1000", "-b 1m -s 16t -m 10", "-b 128k -s 1t -m 1k -u m"}) {
            String bytes = tool("thin_metadata_size", with(List.of(line.split(" ")), "-u", "b", "-n")).trim();
            Cli.Result ours = Cli.run(with(List.of(with(List.of("metadata-size"), line.split(" "))), "--json")).ok(line);
            JsonObject j = JsonParser.parseString(ours.out()).getAsJsonObject();
            assertEquals(Long.parseLong(bytes), j.get("metadata_bytes").getAsLong(), line);
            assertEquals(j.get("metadata_blocks").getAsLong() * 4096, j.get("metadata_bytes").getAsLong(), line);
        }
        Cli.Result bad = Cli.run("metadata-size", "-b", "64k", "--json");
        assertEquals(1, bad.code(), "errors stay the tool's");
        assertEquals("thin_metadata_size - pool size required!\n", bad.err());
    }

    @Test
    void metadataSizeEqualsThinMetadataSize() {
        for (String line : new String[] {"-b 64k -s 100G -m 1000", "-b 64k -s 1t -m 1000 -u m", "-b 1m -s 16t -m 10 -u k -n",
            "-b 64k -s 100g"}) {
            String[] args = line.split(" ");
            ThinTools.Result theirs = ThinTools.run("thin_metadata_size", args);
            Cli.Result ours = Cli.run(with(List.of("metadata-size"), args));
            assertEquals(theirs.exitCode(), ours.code(), line);
            assertEquals(theirs.stdout(), ours.out(), line);
            assertEquals(theirs.stderr(), ours.err(), line);
        }
    }

    static Path fixture(String name) {
        String p = System.getProperty("jthin.fixtures");
        Path dir = p != null ? Path.of(p) : CliDemoTest.repositoryRoot().resolve("../shared/fixtures");
        return dir.resolve(name);
    }

    /** A random pool as XML: devices with runs, snapshots sharing an earlier device's blocks, empty devices. */
    static String generatedXml(long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        long nrData = 8192;
        long time = 4;
        StringBuilder s = new StringBuilder("<superblock uuid=\"\" time=\"" + time + "\" transaction=\"" + seed
                + "\" flags=\"0\" version=\"2\" data_block_size=\"128\" nr_data_blocks=\"" + nrData + "\">\n");
        List<List<long[]>> devices = new ArrayList<>();
        long nextData = 0;
        int n = 3 + rnd.nextInt(4);
        for (int d = 0; d < n; d++) {
            List<long[]> runs = new ArrayList<>();
            if (d > 0 && rnd.nextBoolean()) {
                for (long[] r : devices.get(rnd.nextInt(d))) {
                    runs.add(rnd.nextInt(4) == 0 ? new long[] {r[0], nextData, r[2], time} : r);
                    if (runs.getLast()[1] == nextData) {
                        nextData += r[2];
                    }
                }
            } else if (d % 3 != 2) {
                long v = rnd.nextInt(50);
                for (int k = 0; k < 1 + rnd.nextInt(30); k++) {
                    long len = 1 + rnd.nextInt(rnd.nextBoolean() ? 3 : 200);
                    runs.add(new long[] {v, nextData, len, rnd.nextInt((int) time + 1)});
                    nextData += len + rnd.nextInt(3);
                    v += len + rnd.nextInt(4);
                }
            }
            devices.add(runs);
            s.append("  <device dev_id=\"").append(d * 3 + 1).append("\" mapped_blocks=\"0\" transaction=\"").append(d)
                    .append("\" creation_time=\"").append(Math.min(d, time)).append("\" snap_time=\"").append(time)
                    .append("\">\n");
            for (long[] r : runs) {
                s.append("    <range_mapping origin_begin=\"").append(r[0]).append("\" data_begin=\"").append(r[1])
                        .append("\" length=\"").append(r[2]).append("\" time=\"").append(r[3]).append("\"/>\n");
            }
            s.append("  </device>\n");
        }
        assertTrue(nextData < nrData, "generator stays inside the data device");
        return s.append("</superblock>\n").toString();
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
