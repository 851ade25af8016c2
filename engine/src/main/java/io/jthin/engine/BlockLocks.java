package io.jthin.engine;

import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * Striped per-block locks of the pool: (device id, virtual block) hashes to one of a fixed set of
 * read-write locks. A writer of a block holds it exclusively from its mapping lookup until its new
 * mapping is inserted, so two writers of one block never both allocate or both copy; readers hold
 * it shared so that the block they read cannot be unmapped and reused under them.
 *
 * <p>Lock order: volume lock → one block lock (never two at once) → metadata lock.
 */
final class BlockLocks {
    private static final int STRIPES = 4096;
    private final ReentrantReadWriteLock[] locks = new ReentrantReadWriteLock[STRIPES];

    BlockLocks() {
        for (int i = 0; i < STRIPES; i++) {
            locks[i] = new ReentrantReadWriteLock();
        }
    }

    ReentrantReadWriteLock of(long devId, long virtualBlock) {
        long h = virtualBlock * 0x9E3779B97F4A7C15L + devId * 0xC2B2AE3D27D4EB4FL;
        return locks[(int) ((h ^ (h >>> 29)) & (STRIPES - 1))];
    }
}
