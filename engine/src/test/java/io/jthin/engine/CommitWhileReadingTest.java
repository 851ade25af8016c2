package io.jthin.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jthin.loopfile.ForwardingBlockDevice;
import io.jthin.loopfile.MemoryBlockDevice;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A commit's data sync does not stall reads of mapped blocks (the lookup gate is open during it),
 * while allocating writes and other metadata changes still wait for the whole commit.
 */
class CommitWhileReadingTest {
    private static final int BLOCK = 64 * 1024;
    private final ExecutorService threads = Executors.newCachedThreadPool();

    @AfterEach
    void stop() {
        threads.shutdownNow();
    }

    /** A data device whose sync, once armed, waits until released (and says when it has started). */
    private static final class GatedSync extends ForwardingBlockDevice {
        volatile boolean armed;
        final CountDownLatch entered = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);

        GatedSync() {
            super(new MemoryBlockDevice("data", 16L << 20));
        }

        @Override
        public void sync() {
            if (armed) {
                entered.countDown();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException(e);
                }
            }
            super.sync();
        }
    }

    @Test
    void readsOfMappedBlocksGoOnDuringACommitsDataSync() throws Exception {
        GatedSync data = new GatedSync();
        try (ThinPool pool = ThinPool.create(data, new MemoryBlockDevice("meta", 16L << 20),
                PoolOptions.defaults().withCommitInterval(Duration.ZERO))) {
            pool.createThin(1);
            ThinVolume v = pool.openVolume(1, 8L * BLOCK);
            ByteBuffer sevens = ByteBuffer.allocate(BLOCK);
            while (sevens.hasRemaining()) {
                sevens.put((byte) 7);
            }
            v.write(0, sevens.flip());
            data.armed = true;
            try {
                readWhileSyncing(pool, v, data);
            } finally {
                data.release.countDown(); // on failure too: the commit must not hang the pool's close
            }
        }
    }

    private void readWhileSyncing(ThinPool pool, ThinVolume v, GatedSync data) throws Exception {
        CompletableFuture<Void> flush = CompletableFuture.runAsync(v::flush, threads); // dirty: a full commit
        assertTrue(data.entered.await(10, TimeUnit.SECONDS), "the commit reached its data sync");

        CompletableFuture<Byte> read = CompletableFuture.supplyAsync(() -> {
            ByteBuffer b = ByteBuffer.allocate(4096);
            v.read(4096, b);
            return b.get(0);
        }, threads);
        assertEquals((byte) 7, read.get(10, TimeUnit.SECONDS), "the read ran while the sync was in progress");

        CompletableFuture<Void> allocatingWrite = CompletableFuture.runAsync(
                () -> v.write(3L * BLOCK, ByteBuffer.allocate(4096)), threads);
        assertThrows(TimeoutException.class, () -> allocatingWrite.get(200, TimeUnit.MILLISECONDS),
                "a write that needs a new mapping waits for the commit");
        assertFalse(flush.isDone());

        data.release.countDown();
        flush.get(10, TimeUnit.SECONDS);
        allocatingWrite.get(10, TimeUnit.SECONDS);
        assertEquals(2, pool.thinStatus(1).mappedSectors() / (BLOCK / 512));
    }
}
