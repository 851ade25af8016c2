package io.jthin.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jthin.loopfile.ForwardingBlockDevice;
import io.jthin.loopfile.MemoryBlockDevice;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Discard passdown after a commit: one punch per run of contiguous freed blocks (not one per
 * block), never over a block still in use, and reads of mapped blocks go on while it punches.
 */
class DiscardPassdownTest {
    private static final int BLOCK = 64 * 1024;
    private final ExecutorService threads = Executors.newCachedThreadPool();

    @AfterEach
    void stop() {
        threads.shutdownNow();
    }

    /** Records every punch as {offset, length} in bytes; once armed, the first punch is held open by its gate. */
    private static final class RecordingPunches extends ForwardingBlockDevice {
        final List<long[]> punches = new CopyOnWriteArrayList<>();
        final GatedPhase gate = new GatedPhase();

        RecordingPunches(long bytes) {
            super(new MemoryBlockDevice("data", bytes));
        }

        @Override
        public void punchHole(long offsetBytes, long lengthBytes) {
            punches.add(new long[] {offsetBytes, lengthBytes});
            gate.pass();
            super.punchHole(offsetBytes, lengthBytes);
        }
    }

    @Test
    void eachRunOfFreedBlocksIsPunchedOnceAndABlockInUseIsNot() {
        RecordingPunches data = new RecordingPunches(128L * BLOCK);
        try (ThinPool pool = ThinPool.create(data, new MemoryBlockDevice("meta", 16L << 20),
                PoolOptions.defaults().withCommitInterval(Duration.ZERO))) {
            pool.createThin(1);
            try (ThinVolume v = pool.openVolume(1, 64L * BLOCK)) {
                for (int b = 0; b < 64; b++) {
                    v.write((long) b * BLOCK, ByteBuffer.wrap(filled(BLOCK, b + 1)));
                }
                for (int b = 0; b < 64; b++) {
                    assertEquals(b, pool.mapping(1, b).dataBlock(), "first writes allocate in order");
                }
                pool.commit();
                assertEquals(20, v.discard(0, 20L * BLOCK));
                assertEquals(43, v.discard(21L * BLOCK, 43L * BLOCK));
                assertTrue(data.punches.isEmpty(), "nothing is punched before the commit");
                pool.commit();

                assertEquals(2, data.punches.size(), "one punch per run, not one per block");
                assertArrayEquals(new long[] {0, 20L * BLOCK}, data.punches.get(0));
                assertArrayEquals(new long[] {21L * BLOCK, 43L * BLOCK}, data.punches.get(1));
                ByteBuffer kept = ByteBuffer.allocate(BLOCK);
                v.read(20L * BLOCK, kept);
                assertArrayEquals(filled(BLOCK, 21), kept.array(), "the block still mapped keeps its data");
                ByteBuffer raw = ByteBuffer.allocate(BLOCK);
                data.read(63L * BLOCK, raw);
                assertArrayEquals(new byte[BLOCK], raw.array(), "a punched block reads as zeros");
            }

            pool.createThin(2);
            try (ThinVolume w = pool.openVolume(2, 8L * BLOCK)) {
                w.write(100, ByteBuffer.wrap(filled(10, 9))); // reuses a punched block: known zeros, no punch
                ByteBuffer got = ByteBuffer.allocate(BLOCK);
                w.read(0, got);
                byte[] want = new byte[BLOCK];
                Arrays.fill(want, 100, 110, (byte) 9);
                assertArrayEquals(want, got.array());
                assertEquals(2, data.punches.size(), "the punched runs are known to read as zeros");
            }
        }
    }

    @Test
    void readsOfMappedBlocksGoOnWhileFreedBlocksArePunched() throws Exception {
        RecordingPunches data = new RecordingPunches(64L * BLOCK);
        try (ThinPool pool = ThinPool.create(data, new MemoryBlockDevice("meta", 16L << 20),
                PoolOptions.defaults().withCommitInterval(Duration.ZERO))) {
            pool.createThin(1);
            pool.createThin(2);
            ThinVolume v = pool.openVolume(1, 8L * BLOCK);
            ThinVolume w = pool.openVolume(2, 8L * BLOCK);
            w.write(0, ByteBuffer.wrap(filled(BLOCK, 7)));
            v.write(0, ByteBuffer.wrap(filled(4 * BLOCK, 3)));
            pool.commit();
            v.discard(0, 4L * BLOCK);
            data.gate.arm();
            try {
                data.gate.readsGoOnAllocatingWritesWait(threads, v, w, 4096, (byte) 7, w, 3L * BLOCK);
            } finally {
                data.gate.release();
            }
            assertEquals(1, data.punches.size());
            assertArrayEquals(new long[] {BLOCK, 4L * BLOCK}, data.punches.get(0), "v's four blocks, after w's");
            v.close();
            w.close();
        }
    }

    private static byte[] filled(int n, int value) {
        byte[] b = new byte[n];
        Arrays.fill(b, (byte) value);
        return b;
    }
}
