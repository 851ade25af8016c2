package io.jthin.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.jthin.loopfile.MemoryBlockDevice;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A write queued for data space (queue_if_no_space) holds no lock that a discard or a snapshot of
 * its own volume needs: fstrim on the full volume is how space is usually won back, and it must not
 * wait out the writer's no-space timeout (60 s here, as by default).
 */
class QueuedWriterTest {
    private static final int BLOCK = 64 * 1024;
    private static final int POOL_BLOCKS = 8;

    private final ExecutorService threads = Executors.newCachedThreadPool();

    @AfterEach
    void stopThreads() {
        threads.shutdownNow();
    }

    @Test
    void aDiscardOfTheVolumeItWritesToFreesSpaceForTheQueuedWriter() throws Exception {
        try (ThinPool pool = fullPool(); ThinVolume v = pool.openVolume(1, 16L * BLOCK)) {
            v.write((POOL_BLOCKS - 1) * (long) BLOCK, ByteBuffer.wrap(content(POOL_BLOCKS - 1))); // the last free block
            Future<?> writer = threads.submit(() -> v.write(POOL_BLOCKS * (long) BLOCK, ByteBuffer.wrap(content(POOL_BLOCKS))));
            awaitQueued(pool, writer);
            Future<Long> discard = threads.submit(() -> v.discard(0, 2L * BLOCK));
            assertEquals(2, discard.get(10, TimeUnit.SECONDS), "the discard ran while the writer was queued");
            assertFalse(writer.isDone(), "the queued writer goes on at the commit that frees the discarded blocks");
            pool.commit();
            writer.get(10, TimeUnit.SECONDS);
            assertBlock(v, POOL_BLOCKS, content(POOL_BLOCKS));
            assertBlock(v, 0, new byte[BLOCK]);
            assertBlock(v, 2, content(2));
        }
    }

    @Test
    void aSnapshotOfTheVolumeDoesNotWaitForTheQueuedWriter() throws Exception {
        try (ThinPool pool = fullPool(); ThinVolume v = pool.openVolume(1, 16L * BLOCK)) {
            // two blocks in one write: the first lands in the last free block, the second waits
            Future<?> writer = threads.submit(() -> v.write((POOL_BLOCKS - 1) * (long) BLOCK,
                    ByteBuffer.wrap(concat(content(100), content(101)))));
            awaitQueued(pool, writer);
            threads.submit(() -> pool.createSnap(2, 1)).get(10, TimeUnit.SECONDS);
            pool.resizeData(2L * POOL_BLOCKS * BLOCK);
            writer.get(10, TimeUnit.SECONDS);
            assertBlock(v, POOL_BLOCKS - 1, content(100));
            assertBlock(v, POOL_BLOCKS, content(101));
            try (ThinVolume snap = pool.openVolume(2, 16L * BLOCK)) {
                assertBlock(snap, POOL_BLOCKS - 1, content(100)); // written before the snapshot
                assertBlock(snap, POOL_BLOCKS, new byte[BLOCK]); // written after it
            }
        }
    }

    /** A pool of 8 data blocks, device 1 mapping blocks 0..6 (one block left), committed. */
    private static ThinPool fullPool() {
        PoolOptions opts = PoolOptions.defaults().withCommitInterval(Duration.ZERO).withNoSpaceTimeout(Duration.ofSeconds(60));
        ThinPool pool = ThinPool.create(new MemoryBlockDevice("data", (long) POOL_BLOCKS * BLOCK),
                new MemoryBlockDevice("metadata", 4L << 20), opts);
        pool.createThin(1);
        try (ThinVolume v = pool.openVolume(1, 16L * BLOCK)) {
            for (int b = 0; b < POOL_BLOCKS - 1; b++) {
                v.write((long) b * BLOCK, ByteBuffer.wrap(content(b)));
            }
        }
        pool.commit();
        return pool;
    }

    private static void awaitQueued(ThinPool pool, Future<?> writer) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (pool.mode() != PoolMode.OUT_OF_DATA_SPACE && System.nanoTime() < deadline && !writer.isDone()) {
            Thread.sleep(5);
        }
        assertEquals(PoolMode.OUT_OF_DATA_SPACE, pool.mode(), "the writer ran out of space");
        Thread.sleep(50); // let it reach its wait
        assertFalse(writer.isDone(), "the writer is queued, not failed");
    }

    private static byte[] content(int seed) {
        byte[] b = new byte[BLOCK];
        Arrays.fill(b, (byte) (seed * 7 + 1));
        b[0] = (byte) seed;
        return b;
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] c = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }

    private static void assertBlock(ThinVolume v, int block, byte[] expected) {
        byte[] back = new byte[BLOCK];
        v.read((long) block * BLOCK, ByteBuffer.wrap(back));
        assertArrayEquals(expected, back, "block " + block);
    }
}
