package io.jthin.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.jthin.loopfile.SparseFile;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Must-show 4 of issue 5: {@code jthin thin import} of an image with large zero regions allocates
 * only its non-zero blocks (status shows it), {@code jthin thin export} gives back a sparse file
 * that {@code cmp} finds identical to the image, and {@code thin map} lists exactly those blocks.
 */
class CliImageTest {
    private static final int BLOCK = 64 * 1024;
    private static final long IMAGE = 32L << 20;

    @TempDir
    Path tmp;

    /** A sparse image with data at a few places (aligned, unaligned, a whole-block zero run inside data, the tail). */
    private Path image(String name, long seed, long[][] regions) throws IOException {
        Path p = tmp.resolve(name);
        SplittableRandom rnd = new SplittableRandom(seed);
        try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) {
            f.setLength(IMAGE);
            for (long[] r : regions) {
                byte[] b = new byte[(int) r[1]];
                rnd.nextBytes(b);
                f.seek(r[0]);
                f.write(b);
            }
        }
        return p;
    }

    private static long nonZeroBlocks(Path image) throws IOException {
        byte[] all = Files.readAllBytes(image);
        byte[] zero = new byte[BLOCK];
        long n = 0;
        for (int off = 0; off < all.length; off += BLOCK) {
            int len = Math.min(BLOCK, all.length - off);
            n += Arrays.equals(all, off, off + len, zero, 0, len) ? 0 : 1;
        }
        return n;
    }

    private static JsonObject json(Cli.Result r) {
        return JsonParser.parseString(r.out()).getAsJsonObject();
    }

    private static void cmp(Path a, Path b) throws IOException, InterruptedException {
        assertEquals(-1, Files.mismatch(a, b), a + " and " + b + " differ");
        Process p = new ProcessBuilder("cmp", a.toString(), b.toString()).inheritIO().start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), "cmp " + a + " " + b);
    }

    @Test
    void importAllocatesOnlyDataAndExportIsSparseAndIdentical() throws IOException, InterruptedException {
        String pool = tmp.resolve("pool").toString();
        Cli.run("pool", "create", "-p", pool, "--data-size", "256m", "--metadata-size", "16m").ok("create");
        Path img = image("disk.img", 1, new long[][] {{0, 100_000}, {5L << 20 | 1000, 10}, {20L << 20, 2 * BLOCK},
            {IMAGE - 4096, 4096}});
        long blocks = nonZeroBlocks(img);
        assertEquals(2 + 1 + 2 + 1, blocks);

        Cli.Result imported = Cli.run("thin", "import", "1", img.toString(), "-p", pool, "--json").ok("import");
        JsonObject stats = json(imported);
        assertTrue(stats.get("created").getAsBoolean());
        assertEquals(blocks, stats.get("blocksWritten").getAsLong());
        JsonObject status = json(Cli.run("thin", "status", "1", "--json", "-p", pool).ok("status"));
        assertEquals(blocks, status.get("mappedBlocks").getAsLong(), "only non-zero blocks are mapped");
        assertEquals(IMAGE, status.get("sizeBytes").getAsLong(), "the device got the image's size");
        assertEquals(blocks, json(Cli.run("pool", "status", "--json", "-p", pool).ok("pool status"))
                .get("usedDataBlocks").getAsLong(), "only non-zero blocks are allocated in the pool");
        assertTrue(Cli.run("thin", "status", "1", "-p", pool).out().startsWith("0 65536 thin " + blocks * 128 + " "));

        Path out = tmp.resolve("export.img");
        Cli.Result exported = Cli.run("thin", "export", "1", out.toString(), "-p", pool).ok("export");
        assertTrue(exported.out().contains("the rest left as holes"), exported.out());
        cmp(img, out);
        try (SparseFile f = SparseFile.openReadOnly(out)) {
            assertTrue(f.allocatedBytes() <= (blocks + 16) * BLOCK, "export is sparse: " + f.allocatedBytes() + " bytes on disk");
        }

        JsonArray map = JsonParser.parseString(Cli.run("thin", "map", "1", "--json", "-p", pool).ok("map").out())
                .getAsJsonArray();
        long mapped = 0;
        long end = 0;
        for (JsonElement e : map) {
            JsonObject o = e.getAsJsonObject();
            assertEquals(end, o.get("start").getAsLong(), "extents are contiguous");
            end += o.get("length").getAsLong();
            if (o.get("data").getAsBoolean()) {
                mapped += o.get("length").getAsLong();
            }
        }
        assertEquals(IMAGE, end);
        assertEquals(blocks * BLOCK, mapped);
        assertTrue(Cli.run("thin", "map", "1", "-p", pool).ok("map").out().contains("devicemapper/data"));

        Cli.run("thin", "export", "1", out.toString(), "-p", pool).fails(1, "already exists");
        Cli.run("thin", "export", "1", out.toString(), "--force", "-p", pool).ok("export --force");
        cmp(img, out);
    }

    @Test
    void importOverExistingDataLeavesExactlyTheImage() throws IOException, InterruptedException {
        String pool = tmp.resolve("pool").toString();
        Cli.run("pool", "create", "-p", pool, "--data-size", "256m", "--metadata-size", "16m").ok("create");
        Path first = image("first.img", 2, new long[][] {{0, 8L << 20}});
        Cli.run("thin", "import", "7", first.toString(), "-p", pool).ok("import first");
        assertEquals(128, json(Cli.run("thin", "status", "7", "--json", "-p", pool)).get("mappedBlocks").getAsLong());

        Path second = image("second.img", 3, new long[][] {{BLOCK + 100, 50}, {(3L << 20) + 7, 9}});
        Cli.Result r = Cli.run("thin", "import", "7", second.toString(), "-p", pool, "--json").ok("import second");
        assertEquals(126, json(r).get("blocksDiscarded").getAsLong(), "every block that is zero in the image is unmapped");
        assertEquals(2, json(Cli.run("thin", "status", "7", "--json", "-p", pool)).get("mappedBlocks").getAsLong());
        Path out = tmp.resolve("out.img");
        Cli.run("thin", "export", "7", out.toString(), "-p", pool).ok("export");
        cmp(second, out);
        Cli.run("check", "-p", pool).ok("check");
    }
}
