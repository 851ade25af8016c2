package io.jthin.engine;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The metadata lock: writers exclude lookups (also when nested), a writer waiting for space lets them run. */
class MetadataLockTest {
    /** Own threads: the common pool may have one worker on a small machine, and these tasks block. */
    private final ExecutorService threads = Executors.newCachedThreadPool();

    @AfterEach
    void stopThreads() {
        threads.shutdownNow();
    }

    private CompletableFuture<Void> lookupInAnotherThread(MetadataLock lock) {
        return CompletableFuture.runAsync(() -> {
            lock.lockLookup();
            lock.unlockLookup();
        }, threads);
    }

    @Test
    void aNestedWriterExcludesLookupsUntilItsOutermostUnlock() throws Exception {
        MetadataLock lock = new MetadataLock();
        lock.lockWrite();
        lock.lockWrite(); // reentrant, as the pool's commit inside allocate needs
        CompletableFuture<Void> lookup = lookupInAnotherThread(lock);
        lock.unlockWrite();
        assertThrows(TimeoutException.class, () -> lookup.get(200, TimeUnit.MILLISECONDS),
                "still held once: the lookup waits");
        lock.unlockWrite();
        lookup.get(10, TimeUnit.SECONDS);
    }

    @Test
    void lookupsShareAndDoNotBlockEachOther() throws Exception {
        MetadataLock lock = new MetadataLock();
        lock.lockLookup();
        lookupInAnotherThread(lock).get(10, TimeUnit.SECONDS);
        lock.unlockLookup();
    }

    @Test
    void aWriterWaitingForSpaceLetsLookupsAndOtherWritersIn() throws Exception {
        MetadataLock lock = new MetadataLock();
        CountDownLatch waiting = new CountDownLatch(1);
        CompletableFuture<Long> waiter = CompletableFuture.supplyAsync(() -> {
            lock.lockWrite();
            try {
                waiting.countDown();
                return lock.awaitSpaceAdded(TimeUnit.SECONDS.toNanos(30));
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            } finally {
                lock.unlockWrite();
            }
        }, threads);
        assertTrue(waiting.await(10, TimeUnit.SECONDS));
        lookupInAnotherThread(lock).get(10, TimeUnit.SECONDS); // the gate was released for the wait
        lock.lockWrite(); // as resizeData does
        try {
            lock.signalSpaceAdded();
        } finally {
            lock.unlockWrite();
        }
        assertTrue(waiter.get(10, TimeUnit.SECONDS) > 0, "woken by the signal, not by the timeout");
        lookupInAnotherThread(lock).get(10, TimeUnit.SECONDS); // the waiter released everything on its way out
    }

    @Test
    void waitingForSpaceRefusesANestedHold() throws Exception {
        MetadataLock lock = new MetadataLock();
        lock.lockWrite();
        lock.lockWrite();
        try {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> lock.awaitSpaceAdded(1));
            assertTrue(e.getMessage().contains("exactly once"), e.getMessage());
        } finally {
            lock.unlockWrite();
            lock.unlockWrite();
        }
        lookupInAnotherThread(lock).get(10, TimeUnit.SECONDS); // the refusal left the lock as it was: free now
    }
}
