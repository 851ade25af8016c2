package io.jthin.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jthin.loopfile.SparseFile;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code jthin pool trim}: a pool made without discard passdown keeps discarded blocks allocated in
 * its data file; trim punches every free data block out of it and nothing else — what the devices
 * still map reads back unchanged, a snapshot's shared blocks included, and the metadata stays clean
 * (jthin check and thin_check).
 */
class PoolTrimTest {
    private static final int BLOCK = 64 * 1024;

    @TempDir
    Path tmp;

    private static long allocated(Path data) {
        try (SparseFile f = SparseFile.openReadOnly(data)) {
            return f.allocatedBytes();
        }
    }

    @Test
    void trimPunchesTheFreeBlocksAndKeepsWhatIsMapped() {
        String pool = tmp.resolve("pool").toString();
        Path data = Path.of(pool, "devicemapper", "data");
        Cli.run("pool", "create", "-p", pool, "--data-size", "64m", "--metadata-size", "8m", "--no-discard-passdown")
                .ok("create");
        Cli.run("thin", "create", "1", "--size", "16m", "-p", pool).ok("thin create 1");
        byte[] bytes = new byte[64 * BLOCK];
        new SplittableRandom(8).nextBytes(bytes);
        Cli.run(bytes, "thin", "write", "1", "--offset", "0", "-p", pool).ok("write 64 blocks");
        Cli.run("thin", "snapshot", "2", "1", "-p", pool).ok("snapshot 2 of 1");
        Cli.run("thin", "discard", "1", "--offset", Long.toString(16L * BLOCK), "--length", Long.toString(32L * BLOCK),
                "-p", pool).ok("discard 32 blocks of 1: still mapped by 2");
        Cli.run("thin", "delete", "2", "-p", pool).ok("delete 2: those 32 blocks are free now");
        long before = allocated(data);
        assertTrue(before >= 64L * BLOCK, "without passdown the freed blocks stay allocated: " + before);

        String said = Cli.run("pool", "trim", "-p", pool).ok("trim").out();
        assertTrue(said.startsWith("punched " + (1024 - 32) + " free data blocks"), said);
        long after = allocated(data);
        assertTrue(after <= before - 32L * BLOCK, "the 32 freed blocks are punched: " + before + " -> " + after);
        assertTrue(after >= 32L * BLOCK, "the 32 still mapped are not: " + after);

        byte[] head = Cli.run("thin", "read", "1", "--offset", "0", "--length", Long.toString(16L * BLOCK), "-p", pool)
                .ok("read").stdout();
        byte[] tail = Cli.run("thin", "read", "1", "--offset", Long.toString(48L * BLOCK), "--length",
                Long.toString(16L * BLOCK), "-p", pool).ok("read").stdout();
        assertArrayEquals(Arrays.copyOfRange(bytes, 0, 16 * BLOCK), head);
        assertArrayEquals(Arrays.copyOfRange(bytes, 48 * BLOCK, 64 * BLOCK), tail);
        Cli.run("check", "-p", pool).ok("check after trim");
        ThinTools.assertCheckClean(Path.of(pool, "devicemapper", "metadata"), "after trim");
        Cli.run("pool", "trim", "-p", pool).ok("trim again: the same free blocks, already holes");
        assertEquals(after, allocated(data));
    }
}
