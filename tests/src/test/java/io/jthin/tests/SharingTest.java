package io.jthin.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jthin.engine.PoolOptions;
import io.jthin.engine.ThinPool;
import io.jthin.engine.ThinVolume;
import io.jthin.loopfile.SparseFile;
import io.jthin.snapshot.Mapping;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 4, must-show 2: sharing is real, copy-on-write copies exactly one block, deletes free exactly the unshared blocks. */
class SharingTest {
    private static final int BLOCK = 64 * 1024;
    private static final int BLOCKS = 40;

    @TempDir
    Path dir;

    private static byte[] fill(int n, int v) {
        byte[] a = new byte[n];
        Arrays.fill(a, (byte) v);
        return a;
    }

    private static byte[] read(ThinVolume v, long off, int n) {
        ByteBuffer b = ByteBuffer.allocate(n);
        v.read(off, b);
        return b.array();
    }

    @Test
    void snapshotSharesCopyOnWriteCopiesOneBlockDeleteFreesExactlyTheUnshared() {
        Path meta = dir.resolve("metadata");
        Path data = dir.resolve("data");
        PoolOptions opts = PoolOptions.defaults().withCommitInterval(Duration.ZERO);
        try (ThinPool pool = ThinPool.create(SparseFile.create(data, 64L << 20), SparseFile.create(meta, 8L << 20),
                opts)) {
            pool.createThin(1);
            ThinVolume origin = pool.openVolume(1, (long) BLOCKS * BLOCK);
            origin.write(0, ByteBuffer.wrap(fill(BLOCKS * BLOCK, 0x11)));
            origin.flush();
            assertEquals(BLOCKS, pool.status().usedDataBlocks());

            pool.createSnap(2, 1);
            assertEquals(BLOCKS, pool.status().usedDataBlocks(), "a snapshot allocates no data block");
            Mapping before = pool.mapping(1, 5);
            assertTrue(before.shared(), "after the snapshot the origin's mappings are shared");
            assertEquals(before.dataBlock(), pool.mapping(2, 5).dataBlock(), "both devices map the same data block");

            origin.write(5L * BLOCK + 4096, ByteBuffer.wrap(fill(4096, 0x22)));
            assertEquals(BLOCKS + 1, pool.status().usedDataBlocks(), "a 4 KiB write to a shared block copies one block");
            Mapping after = pool.mapping(1, 5);
            assertNotEquals(before.dataBlock(), after.dataBlock(), "the origin now has its own copy");
            assertEquals(before.dataBlock(), pool.mapping(2, 5).dataBlock(), "the snapshot keeps the old block");
            assertEquals(1, pool.dataRefCount(before.dataBlock()), "the old block is the snapshot's alone");
            assertEquals(1, pool.dataRefCount(after.dataBlock()));
            // The leaf the write copied now holds the other mappings twice: counts 2.
            assertEquals(2, pool.dataRefCount(pool.mapping(1, 6).dataBlock()), "blocks of the copied leaf count 2");

            byte[] expectOrigin = fill(BLOCK, 0x11);
            Arrays.fill(expectOrigin, 4096, 8192, (byte) 0x22);
            assertArrayEquals(expectOrigin, read(origin, 5L * BLOCK, BLOCK), "origin reads its write and the copied rest");
            try (ThinVolume snap = pool.openVolume(2, (long) BLOCKS * BLOCK)) {
                assertArrayEquals(fill(BLOCK, 0x11), read(snap, 5L * BLOCK, BLOCK), "the snapshot still reads the old bytes");
            }
            origin.flush();
            ThinTools.assertCheckClean(meta, "after copy-on-write");

            pool.delete(2);
            origin.flush();
            assertEquals(BLOCKS, pool.status().usedDataBlocks(), "deleting the snapshot frees exactly its one unshared block");
            ThinTools.assertCheckClean(meta, "after deleting the snapshot");

            pool.createSnap(3, 1);
            origin.close();
            pool.delete(1);
            pool.commit();
            assertEquals(BLOCKS, pool.status().usedDataBlocks(), "deleting the origin of a snapshot frees nothing shared");
            ThinTools.assertCheckClean(meta, "after deleting the origin");

            try (ThinVolume snap = pool.openVolume(3, (long) BLOCKS * BLOCK)) {
                assertArrayEquals(expectOrigin, read(snap, 5L * BLOCK, BLOCK));
                long allocatedBefore = pool.dataAllocatedBytes();
                snap.discard(0, 20L * BLOCK);
                assertEquals(allocatedBefore, pool.dataAllocatedBytes(), "nothing is punched before the commit");
                snap.flush();
                long allocatedAfter = pool.dataAllocatedBytes();
                assertTrue(allocatedAfter <= allocatedBefore - 20L * BLOCK,
                        "passdown punched the 20 discarded blocks: " + allocatedBefore + " -> " + allocatedAfter);
                assertEquals(BLOCKS - 20, pool.status().usedDataBlocks());
                assertArrayEquals(new byte[BLOCK], read(snap, 3L * BLOCK, BLOCK), "discarded blocks read as zeros");
            }
            pool.commit();
            ThinTools.assertCheckClean(meta, "after discard");
        }
    }
}
