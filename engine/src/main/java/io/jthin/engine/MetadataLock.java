package io.jthin.engine;

import io.jthin.loopfile.StripedReadWriteLock;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * The pool's metadata lock: every metadata change exclusive, reads shared — with a separate, cheap
 * shared side for the I/O path's mapping lookups.
 *
 * <p>Two locks make one:
 * <ul>
 *   <li>{@code rw}, a ReentrantReadWriteLock: writers (reentrant, with the out-of-space condition)
 *       and the occasional reader (status, walks, ref counts).
 *   <li>{@code lookups}, a {@link StripedReadWriteLock}: the outermost writer also takes its
 *       exclusive side, and every I/O lookup takes only its shared side — one CAS in, one out, on a
 *       stripe of the calling thread. A ReentrantReadWriteLock reader instead records a hold count
 *       in a ThreadLocal that it creates and removes on every acquisition and writes the shared
 *       {@code cachedHoldCounter}: 16 readers on 2 cores spent more on that than on the lookup
 *       (ReadBenchmark.mapped on a null device: 1.3 M ops/s at 16 threads against 3.4 M at one);
 *       a single StampedLock still made every lookup write one word that all I/O threads share.
 * </ul>
 *
 * <p>Deadlock freedom: the gate's write side is only taken by a thread that holds {@code rw}'s
 * write side, first; a lookup holds the gate's read side only around one B-tree descent and takes
 * nothing else meanwhile. A writer waiting for space releases the gate before it waits, so lookups
 * go on while it sleeps.
 */
final class MetadataLock {
    private final ReentrantReadWriteLock rw = new ReentrantReadWriteLock();
    private final Condition spaceAdded = rw.writeLock().newCondition();
    private final StripedReadWriteLock lookups = new StripedReadWriteLock();

    void lockWrite() {
        rw.writeLock().lock();
        if (rw.getWriteHoldCount() == 1) {
            lookups.lockExclusive();
        }
    }

    void unlockWrite() {
        if (rw.getWriteHoldCount() == 1) {
            lookups.unlockExclusive();
        }
        rw.writeLock().unlock();
    }

    void lockRead() {
        rw.readLock().lock();
    }

    void unlockRead() {
        rw.readLock().unlock();
    }

    /** The shared side for one mapping lookup of the I/O path; the same thread calls {@link #unlockLookup}. */
    void lockLookup() {
        lookups.lockShared();
    }

    void unlockLookup() {
        lookups.unlockShared();
    }

    /**
     * Runs {@code io} — I/O that changes no metadata, such as the data device's sync before a
     * commit — with lookups let in while the write side stays held: the I/O path's reads of mapped
     * blocks then go on during a commit's data sync, which with much dirty data takes seconds. The
     * caller holds the write side; when it holds it more than once (the gate belongs to the
     * outermost hold), {@code io} runs with lookups shut, as before.
     */
    void withLookupsOpen(Runnable io) {
        int holds = rw.getWriteHoldCount();
        if (holds == 0) {
            throw new IllegalStateException("opening the lookup gate needs the metadata write lock held");
        }
        if (holds > 1) {
            io.run();
            return;
        }
        lookups.unlockExclusive();
        try {
            io.run();
        } finally {
            lookups.lockExclusive(); // rw's write side is held throughout: no other writer got in
        }
    }

    /**
     * Waits up to {@code nanos} for {@link #signalSpaceAdded}, releasing the lock meanwhile; the caller
     * holds the write side exactly once. Returns the time left, as {@link Condition#awaitNanos}.
     */
    long awaitSpaceAdded(long nanos) throws InterruptedException {
        if (rw.getWriteHoldCount() != 1) {
            throw new IllegalStateException("waiting for space needs the metadata write lock held exactly once");
        }
        lookups.unlockExclusive();
        try {
            return spaceAdded.awaitNanos(nanos);
        } finally {
            lookups.lockExclusive(); // rw's write side is held again here
        }
    }

    /** Wakes every writer waiting for space; the caller holds the write side. */
    void signalSpaceAdded() {
        spaceAdded.signalAll();
    }
}
