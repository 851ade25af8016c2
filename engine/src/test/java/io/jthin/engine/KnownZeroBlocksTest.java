package io.jthin.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jthin.loopfile.BlockDevice;
import io.jthin.loopfile.ForwardingBlockDevice;
import io.jthin.loopfile.MemoryBlockDevice;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Arrays;
import java.util.BitSet;
import org.junit.jupiter.api.Test;

/**
 * KnownZeroBlocks: what it learns from one question, what it refuses to learn, and — in a pool —
 * that a reused block is still zeroed while fresh ones are not asked about one by one.
 */
class KnownZeroBlocksTest {
    private static final int BLOCK = 65536;

    /** Counts the device's answers about holes and its punches. */
    private static class Counting extends ForwardingBlockDevice {
        int zerosAt;
        int readsAsZeros;
        int punches;

        Counting(BlockDevice d) {
            super(d);
        }

        @Override
        public long zerosAt(long offsetBytes, long limitBytes) {
            zerosAt++;
            return super.zerosAt(offsetBytes, limitBytes);
        }

        @Override
        public boolean readsAsZeros(long offsetBytes, long lengthBytes) {
            readsAsZeros++;
            return super.readsAsZeros(offsetBytes, lengthBytes);
        }

        @Override
        public void punchHole(long offsetBytes, long lengthBytes) {
            punches++;
            super.punchHole(offsetBytes, lengthBytes);
        }
    }

    @Test
    void oneQuestionLearnsTheFreeBlocksOfTheHoleAndNoOthers() {
        Counting dev = new Counting(new MemoryBlockDevice(20L * BLOCK));
        dev.write(12L * BLOCK + 100, ByteBuffer.wrap(new byte[] {1})); // data in block 12
        BitSet used = new BitSet();
        used.set(5); // referenced (a mapped hole): must not be learned
        KnownZeroBlocks known = new KnownZeroBlocks(dev, BLOCK, b -> b < 20 && !used.get((int) b));

        assertEquals(BlockContent.ZEROS, known.claim(2, true));
        assertEquals(1, dev.zerosAt);
        for (long b = 0; b < 20; b++) {
            assertEquals(b > 2 && b < 12 && b != 5, known.contains(b), "block " + b);
        }
        assertEquals(BlockContent.ZEROS, known.claim(3, true), "a member");
        assertFalse(known.contains(3), "claimed: taken out");
        assertEquals(BlockContent.ZEROS, known.claim(4, false), "a member, not asked");
        assertFalse(known.contains(4));
        assertEquals(1, dev.zerosAt, "members need no question");

        assertEquals(BlockContent.MAY_HOLD_DATA, known.claim(12, true), "data in it");
        assertEquals(2, dev.zerosAt);
        for (int i = 0; i < KnownZeroBlocks.SKIP_AFTER_DATA; i++) {
            assertEquals(BlockContent.UNKNOWN, known.claim(13 + i % 5, true), "after data, not asked");
        }
        assertEquals(2, dev.zerosAt);
        assertEquals(BlockContent.ZEROS, known.claim(14, true), "asked again");
        assertEquals(3, dev.zerosAt);
        assertTrue(known.contains(19) && !known.contains(20), "up to the end of the map");

        known.clear();
        assertEquals(0, known.size());
        known.punched(7, 8);
        assertTrue(known.contains(7));
        assertEquals(BlockContent.UNKNOWN, known.claim(8, false), "not asked: unknown");
    }

    @Test
    void oneQuestionLearnsAtMostLearnBlocks() {
        long blocks = 3 * KnownZeroBlocks.LEARN_BLOCKS;
        KnownZeroBlocks known = new KnownZeroBlocks(new MemoryBlockDevice(blocks * BLOCK), BLOCK, b -> b < blocks);
        assertEquals(BlockContent.ZEROS, known.claim(0, true));
        assertEquals(KnownZeroBlocks.LEARN_BLOCKS - 1, known.size());
        assertTrue(known.contains(KnownZeroBlocks.LEARN_BLOCKS - 1) && !known.contains(KnownZeroBlocks.LEARN_BLOCKS));
    }

    @Test
    void aDeviceThatCannotTellIsAskedOnceInAWhileAndNothingIsLearned() {
        Counting dev = new Counting(new MemoryBlockDevice(4L * BLOCK)) {
            @Override
            public long zerosAt(long offsetBytes, long limitBytes) {
                zerosAt++;
                return 0; // a block device: cannot tell
            }
        };
        KnownZeroBlocks known = new KnownZeroBlocks(dev, BLOCK, b -> b < 4);
        assertEquals(BlockContent.MAY_HOLD_DATA, known.claim(0, true));
        for (int i = 0; i < KnownZeroBlocks.SKIP_AFTER_DATA; i++) {
            assertEquals(BlockContent.UNKNOWN, known.claim(1, true));
        }
        assertEquals(BlockContent.MAY_HOLD_DATA, known.claim(2, true));
        assertEquals(2, dev.zerosAt);
        assertEquals(0, known.size());
    }

    @Test
    void inAPoolFreshBlocksAreNotAskedAboutOneByOneAndReusedOnesAreZeroed() {
        Counting data = new Counting(new MemoryBlockDevice("data", 8L * BLOCK));
        PoolOptions opts = PoolOptions.defaults().withCommitInterval(Duration.ZERO).withDiscardPassdown(false);
        try (ThinPool pool = ThinPool.create(data, new MemoryBlockDevice("meta", 16L << 20), opts)) {
            pool.createThin(1);
            try (ThinVolume v = pool.openVolume(1, 8L * BLOCK)) {
                for (int b = 0; b < 4; b++) {
                    v.write((long) b * BLOCK + 4096, ByteBuffer.wrap(filled(4096, 1)));
                }
                assertEquals(1, data.zerosAt, "one question for four fresh blocks");
                assertEquals(0, data.readsAsZeros);
                assertEquals(0, data.punches, "all holes: nothing punched");
                byte[] full = filled(BLOCK, 0x5A);
                for (int b = 4; b < 8; b++) {
                    v.write((long) b * BLOCK, ByteBuffer.wrap(full)); // whole blocks: old data left behind below
                }
                assertEquals(4, v.discard(4L * BLOCK, 4L * BLOCK)); // no passdown: blocks 4..7 keep their bytes
                pool.commit();
            }
            pool.createThin(2);
            try (ThinVolume w = pool.openVolume(2, 8L * BLOCK)) {
                for (int b = 0; b < 4; b++) {
                    w.write((long) b * BLOCK + 100, ByteBuffer.wrap(filled(10, 2))); // reuses the freed blocks
                }
                for (int b = 0; b < 4; b++) {
                    ByteBuffer got = ByteBuffer.allocate(BLOCK);
                    w.read((long) b * BLOCK, got);
                    byte[] want = new byte[BLOCK];
                    Arrays.fill(want, 100, 110, (byte) 2);
                    assertArrayEquals(want, got.array(), "block " + b + " of device 2: the old device's bytes must not show");
                }
                assertEquals(4, data.punches, "each reused block zeroed");
            }
        }
    }

    private static byte[] filled(int n, int value) {
        byte[] b = new byte[n];
        Arrays.fill(b, (byte) value);
        return b;
    }
}
