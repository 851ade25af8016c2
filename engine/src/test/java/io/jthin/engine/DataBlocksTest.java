package io.jthin.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

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
        data.discard(3);
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
