package io.jthin.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jthin.allocator.OutOfDataSpaceException;
import io.jthin.engine.PoolMode;
import io.jthin.engine.PoolOptions;
import io.jthin.engine.ThinPool;
import io.jthin.engine.ThinVolume;
import io.jthin.loopfile.MemoryBlockDevice;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Issue 4, must-show 5: a full pool fails writes (error_if_no_space) or queues them until it grows. */
class OutOfSpaceTest {
    private static final int BLOCK = 64 * 1024;

    private static ByteBuffer fill(int n, int v) {
        byte[] a = new byte[n];
        Arrays.fill(a, (byte) v);
        return ByteBuffer.wrap(a);
    }

    @Test
    void errorIfNoSpaceFailsTheWriteAndChangesNothingCommitted() {
        MemoryBlockDevice data = new MemoryBlockDevice(8L * BLOCK);
        MemoryBlockDevice meta = new MemoryBlockDevice(4L << 20);
        AtomicInteger lowWater = new AtomicInteger();
        PoolOptions opts = PoolOptions.defaults().withCommitInterval(Duration.ZERO).withErrorIfNoSpace(true)
                .withLowWaterMarkBlocks(2);
        try (ThinPool pool = ThinPool.create(data, meta, opts)) {
            pool.onLowWaterMark(lowWater::incrementAndGet);
            pool.createThin(1);
            ThinVolume v = pool.openVolume(1, 16L * BLOCK);
            v.write(0, fill(8 * BLOCK, 7));
            v.flush();
            assertEquals(8, pool.status().usedDataBlocks());
            OutOfDataSpaceException e = assertThrows(OutOfDataSpaceException.class, () -> v.write(8L * BLOCK, fill(100, 9)));
            assertTrue(e.getMessage().contains("out of data space"), e.getMessage());
            assertEquals(PoolMode.OUT_OF_DATA_SPACE, pool.mode());
            assertTrue(pool.status().toString().contains(" out_of_data_space "), pool.status().toString());
            ByteBuffer back = ByteBuffer.allocate(8 * BLOCK);
            v.read(0, back);
            assertArrayEquals(fill(8 * BLOCK, 7).array(), back.array(), "committed data unchanged");
            v.write(BLOCK, fill(BLOCK, 3)); // overwriting a mapped, unshared block needs no space
            pool.resizeData(12L * BLOCK);
            assertEquals(PoolMode.WRITE, pool.mode(), "growing the pool leaves out_of_data_space");
            v.write(8L * BLOCK, fill(100, 9));
            v.close();
        }
        awaitUntil(() -> lowWater.get() == 1, "the low-water mark fires once per crossing");
    }

    @Test
    void queueModeWaitsForResizeThenCompletes() throws Exception {
        MemoryBlockDevice data = new MemoryBlockDevice(4L * BLOCK);
        MemoryBlockDevice meta = new MemoryBlockDevice(4L << 20);
        PoolOptions opts = PoolOptions.defaults().withCommitInterval(Duration.ZERO)
                .withNoSpaceTimeout(Duration.ofSeconds(30));
        try (ThinPool pool = ThinPool.create(data, meta, opts)) {
            pool.createThin(1);
            ThinVolume v = pool.openVolume(1, 16L * BLOCK);
            v.write(0, fill(4 * BLOCK, 1));
            CompletableFuture<Void> queued = CompletableFuture.runAsync(() -> v.write(4L * BLOCK, fill(2 * BLOCK, 2)));
            awaitUntil(() -> pool.mode() == PoolMode.OUT_OF_DATA_SPACE, "the writer queues on a full pool");
            assertFalse(queued.isDone(), "the queued write waits for space");
            pool.resizeData(8L * BLOCK);
            queued.get(20, TimeUnit.SECONDS);
            ByteBuffer back = ByteBuffer.allocate(6 * BLOCK);
            v.read(0, back);
            byte[] expected = new byte[6 * BLOCK];
            Arrays.fill(expected, 0, 4 * BLOCK, (byte) 1);
            Arrays.fill(expected, 4 * BLOCK, 6 * BLOCK, (byte) 2);
            assertArrayEquals(expected, back.array(), "the queued write completed after the resize");
            assertEquals(PoolMode.WRITE, pool.mode());
            v.close();
        }
    }

    @Test
    void aWriterWaitingForSpaceDoesNotHoldUpTheDiscardThatFreesIt() throws Exception {
        MemoryBlockDevice data = new MemoryBlockDevice(8L * BLOCK);
        PoolOptions opts = PoolOptions.defaults().withCommitInterval(Duration.ZERO)
                .withNoSpaceTimeout(Duration.ofSeconds(60));
        // own threads: the common pool may have a single worker here, and both tasks block
        java.util.concurrent.ExecutorService threads = java.util.concurrent.Executors.newCachedThreadPool();
        try (ThinPool pool = ThinPool.create(data, new MemoryBlockDevice(4L << 20), opts)) {
            pool.createThin(1);
            pool.createThin(2);
            long big = 8192L * BLOCK; // a discard this large takes every block-lock stripe
            ThinVolume one = pool.openVolume(1, big);
            ThinVolume two = pool.openVolume(2, 16L * BLOCK);
            one.write(0, fill(8 * BLOCK, 1));
            one.flush();
            CompletableFuture<Void> queued = CompletableFuture.runAsync(() -> two.write(0, fill(BLOCK, 2)), threads);
            awaitUntil(() -> pool.mode() == PoolMode.OUT_OF_DATA_SPACE, "the writer queues on a full pool");
            CompletableFuture<Long> discard = CompletableFuture.supplyAsync(() -> one.discard(0, big), threads);
            assertEquals(8L, discard.get(10, TimeUnit.SECONDS),
                    "the discard ran while the other writer waited for space (it holds no block lock meanwhile)");
            one.flush(); // commits the discard: its blocks are free, the waiting writer is woken
            queued.get(10, TimeUnit.SECONDS);
            ByteBuffer back = ByteBuffer.allocate(BLOCK);
            two.read(0, back);
            assertArrayEquals(fill(BLOCK, 2).array(), back.array());
            assertEquals(PoolMode.WRITE, pool.mode());
            one.close();
            two.close();
        } finally {
            threads.shutdownNow();
        }
    }

    @Test
    void queueModeFailsAfterTheTimeout() {
        MemoryBlockDevice data = new MemoryBlockDevice(2L * BLOCK);
        PoolOptions opts = PoolOptions.defaults().withCommitInterval(Duration.ZERO)
                .withNoSpaceTimeout(Duration.ofMillis(300));
        try (ThinPool pool = ThinPool.create(data, new MemoryBlockDevice(4L << 20), opts)) {
            pool.createThin(1);
            ThinVolume v = pool.openVolume(1, 16L * BLOCK);
            v.write(0, fill(2 * BLOCK, 1));
            assertThrows(OutOfDataSpaceException.class, () -> v.write(2L * BLOCK, fill(10, 1)));
            v.close();
        }
    }

    static void awaitUntil(java.util.function.BooleanSupplier cond, String what) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!cond.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting: " + what);
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }
}
