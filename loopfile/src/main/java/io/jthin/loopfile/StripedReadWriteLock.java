package io.jthin.loopfile;

import java.util.concurrent.locks.StampedLock;

/**
 * A read-write lock whose shared side scales with the number of threads: the idea of the kernel's
 * {@code percpu_rw_semaphore}, for a path that every I/O request takes shared and that a rare
 * operation (close, resize, a metadata change) takes exclusive.
 *
 * <p>The lock is a set of stripes, each a {@link StampedLock} padded to its own cache lines. A
 * shared acquisition takes the read side of one stripe, chosen by the calling thread; an exclusive
 * acquisition takes the write side of every stripe, in index order. A single lock word would instead
 * be written twice by every request of every thread: with the I/O threads spread over the CPUs, that
 * line moves between their caches on every request (16 readers on 2 CPUs: three such words on the
 * volume read path were the gap between 2 and 16 threads, see the commit that introduced this class).
 *
 * <p>Rules: not reentrant on either side; a shared hold is released by the thread that took it (the
 * stripe is the thread's); the exclusive side costs one CAS per stripe. Lives in the lowest module
 * because {@link SparseFile} is its first user; the engine's metadata gate is the other.
 */
public final class StripedReadWriteLock {
    private final Stripe[] stripes;
    private final int shift;
    /** The write stamps while the exclusive side is held; guarded by holding stripe 0's write side. */
    private final long[] stamps;

    /** Stripes: four per available CPU, at least 8, at most 64 (a power of two). */
    public StripedReadWriteLock() {
        this(Math.clamp(4L * Runtime.getRuntime().availableProcessors(), 8, 64));
    }

    public StripedReadWriteLock(int minStripes) {
        if (minStripes < 1) {
            throw new IllegalArgumentException("a striped lock needs at least one stripe, not " + minStripes);
        }
        int n = Integer.highestOneBit(minStripes - 1) << 1; // next power of two ≥ minStripes
        n = Math.max(n, 1);
        stripes = new Stripe[n];
        for (int i = 0; i < n; i++) {
            stripes[i] = new Stripe();
        }
        shift = 64 - Integer.numberOfTrailingZeros(n);
        stamps = new long[n];
    }

    public int stripes() {
        return stripes.length;
    }

    /** The stripe of the calling thread: Fibonacci hashing spreads consecutive thread ids. */
    private int stripeOfCurrentThread() {
        return shift == 64 ? 0 : (int) ((Thread.currentThread().threadId() * 0x9E3779B97F4A7C15L) >>> shift);
    }

    /** Takes the shared side (blocks while the exclusive side is held or wanted). */
    public void lockShared() {
        stripes[stripeOfCurrentThread()].readLock();
    }

    /** Releases a shared hold of the calling thread. */
    public void unlockShared() {
        if (!stripes[stripeOfCurrentThread()].tryUnlockRead()) {
            throw new IllegalMonitorStateException("the calling thread holds no shared side of this lock");
        }
    }

    /** Takes the exclusive side: waits for every shared holder to leave. */
    public void lockExclusive() {
        for (int i = 0; i < stripes.length; i++) {
            long stamp = stripes[i].writeLock();
            stamps[i] = stamp; // stamps[0] is written once stripe 0 is ours: the array is guarded by it
        }
    }

    /** Releases the exclusive side, taken by {@link #lockExclusive}. */
    public void unlockExclusive() {
        if (!stripes[0].isWriteLocked()) {
            throw new IllegalMonitorStateException("the exclusive side of this lock is not held");
        }
        for (int i = stripes.length - 1; i >= 0; i--) {
            stripes[i].unlockWrite(stamps[i]);
        }
    }

    /** Whether the exclusive side is held (by any thread). */
    public boolean isExclusivelyLocked() {
        return stripes[0].isWriteLocked();
    }

    /**
     * One stripe: the padding fields follow StampedLock's own, so that the next stripe's lock word
     * (allocated right after, and kept in order by the collector's copying) is two cache lines away.
     */
    @SuppressWarnings("unused")
    private static final class Stripe extends StampedLock {
        private long p0, p1, p2, p3, p4, p5, p6, p7, p8, p9, p10, p11, p12, p13, p14, p15;
    }
}
