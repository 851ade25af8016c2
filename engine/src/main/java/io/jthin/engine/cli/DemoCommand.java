package io.jthin.engine.cli;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.jthin.engine.tools.SizeParser;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code jthin demo}: a guided tour in a fresh temporary directory. Runs real jthin commands
 * in-process (printing each command line and its output), checks what each one should have done and
 * says what it proved: sparse files, allocation on write, O(1) snapshots, copy-on-write, discard
 * releasing only unshared blocks, status, ls, check — and, when the real thin-provisioning-tools
 * are installed, that they accept and read the metadata identically. Exits 1 if any proof fails.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = {"A guided tour.", "Creates a pool in a temporary directory, uses it, and shows what each step proved."})
final class DemoCommand extends JthinSubcommand {
    private static final int K = 1024;

    @Option(names = "--keep", description = "Keep the temporary directory (its path is printed).")
    boolean keep;

    @Option(names = "--dir", paramLabel = "DIR", description = "Make the temporary directory inside DIR (default: the system's).")
    Path parent;

    private Path pool;
    private int failures;

    private record Run(int code, String out, String err) {
    }

    @Override
    public Integer call() throws IOException {
        Path work = parent == null ? Files.createTempDirectory("jthin-demo-")
                : Files.createTempDirectory(Files.createDirectories(parent), "jthin-demo-");
        pool = work.resolve("pool");
        out().println("jthin demo in " + work + " (the pool is $POOL = " + pool + ")");
        try {
            tour(work);
        } catch (RuntimeException | IOException e) {
            failures++;
            out().println("  FAILED: " + JthinCommand.describe(e));
        } finally {
            if (keep) {
                out().println("\nkept " + work);
            } else {
                deleteTree(work);
            }
        }
        out().println(failures == 0 ? "\ndemo: every step proved what it should." : "\ndemo: " + failures + " step(s) FAILED.");
        return failures == 0 ? JthinCommand.OK : JthinCommand.FAILURE;
    }

    private void tour(Path work) throws IOException {
        byte[] v1 = pattern("origin data v1 ", 256 * K);
        byte[] v2 = pattern("ORIGIN DATA V2 ", 64 * K);
        Path a = Files.write(work.resolve("v1.bin"), v1);
        Path b = Files.write(work.resolve("v2.bin"), v2);

        step("1. A loop-lvm pool: 100 GiB of data, 2 GiB of metadata, as Docker's devicemapper makes it");
        run("pool", "create", "--data-size", "100G", "--metadata-size", "2G");
        JsonObject s = status();
        long onDisk = s.get("dataFileAllocatedBytes").getAsLong() + s.get("metadataFileAllocatedBytes").getAsLong();
        proved(onDisk < (16L << 20), "both files are sparse: " + SizeParser.format(s.get("dataFileBytes").getAsLong())
                + " + " + SizeParser.format(s.get("metadataFileBytes").getAsLong()) + " apparent, "
                + SizeParser.format(onDisk) + " on disk (what du shows)");

        step("2. A thin volume of 1 GiB: nothing is allocated until it is written");
        run("thin", "create", "1", "--size", "1G");
        run("thin", "write", "1", "--offset", "0", "--input", a.toString());
        proved(usedDataBlocks() == 4, "writing 256 KiB allocated exactly 4 data blocks of 64 KiB");

        step("3. A snapshot: it shares every block with its origin, nothing is copied");
        run("thin", "snapshot", "2", "1");
        proved(usedDataBlocks() == 4, "the snapshot took no data block (still 4 in use)");

        step("4. Overwrite 64 KiB of the origin: copy-on-write");
        run("thin", "write", "1", "--offset", "64k", "--input", b.toString());
        proved(usedDataBlocks() == 5, "the overwritten block got a new data block (5 in use); the snapshot keeps the old one");

        step("5. Read both back");
        Path o1 = work.resolve("origin.out");
        Path o2 = work.resolve("snapshot.out");
        run("thin", "read", "1", "--offset", "0", "--length", "256k", "--output", o1.toString());
        run("thin", "read", "2", "--offset", "0", "--length", "256k", "--output", o2.toString());
        byte[] r1 = Files.readAllBytes(o1);
        byte[] r2 = Files.readAllBytes(o2);
        byte[] expected1 = v1.clone();
        System.arraycopy(v2, 0, expected1, 64 * K, v2.length);
        out().println("    origin   sha256 " + sha(r1) + "  bytes at 64k: \"" + text(r1, 64 * K) + "\"");
        out().println("    snapshot sha256 " + sha(r2) + "  bytes at 64k: \"" + text(r2, 64 * K) + "\"");
        proved(Arrays.equals(r1, expected1) && Arrays.equals(r2, v1) && !Arrays.equals(r1, r2),
                "they differ: the origin reads the new data, the snapshot the old, byte for byte");

        step("6. Discard 192 KiB of the origin (blocks 1-3)");
        run("thin", "discard", "1", "--offset", "64k", "--length", "192k");
        proved(usedDataBlocks() == 4, "the origin's own copy was released (4 in use); blocks still used by the "
                + "snapshot were kept");
        run("thin", "read", "2", "--offset", "0", "--length", "256k", "--output", o2.toString());
        proved(Arrays.equals(Files.readAllBytes(o2), v1), "the snapshot still reads all its data");

        step("7. Status and ls");
        run("thin", "status", "1");
        run("thin", "status", "2");
        run("pool", "status");
        Run ls = run("ls", "-o", "DEV,MAPPED_BLOCKS,EXCLUSIVE_BLOCKS,SHARED_BLOCKS,MAPPED");
        List<String> rows = ls.out().lines().skip(1).map(String::strip).toList();
        proved(rows.size() == 2 && rows.get(0).matches("1\\s+1\\s+0\\s+1\\s.*") && rows.get(1).matches("2\\s+4\\s+3\\s+1\\s.*"),
                "the origin maps 1 block, shared; the snapshot 4, of which 3 are its alone");

        step("8. Check the metadata");
        Run check = run("check");
        proved(check.code() == 0, "the metadata is consistent: trees, space maps, and every reference count recounted");
        oracles();

        step("9. On disk after all this");
        s = status();
        proved(true, "the data file holds " + SizeParser.format(s.get("dataFileAllocatedBytes").getAsLong())
                + " on disk for 4 blocks of data; the metadata file " + SizeParser.format(s.get("metadataFileAllocatedBytes").getAsLong()));
    }

