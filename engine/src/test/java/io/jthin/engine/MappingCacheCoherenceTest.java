package io.jthin.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.jthin.allocator.OutOfDataSpaceException;
import io.jthin.loopfile.BlockDevice;
import io.jthin.loopfile.DeviceIOException;
import io.jthin.loopfile.ForwardingBlockDevice;
import io.jthin.loopfile.MemoryBlockDevice;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Arrays;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;

/**
 * The {@link MappingCache} never answers with a mapping that no longer holds. Each read test first
 * reads a block (so its lookup is cached), then changes that block's mapping by one of the ways the
 * pool has — discard, copy-on-write, delete and re-create, rollback after a metadata failure — and
 * reads again. A cache that missed the change serves the old data block. Each write test first
 * writes a block twice with no read between (so the cache holds it as the device's own, and the
 * second write went in place from the cache), then changes it — snapshot, discard, rollback — and
 * writes again. A cache that missed the change writes in place into a block that is now shared, or
 * another device's, or no longer mapped.
 */
class MappingCacheCoherenceTest {
    private static final int BLOCK = 64 * 1024;
    private static final PoolOptions NO_TIMER = PoolOptions.defaults().withCommitInterval(Duration.ZERO);

    private static ByteBuffer fill(int n, int v) {
        byte[] a = new byte[n];
        Arrays.fill(a, (byte) v);
        return ByteBuffer.wrap(a);
    }

    /** A pool on memory devices (64 data blocks), committing only when told. */
    private static ThinPool memoryPool() {
        return ThinPool.create(new MemoryBlockDevice(64L * BLOCK), new MemoryBlockDevice(4L << 20), NO_TIMER);
    }

    private static byte[] read(ThinVolume v, long offset, int n) {
        ByteBuffer b = ByteBuffer.allocate(n);
        v.read(offset, b);
        return b.array();
    }

    @Test
    void aDiscardedBlockReadsAsZeros() {
        try (ThinPool pool = memoryPool()) {
            pool.createThin(1);
            try (ThinVolume v = pool.openVolume(1, 16L * BLOCK)) {
                v.write(0, fill(2 * BLOCK, 0x11));
                assertArrayEquals(fill(2 * BLOCK, 0x11).array(), read(v, 0, 2 * BLOCK));
                assertEquals(2, v.discard(0, 2 * BLOCK));
                assertArrayEquals(new byte[2 * BLOCK], read(v, 0, 2 * BLOCK), "discarded: zeros, not the old block");
                v.write(BLOCK, fill(BLOCK, 0x22)); // a fresh block, perhaps the one just freed
                assertArrayEquals(new byte[BLOCK], read(v, 0, BLOCK));
                assertArrayEquals(fill(BLOCK, 0x22).array(), read(v, BLOCK, BLOCK));
            }
        }
    }

    @Test
    void aCopyOnWriteIsSeenByTheWriterAndNotByTheSnapshot() {
        try (ThinPool pool = memoryPool()) {
            pool.createThin(1);
            try (ThinVolume v = pool.openVolume(1, 16L * BLOCK)) {
                v.write(0, fill(BLOCK, 0x11));
                read(v, 0, BLOCK);
                pool.createSnap(2, 1);
                try (ThinVolume s = pool.openVolume(2, 16L * BLOCK)) {
                    assertArrayEquals(fill(BLOCK, 0x11).array(), read(s, 0, BLOCK), "the snapshot shares the block");
                    v.write(100, fill(10, 0x33)); // breaks the sharing: device 1 gets a copy
                    byte[] expected = fill(BLOCK, 0x11).array();
                    Arrays.fill(expected, 100, 110, (byte) 0x33);
                    assertArrayEquals(expected, read(v, 0, BLOCK), "the writer reads its copy");
                    assertArrayEquals(fill(BLOCK, 0x11).array(), read(s, 0, BLOCK), "the snapshot keeps the old block");
                    s.write(0, fill(BLOCK, 0x44)); // and the snapshot's own overwrite
                    assertArrayEquals(fill(BLOCK, 0x44).array(), read(s, 0, BLOCK));
                    assertArrayEquals(expected, read(v, 0, BLOCK));
                }
            }
        }
    }

    @Test
    void aDeviceDeletedAndCreatedAgainReadsAsZeros() {
        try (ThinPool pool = memoryPool()) {
            pool.createThin(1);
            try (ThinVolume v = pool.openVolume(1, 16L * BLOCK)) {
                v.write(0, fill(BLOCK, 0x11));
                read(v, 0, BLOCK);
            }
            pool.delete(1);
            pool.createThin(2);
            try (ThinVolume w = pool.openVolume(2, 16L * BLOCK)) {
                w.write(0, fill(BLOCK, 0x55)); // takes the block device 1 had
            }
            pool.createThin(1);
            try (ThinVolume v = pool.openVolume(1, 16L * BLOCK)) {
                assertArrayEquals(new byte[BLOCK], read(v, 0, BLOCK), "a new device 1 has nothing mapped");
            }
        }
    }

