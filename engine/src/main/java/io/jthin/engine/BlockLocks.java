package io.jthin.engine;

import java.util.BitSet;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.StampedLock;
import java.util.function.LongSupplier;

/**
 * Striped per-block locks of the pool: (device id, virtual block) hashes to one of a fixed set of
 * read-write locks. A writer of a block holds it exclusively from its mapping lookup until its new
 * mapping is inserted, so two writers of one block never both allocate or both copy; readers hold
 * it shared so that the block they read cannot be unmapped and reused under them.
 *
 * <p>Lock order: volume lock → one block lock → metadata lock. The one holder of several block
 * locks is {@link #exclusively} (discard), which takes them in stripe order, so it cannot deadlock
 * with another such holder, and every other thread holds at most one.
 *
 * <p>The stripes are {@link StampedLock}s seen as read-write locks: not reentrant (a thread holds
 * at most one block lock and never takes it twice), and — unlike ReentrantReadWriteLock, which keeps
 * each concurrent reader's hold count in a ThreadLocal that it sets and removes on every
 * acquisition — a shared acquisition is one CAS. That ThreadLocal traffic was a quarter of the CPU
 * of 16 concurrent 4 KiB readers.
 */
final class BlockLocks {
    private static final int STRIPES = 4096;
    private final StampedLock[] locks = new StampedLock[STRIPES];

    BlockLocks() {
        for (int i = 0; i < STRIPES; i++) {
            locks[i] = new StampedLock();
        }
    }

    ReadWriteLock of(long devId, long virtualBlock) {
        return locks[stripeOf(devId, virtualBlock)].asReadWriteLock(); // (a view the lock keeps)
    }

    /**
     * The same stripe as a {@link StampedLock}, for an optimistic read: {@code tryOptimisticRead}
     * writes nothing, and {@code validate} fails if any writer of the stripe (a writer, copy or
     * discard of one of its blocks) took it since.
     */
    StampedLock stampedOf(long devId, long virtualBlock) {
        return locks[stripeOf(devId, virtualBlock)];
    }

    private static int stripeOf(long devId, long virtualBlock) {
        long h = virtualBlock * 0x9E3779B97F4A7C15L + devId * 0xC2B2AE3D27D4EB4FL;
        return (int) ((h ^ (h >>> 29)) & (STRIPES - 1));
    }

    /**
     * Runs {@code op} holding the write side of the lock of every block in [first, end) of a device
     * (of every stripe once the range has as many blocks as there are stripes): no reader or writer
     * of those blocks is in flight meanwhile, and none starts.
     */
    long exclusively(long devId, long first, long end, LongSupplier op) {
        BitSet held = new BitSet(STRIPES);
        if (end - first >= STRIPES) {
            held.set(0, STRIPES);
        } else {
            for (long b = first; b < end; b++) {
                held.set(stripeOf(devId, b));
            }
        }
        int taken = -1;
        try {
            for (int i = held.nextSetBit(0); i >= 0; i = held.nextSetBit(i + 1)) {
                locks[i].asWriteLock().lock();
                taken = i;
            }
            return op.getAsLong();
        } finally {
            for (int i = held.nextSetBit(0); i >= 0 && i <= taken; i = held.nextSetBit(i + 1)) {
                locks[i].asWriteLock().unlock();
            }
        }
    }
}