    /** With thin-provisioning-tools installed: thin_check accepts the metadata and thin_dump reads it as jthin does. */
    private void oracles() throws IOException {
        Path thinCheck = Stream.of("/usr/sbin/thin_check", "/sbin/thin_check", "/usr/bin/thin_check").map(Path::of)
                .filter(Files::isExecutable).findFirst().orElse(null);
        if (thinCheck == null) {
            out().println("  (thin-provisioning-tools not installed: the comparison with thin_check and thin_dump is skipped)");
            return;
        }
        Path meta = pool.resolve("devicemapper/metadata");
        Run check = external(thinCheck.toString(), meta.toString());
        proved(check.code() == 0, "the real thin_check accepts the metadata");
        Run dump = external(thinCheck.resolveSibling("thin_dump").toString(), meta.toString());
        Run ours = run("dump");
        proved(dump.code() == 0 && dump.out().equals(ours.out()), "jthin dump is byte-identical to the real thin_dump");
    }

    // ---- helpers --------------------------------------------------------------------------------------

    private void step(String title) {
        out().println();
        out().println("== " + title);
    }

    private Run run(String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        int at = all.get(0).equals("pool") || all.get(0).equals("thin") ? 2 : 1; // after the (sub)command name
        all.addAll(at, List.of("-p", pool.toString()));
        out().println("$ jthin " + String.join(" ", all).replace(pool.toString(), "$POOL")
                .replace(pool.getParent().toString(), "$WORK"));
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        int code = JthinCommand.run(all.toArray(String[]::new), new ByteArrayInputStream(new byte[0]),
                new PrintStream(o, true, StandardCharsets.UTF_8), new PrintStream(e, true, StandardCharsets.UTF_8));
        Run r = new Run(code, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8));
        indent(r.out() + r.err());
        if (code != 0 && !all.get(0).equals("check")) {
            failures++;
            out().println("  FAILED: exit code " + code);
        }
        return r;
    }

    private Run external(String... command) throws IOException {
        Process p = new ProcessBuilder(command).redirectErrorStream(false).start();
        try {
            byte[] o = p.getInputStream().readAllBytes();
            byte[] e = p.getErrorStream().readAllBytes();
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException(command[0] + " did not finish");
            }
            return new Run(p.exitValue(), new String(o, StandardCharsets.UTF_8), new String(e, StandardCharsets.UTF_8));
        } catch (InterruptedException ie) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted running " + command[0], ie);
        }
    }

    private void indent(String text) {
        text.lines().limit(24).forEach(l -> out().println("    " + l.replace(pool.toString(), "$POOL")));
    }

    private void proved(boolean ok, String what) {
        if (ok) {
            out().println("  proved: " + what);
        } else {
            failures++;
            out().println("  FAILED to prove: " + what);
        }
    }

    private JsonObject status() {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        int code = JthinCommand.run(new String[] {"pool", "status", "--json", "-p", pool.toString()},
                new ByteArrayInputStream(new byte[0]), new PrintStream(o, true, StandardCharsets.UTF_8),
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
        if (code != 0) {
            throw new IllegalStateException("pool status failed with exit code " + code);
        }
        return JsonParser.parseString(o.toString(StandardCharsets.UTF_8)).getAsJsonObject();
    }

    private long usedDataBlocks() {
        return status().get("usedDataBlocks").getAsLong();
    }

    private static byte[] pattern(String text, int length) {
        byte[] unit = text.getBytes(StandardCharsets.US_ASCII);
        byte[] b = new byte[length];
        for (int i = 0; i < length; i++) {
            b[i] = unit[i % unit.length];
        }
        return b;
    }

    private static String text(byte[] b, int offset) {
        return new String(b, offset, Math.min(15, b.length - offset), StandardCharsets.US_ASCII);
    }

    private static String sha(byte[] b) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b)).substring(0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
