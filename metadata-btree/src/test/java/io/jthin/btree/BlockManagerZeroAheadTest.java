package io.jthin.btree;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jthin.loopfile.SparseFile;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A flush whose run ends in a hole of a sparse metadata file writes zeros over the rest of that hole
 * (up to {@link BlockManager#ZERO_AHEAD_BYTES}), and only there: data after the hole is untouched.
 */
class BlockManagerZeroAheadTest {
    private static final int SIZE = MetadataBlock.SIZE;
    private static final int AHEAD = BlockManager.ZERO_AHEAD_BYTES / SIZE;

    @Test
    void zerosFillTheHoleAfterARunAndStopAtData(@TempDir Path dir) {
        try (SparseFile dev = SparseFile.create(dir.resolve("metadata"), 2048L * SIZE);
                BlockManager bm = new BlockManager(dev)) {
            byte[] live = new byte[SIZE];
            Arrays.fill(live, (byte) 0x5A);
            dev.write(100L * SIZE, ByteBuffer.wrap(live)); // a block in use, after the hole

            bm.newZeroed(10, BlockType.BTREE_NODE).putLong(64, 1);
            bm.flush();
            assertEquals(0, dev.zerosAt(11L * SIZE, SIZE), "the hole after the run is written now");
            assertEquals(0, dev.zerosAt(99L * SIZE, SIZE), "up to the data");
            ByteBuffer zeros = ByteBuffer.allocate(89 * SIZE);
            dev.read(11L * SIZE, zeros);
            assertArrayEquals(new byte[89 * SIZE], zeros.array(), "with zeros");
            ByteBuffer after = ByteBuffer.allocate(SIZE);
            dev.read(100L * SIZE, after);
            assertArrayEquals(live, after.array(), "the block in use is untouched");
            assertTrue(dev.zerosAt(101L * SIZE, SIZE) > 0, "the hole beyond it is not this run's");

            long allocated = dev.allocatedBytes();
            bm.newZeroed(11, BlockType.BTREE_NODE).putLong(64, 2);
            bm.flush();
            assertEquals(allocated, dev.allocatedBytes(), "the next commit overwrites written blocks");
            assertEquals(1, bm.read(10, BlockType.BTREE_NODE).getLong(64));
            assertEquals(2, bm.read(11, BlockType.BTREE_NODE).getLong(64));

            bm.newZeroed(500, BlockType.BTREE_NODE).putLong(64, 3);
            bm.flush();
            assertEquals(0, dev.zerosAt((500L + AHEAD) * SIZE, SIZE), "at most ZERO_AHEAD_BYTES ahead...");
            assertEquals(SIZE, dev.zerosAt((501L + AHEAD) * SIZE, SIZE), "...and no further");
            assertEquals(3, bm.read(500, BlockType.BTREE_NODE).getLong(64));
        }
    }
}
