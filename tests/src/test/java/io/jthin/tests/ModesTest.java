package io.jthin.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jthin.btree.CorruptMetadataException;
import io.jthin.engine.NeedsCheckException;
import io.jthin.engine.PoolMode;
import io.jthin.engine.PoolOptions;
import io.jthin.engine.ThinPool;
import io.jthin.engine.ThinVolume;
import io.jthin.loopfile.MemoryBlockDevice;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Arrays;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;

/**
 * The kernel's failure path (dm-thin-format §7.6): a metadata operation that fails rolls back to
 * the last commit, sets NEEDS_CHECK in the superblock at once and makes the pool read-only; writes
 * that need a metadata change are refused with a clear error; committed data stays readable; a
 * reopened pool stays read-only while NEEDS_CHECK is set.
 */
class ModesTest {
    private static final int BLOCK = 64 * 1024;
    private static final int BTREE_SALT = 121107;

    private static ByteBuffer fill(int n, int v) {
        byte[] a = new byte[n];
        Arrays.fill(a, (byte) v);
        return ByteBuffer.wrap(a);
    }

    /** Flips a byte in every mapping-tree node (B-tree nodes with 8-byte values) of the metadata device. */
    private static int corruptMappingTree(MemoryBlockDevice meta) {
        int hit = 0;
        for (long b = 1; b < meta.size() / 4096; b++) {
            byte[] block = new byte[4096];
            meta.read(b * 4096, ByteBuffer.wrap(block));
            ByteBuffer le = ByteBuffer.wrap(block).order(java.nio.ByteOrder.LITTLE_ENDIAN);
            CRC32C crc = new CRC32C();
            crc.update(block, 4, 4092);
            boolean isNode = ((int) ~crc.getValue() ^ BTREE_SALT) == le.getInt(0);
            if (isNode && le.getInt(24) == 8) {
                block[100] ^= 0x40;
                meta.write(b * 4096, ByteBuffer.wrap(block));
                hit++;
            }
        }
        return hit;
    }

    @Test
    void metadataFailureMakesThePoolReadOnlyWithNeedsCheck() {
        PoolOptions opts = PoolOptions.defaults().withCommitInterval(Duration.ZERO);
        MemoryBlockDevice data = new MemoryBlockDevice(32L * BLOCK);
        MemoryBlockDevice meta = new MemoryBlockDevice(4L << 20);
        try (ThinPool pool = ThinPool.create(data, meta, opts)) {
            pool.createThin(1);
            pool.createThin(2);
            try (ThinVolume v = pool.openVolume(1, 16L * BLOCK)) {
                v.write(0, fill(4 * BLOCK, 5));
            }
            try (ThinVolume v = pool.openVolume(2, 16L * BLOCK)) {
                v.write(0, fill(2 * BLOCK, 7));
            }
        }
        try (ThinPool pool = ThinPool.open(data.reopen(), meta.reopen(), opts)) {
            ThinVolume v1 = pool.openVolume(1, 16L * BLOCK);
            v1.read(0, ByteBuffer.allocate(BLOCK)); // caches device 1's path
            assertTrue(corruptMappingTree(meta) > 0, "the test found mapping-tree nodes to corrupt");

            ThinVolume v2 = pool.openVolume(2, 16L * BLOCK);
            CorruptMetadataException onRead = assertThrows(CorruptMetadataException.class,
                    () -> v2.write(8L * BLOCK, fill(100, 1)));
            assertTrue(onRead.getMessage().contains("metadata block"), onRead.getMessage());
            assertEquals(PoolMode.WRITE, pool.mode(), "a lookup that fails changes nothing");
            v2.close();

            assertThrows(CorruptMetadataException.class, () -> pool.delete(2),
                    "deleting device 2 must read its corrupted tree");
            assertEquals(PoolMode.READ_ONLY, pool.mode(), "a failed metadata change makes the pool read-only");
            String status = pool.status().toString();
            assertTrue(status.contains(" ro ") && status.contains(" needs_check "), status);
            NeedsCheckException refused = assertThrows(NeedsCheckException.class, () -> pool.createThin(9));
            assertTrue(refused.getMessage().contains("read-only"), refused.getMessage());
            ByteBuffer back = ByteBuffer.allocate(4 * BLOCK);
            v1.read(0, back);
            assertArrayEquals(fill(4 * BLOCK, 5).array(), back.array(), "committed data stays readable");
            v1.write(0, fill(BLOCK, 6)); // a mapped, unshared block is written in place without metadata
            assertThrows(NeedsCheckException.class, () -> v1.write(10L * BLOCK, fill(10, 6)),
                    "a write that needs a new block is refused");
            v1.close();
        }
        try (ThinPool pool = ThinPool.open(data.reopen(), meta.reopen(), opts)) {
            assertEquals(PoolMode.READ_ONLY, pool.mode(), "NEEDS_CHECK survives a reopen");
            assertTrue(pool.status().needsCheck());
            assertEquals(2, pool.details(2).mappedBlocks(), "the failed delete of device 2 was rolled back");
            assertThrows(NeedsCheckException.class, () -> pool.resizeData(64L * BLOCK),
                    "a pool that needs a check cannot grow");
        }
    }
}
