package io.jthin.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jthin.loopfile.MemoryBlockDevice;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** DataBlocks: copy-on-write with the new bytes laid over, in 1 MiB chunks; syncs skipped when clean. */
class DataBlocksTest {
    @Test
    void copyWithLaysTheNewBytesOverTheOldBlockAcrossChunks() {
        int block = 2 << 20; // 2 MiB: two 1 MiB copy chunks
        MemoryBlockDevice dev = new MemoryBlockDevice(4L * block);
        DataBlocks data = new DataBlocks(dev, block);
        byte[] old = new byte[block];
        new SplittableRandom(1).nextBytes(old);
        dev.write(0, ByteBuffer.wrap(old));
        for (int[] c : new int[][] {{0, 10}, {(1 << 20) - 5, 10}, {block - 3, 3}, {100, block - 100}, {0, block}}) {
            byte[] fresh = new byte[c[1]];
            Arrays.fill(fresh, (byte) 7);
            ByteBuffer src = ByteBuffer.wrap(fresh);
            data.copyWith(0, 1, c[0], src);
            assertEquals(0, src.remaining());
            byte[] want = old.clone();
            System.arraycopy(fresh, 0, want, c[0], c[1]);
            ByteBuffer got = ByteBuffer.allocate(block);
            dev.read(block, got);
            assertArrayEquals(want, got.array(), "at " + c[0] + ", " + c[1] + " bytes");
        }
    }

    @Test
    void reservesEachChunkOnceAndAgainAfterADiscardPunch(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) {
        int mib = 1 << 20;
        try (io.jthin.loopfile.SparseFile dev = io.jthin.loopfile.SparseFile.create(dir.resolve("data"), 8L * mib)) {
            DataBlocks data = new DataBlocks(dev, 65536, mib - 1000); // rounded up to 16 blocks: 1 MiB
            assertEquals(0, dev.allocatedBytes(), "a new sparse file");
            data.reserveFor(20); // block 20 lies in chunk 1: [1 MiB, 2 MiB)
            assertEquals(mib, dev.allocatedBytes(), "its chunk reserved");
            data.write(20, 0, ByteBuffer.wrap(new byte[] {9}));
            data.reserveFor(31);
            assertEquals(mib, dev.allocatedBytes(), "same chunk: not again");
            data.discard(20, 1);
            assertEquals(mib - 65536, dev.allocatedBytes(), "the discarded block punched out");
            data.reserveFor(21);
            assertEquals(mib, dev.allocatedBytes(), "the chunk was forgotten at the punch and reserved again");
            // From here on, sums within one 4 KiB block: as the punches split the file's extents,
            // ext4 may give its extent tree a block of its own (counted in st_blocks).
            long before = dev.allocatedBytes();
            data.reserveFor(40); // chunk 2: blocks 32..47
            assertTrue(dev.allocatedBytes() - before >= mib - 4096, "chunk 2 reserved");
            before = dev.allocatedBytes();
            data.discard(30, 4); // blocks 30..33: the end of chunk 1 and the start of chunk 2, one punch
            assertTrue(before - dev.allocatedBytes() >= 4 * 65536 - 4096, "the run punched out");
            assertTrue(dev.readsAsZeros(30L * 65536, 4L * 65536), "a hole now");
            before = dev.allocatedBytes();
            data.reserveFor(33);
            assertTrue(dev.allocatedBytes() - before >= 2 * 65536 - 4096, "chunk 2 forgotten and reserved again");
            before = dev.allocatedBytes();
            data.reserveFor(30);
            assertTrue(dev.allocatedBytes() - before >= 2 * 65536 - 4096, "and chunk 1");
            ByteBuffer got = ByteBuffer.allocate(65536);
            data.read(20, 0, got);
            assertArrayEquals(new byte[65536], got.array(), "reserved storage reads as zeros");
        }
        try (io.jthin.loopfile.SparseFile dev = io.jthin.loopfile.SparseFile.create(dir.resolve("off"), 8L * mib)) {
            new DataBlocks(dev, 65536, 0).reserveFor(3);
            assertEquals(0, dev.allocatedBytes(), "reservation off");
        }
    }

    @Test
    void syncOnlyWhenSomethingChanged() {
        MemoryBlockDevice dev = new MemoryBlockDevice(1 << 20);
        DataBlocks data = new DataBlocks(dev, 65536);
        data.sync();
        assertEquals(1, dev.syncCount(), "state unknown at first: synced");
        data.sync();
        assertEquals(1, dev.syncCount(), "nothing changed: skipped");
        data.write(1, 0, ByteBuffer.allocate(10));
        data.sync();
        assertEquals(2, dev.syncCount());
        data.zero(2); // a hole already: nothing written, nothing to sync
        data.sync();
        assertEquals(2, dev.syncCount());
        data.zero(1);
        data.sync();
        assertEquals(3, dev.syncCount(), "a punch is a change");
        data.copyWith(1, 3, 5, ByteBuffer.allocate(1));
        data.sync();
        data.discard(3, 1);
        data.sync();
        assertEquals(5, dev.syncCount());
    }

    @Test
    void aPoolWithNothingWrittenSyncsItsDataOnceForManyMessages() {
        MemoryBlockDevice dataDev = new MemoryBlockDevice(16 << 20);
        try (ThinPool p = ThinPool.create(dataDev, new MemoryBlockDevice(16 << 20),
                PoolOptions.defaults().withCommitInterval(Duration.ZERO))) {
            p.createThin(1);
            for (int i = 2; i < 12; i++) {
                p.createSnap(i, 1);
            }
            assertEquals(1, dataDev.syncCount(), "create_thin synced the data device; the snapshots had nothing to sync");
        }
    }
}