    /**
     * A metadata failure rolls the transaction back (§7.6): a block first written in that
     * transaction is unmapped again and must read as zeros, though its lookup was cached.
     */
    @Test
    void aRollbackAfterAMetadataFailureIsSeen() {
        FailingNewReads failing = committedPoolWithTwoDevices();
        try (ThinPool pool = ThinPool.open(failing.data, failing, NO_TIMER)) {
            ThinVolume v = pool.openVolume(1, 16L * BLOCK);
            v.write(0, fill(BLOCK, 0x11)); // not committed: the timer is off
            assertArrayEquals(fill(BLOCK, 0x11).array(), read(v, 0, BLOCK));
            failing.failNewReads = true; // device 2's tree was never read: deleting it fails
            assertThrows(DeviceIOException.class, () -> pool.delete(2));
            assertEquals(PoolMode.READ_ONLY, pool.mode(), "the failure rolled back and made the pool read-only");
            assertArrayEquals(new byte[BLOCK], read(v, 0, BLOCK), "rolled back: block 0 of device 1 is unmapped again");
            v.close();
        }
    }

    @Test
    void aWriteAfterASnapshotCopiesTheBlockTheWriterOwnedBefore() {
        try (ThinPool pool = memoryPool()) {
            pool.createThin(1);
            try (ThinVolume v = pool.openVolume(1, 16L * BLOCK)) {
                v.write(0, fill(BLOCK, 0x11));
                v.write(0, fill(BLOCK, 0x22)); // in place: the block is device 1's own
                pool.createSnap(2, 1);
                v.write(100, fill(10, 0x33)); // shared now: must copy
                try (ThinVolume s = pool.openVolume(2, 16L * BLOCK)) {
                    assertArrayEquals(fill(BLOCK, 0x22).array(), read(s, 0, BLOCK), "the snapshot keeps the block");
                }
                byte[] expected = fill(BLOCK, 0x22).array();
                Arrays.fill(expected, 100, 110, (byte) 0x33);
                assertArrayEquals(expected, read(v, 0, BLOCK));
                assertEquals(2, pool.status().usedDataBlocks(), "the write copied the block");
            }
        }
    }

    @Test
    void aWriteAfterADiscardDoesNotReachTheBlockAnotherDeviceGotSince() {
        PoolOptions failWhenFull = NO_TIMER.withErrorIfNoSpace(true);
        try (ThinPool pool = ThinPool.create(new MemoryBlockDevice(2L * BLOCK), new MemoryBlockDevice(4L << 20),
                failWhenFull)) {
            pool.createThin(1);
            pool.createThin(2);
            try (ThinVolume v = pool.openVolume(1, 16L * BLOCK); ThinVolume w = pool.openVolume(2, 16L * BLOCK)) {
                v.write(0, fill(BLOCK, 0x11));
                v.write(0, fill(BLOCK, 0x22));
                assertEquals(1, v.discard(0, BLOCK));
                pool.commit(); // the freed block may be allocated again
                w.write(0, fill(2 * BLOCK, 0x55)); // both data blocks of the pool, the freed one among them
                assertThrows(OutOfDataSpaceException.class, () -> v.write(0, fill(10, 0x66)),
                        "block 0 of device 1 is unmapped and the pool is full");
                assertArrayEquals(new byte[BLOCK], read(v, 0, BLOCK));
                assertArrayEquals(fill(2 * BLOCK, 0x55).array(), read(w, 0, 2 * BLOCK), "device 2's blocks are untouched");
            }
        }
    }

    /** After a rollback the block written in the lost transaction is unmapped: a read-only pool cannot write it. */
    @Test
    void aWriteAfterARollbackIsNotServedFromTheLostMapping() {
        FailingNewReads failing = committedPoolWithTwoDevices();
        try (ThinPool pool = ThinPool.open(failing.data, failing, NO_TIMER)) {
            ThinVolume v = pool.openVolume(1, 16L * BLOCK);
            v.write(0, fill(BLOCK, 0x11)); // not committed: the timer is off
            v.write(0, fill(BLOCK, 0x22));
            failing.failNewReads = true;
            assertThrows(DeviceIOException.class, () -> pool.delete(2));
            assertEquals(PoolMode.READ_ONLY, pool.mode());
            assertThrows(RuntimeException.class, () -> v.write(0, fill(BLOCK, 0x33)),
                    "block 0 of device 1 is unmapped again, and a read-only pool allocates nothing");
            assertArrayEquals(new byte[BLOCK], read(v, 0, BLOCK));
            v.close();
        }
    }

    /**
     * A committed pool with devices 1 (empty) and 2 (two blocks written), reopened: its metadata
     * device, not yet armed to fail, and its data device.
     */
    private static FailingNewReads committedPoolWithTwoDevices() {
        MemoryBlockDevice data = new MemoryBlockDevice(64L * BLOCK);
        MemoryBlockDevice meta = new MemoryBlockDevice(4L << 20);
        try (ThinPool pool = ThinPool.create(data, meta, NO_TIMER)) {
            pool.createThin(1);
            pool.createThin(2);
            try (ThinVolume v = pool.openVolume(2, 16L * BLOCK)) {
                v.write(0, fill(2 * BLOCK, 0x77));
            }
        }
        return new FailingNewReads(meta.reopen(), data.reopen());
    }

    /** Reads of blocks already read pass; once armed, a read of any other block fails. */
    private static final class FailingNewReads extends ForwardingBlockDevice {
        private final Set<Long> seen = ConcurrentHashMap.newKeySet();
        /** The pool's data device, carried along. */
        final BlockDevice data;
        volatile boolean failNewReads;

        FailingNewReads(BlockDevice delegate, BlockDevice data) {
            super(delegate);
            this.data = data;
        }

        @Override
        public void read(long offsetBytes, ByteBuffer dst) {
            if (failNewReads && !seen.contains(offsetBytes)) {
                throw new DeviceIOException("injected: read of metadata at " + offsetBytes);
            }
            super.read(offsetBytes, dst);
            seen.add(offsetBytes);
        }
    }
}
