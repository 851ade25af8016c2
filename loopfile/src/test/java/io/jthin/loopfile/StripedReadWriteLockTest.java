package io.jthin.loopfile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The striped lock: shared holders in every stripe exclude the exclusive side, and the other way round. */
class StripedReadWriteLockTest {
    private final ExecutorService threads = Executors.newCachedThreadPool();

    @AfterEach
    void stop() {
        threads.shutdownNow();
    }

    @Test
    void stripeCountIsAPowerOfTwoAtLeastTheMinimum() {
        assertEquals(1, new StripedReadWriteLock(1).stripes());
        assertEquals(8, new StripedReadWriteLock(5).stripes());
        assertEquals(8, new StripedReadWriteLock(8).stripes());
        int dflt = new StripedReadWriteLock().stripes();
        assertTrue(dflt >= 8 && dflt <= 64 && Integer.bitCount(dflt) == 1, "default stripes " + dflt);
        assertThrows(IllegalArgumentException.class, () -> new StripedReadWriteLock(0));
    }

    @Test
    void theExclusiveSideWaitsForSharedHoldersOfEveryStripe() throws Exception {
        StripedReadWriteLock lock = new StripedReadWriteLock(8);
        // many threads: their ids land in many stripes, so every stripe's shared side is exercised
        int holders = 32;
        java.util.concurrent.CountDownLatch in = new java.util.concurrent.CountDownLatch(holders);
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        List<CompletableFuture<Void>> shared = new ArrayList<>();
        for (int i = 0; i < holders; i++) {
            shared.add(CompletableFuture.runAsync(() -> {
                lock.lockShared();
                try {
                    in.countDown();
                    release.await();
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                } finally {
                    lock.unlockShared();
                }
            }, threads));
        }
        assertTrue(in.await(10, TimeUnit.SECONDS), "shared holders do not exclude each other");
        CompletableFuture<Void> exclusive = CompletableFuture.runAsync(() -> {
            lock.lockExclusive();
            lock.unlockExclusive();
        }, threads);
        assertThrows(TimeoutException.class, () -> exclusive.get(200, TimeUnit.MILLISECONDS));
        release.countDown();
        for (CompletableFuture<Void> f : shared) {
            f.get(10, TimeUnit.SECONDS);
        }
        exclusive.get(10, TimeUnit.SECONDS);
    }

    @Test
    void sharedHoldersWaitWhileTheExclusiveSideIsHeld() throws Exception {
        StripedReadWriteLock lock = new StripedReadWriteLock(8);
        lock.lockExclusive();
        assertTrue(lock.isExclusivelyLocked());
        AtomicInteger entered = new AtomicInteger();
        List<CompletableFuture<Void>> readers = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            readers.add(CompletableFuture.runAsync(() -> {
                lock.lockShared();
                entered.incrementAndGet();
                lock.unlockShared();
            }, threads));
        }
        Thread.sleep(200);
        assertEquals(0, entered.get(), "no reader gets in while the exclusive side is held");
        lock.unlockExclusive();
        assertFalse(lock.isExclusivelyLocked());
        for (CompletableFuture<Void> f : readers) {
            f.get(10, TimeUnit.SECONDS);
        }
        assertEquals(16, entered.get());
    }

    @Test
    void mutualExclusionHoldsUnderContention() throws Exception {
        StripedReadWriteLock lock = new StripedReadWriteLock(4);
        int[] counter = {0}; // written only under the exclusive side
        AtomicInteger torn = new AtomicInteger();
        List<CompletableFuture<Void>> work = new ArrayList<>();
        for (int t = 0; t < 8; t++) {
            boolean writer = t % 4 == 0;
            work.add(CompletableFuture.runAsync(() -> {
                for (int i = 0; i < 20_000; i++) {
                    if (writer) {
                        lock.lockExclusive();
                        try {
                            counter[0]++;
                            counter[0]++; // readers must never see an odd value
                        } finally {
                            lock.unlockExclusive();
                        }
                    } else {
                        lock.lockShared();
                        try {
                            if ((counter[0] & 1) != 0) {
                                torn.incrementAndGet();
                            }
                        } finally {
                            lock.unlockShared();
                        }
                    }
                }
            }, threads));
        }
        for (CompletableFuture<Void> f : work) {
            f.get(60, TimeUnit.SECONDS);
        }
        assertEquals(0, torn.get());
        assertEquals(2 * 2 * 20_000, counter[0]);
    }

    @Test
    void unlockingWhatIsNotHeldIsAnError() {
        StripedReadWriteLock lock = new StripedReadWriteLock(8);
        assertThrows(IllegalMonitorStateException.class, lock::unlockShared);
        assertThrows(IllegalMonitorStateException.class, lock::unlockExclusive);
    }
}
