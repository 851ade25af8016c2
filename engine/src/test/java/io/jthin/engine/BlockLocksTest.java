package io.jthin.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.Lock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Discard's side of the block locks: it waits for a reader of any block in its range, and only those. */
class BlockLocksTest {
    private final ExecutorService threads = Executors.newCachedThreadPool();

    @AfterEach
    void stop() {
        threads.shutdownNow();
    }

    private CompletableFuture<Long> discardInAnotherThread(BlockLocks locks, long devId, long first, long end) {
        return CompletableFuture.supplyAsync(() -> locks.exclusively(devId, first, end, () -> end - first), threads);
    }

    @Test
    void aRangeWaitsForAReaderOfAnyOfItsBlocks() throws Exception {
        BlockLocks locks = new BlockLocks();
        for (long reading : new long[] {10, 13, 19}) {
            Lock r = locks.of(7, reading).readLock();
            r.lock();
            CompletableFuture<Long> discard = discardInAnotherThread(locks, 7, 10, 20);
            try {
                assertThrows(TimeoutException.class, () -> discard.get(150, TimeUnit.MILLISECONDS),
                        "block " + reading + " is being read: the discard of [10, 20) waits");
            } finally {
                r.unlock();
            }
            assertEquals(10L, discard.get(10, TimeUnit.SECONDS));
        }
    }

    @Test
    void aRangeAsLargeAsTheStripesTakesEveryStripe() throws Exception {
        BlockLocks locks = new BlockLocks();
        Lock r = locks.of(3, 123_456_789L).readLock(); // far outside the range, but every stripe is taken
        r.lock();
        CompletableFuture<Long> discard = discardInAnotherThread(locks, 9, 0, 1L << 20);
        try {
            assertThrows(TimeoutException.class, () -> discard.get(150, TimeUnit.MILLISECONDS));
        } finally {
            r.unlock();
        }
        assertEquals(1L << 20, discard.get(10, TimeUnit.SECONDS));
    }

    @Test
    void locksAreReleasedWhenTheOperationFails() throws Exception {
        BlockLocks locks = new BlockLocks();
        assertThrows(IllegalStateException.class, () -> locks.exclusively(1, 0, 100, () -> {
            throw new IllegalStateException("metadata change failed");
        }));
        for (long b = 0; b < 100; b++) {
            Lock w = locks.of(1, b).writeLock();
            if (!w.tryLock()) {
                throw new AssertionError("block " + b + " is still locked after the failed discard");
            }
            w.unlock();
        }
        assertEquals(5L, discardInAnotherThread(locks, 1, 0, 5).get(10, TimeUnit.SECONDS));
    }
}
