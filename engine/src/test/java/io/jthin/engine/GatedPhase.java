package io.jthin.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A phase of a commit (a data sync, a punch) that a test device holds open: once {@link #arm armed},
 * the first thread to {@link #pass} says so and waits until released. {@link #readsGoOnAllocatingWritesWait}
 * checks what may run while the commit is held there.
 */
final class GatedPhase {
    private volatile boolean armed;
    private final CountDownLatch entered = new CountDownLatch(1);
    private final CountDownLatch release = new CountDownLatch(1);

    void arm() {
        armed = true;
    }

    /** Called by the device in the gated operation: waits there once armed, until released. */
    void pass() {
        if (!armed) {
            return;
        }
        entered.countDown();
        try {
            release.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Lets the held phase finish (call it on failure too: the commit must not hang the pool's close). */
    void release() {
        release.countDown();
    }

    /**
     * Flushes {@code flushed} (a commit that reaches this phase); while it is held here, a 4 KiB
     * read of {@code reader} at {@code readAt} must return {@code expected} and a first write of
     * {@code writer} at {@code writeAt} must wait; then releases the phase and waits for both.
     */
    void readsGoOnAllocatingWritesWait(ExecutorService threads, ThinVolume flushed, ThinVolume reader, long readAt,
            byte expected, ThinVolume writer, long writeAt) throws Exception {
        CompletableFuture<Void> flush = CompletableFuture.runAsync(flushed::flush, threads);
        assertTrue(entered.await(10, TimeUnit.SECONDS), "the commit reached the gated phase");

        CompletableFuture<Byte> read = CompletableFuture.supplyAsync(() -> {
            ByteBuffer b = ByteBuffer.allocate(4096);
            reader.read(readAt, b);
            return b.get(0);
        }, threads);
        assertEquals(expected, read.get(10, TimeUnit.SECONDS), "the read ran while the commit was held");

        CompletableFuture<Void> allocatingWrite = CompletableFuture.runAsync(
                () -> writer.write(writeAt, ByteBuffer.allocate(4096)), threads);
        assertThrows(TimeoutException.class, () -> allocatingWrite.get(200, TimeUnit.MILLISECONDS),
                "a write that needs a new block waits for the whole commit");
        assertFalse(flush.isDone());

        release();
        flush.get(10, TimeUnit.SECONDS);
        allocatingWrite.get(10, TimeUnit.SECONDS);
    }
}
