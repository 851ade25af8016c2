package io.jthin.engine;

import io.jthin.loopfile.BlockDevice;
import java.util.function.LongPredicate;
import org.roaringbitmap.longlong.Roaring64Bitmap;

/**
 * Free data blocks known to read as zeros, so that a write of part of a newly allocated block skips
 * zeroing the rest — and the {@code lseek(SEEK_DATA)} with which {@link DataBlocks#zero(long)}
 * would ask first. That lseek takes the data file's inode lock, which every buffered write holds
 * exclusively: with 16 writers of fresh blocks on 2 CPUs it was a fifth of each write's cost. One
 * question now covers up to {@link #LEARN_BLOCKS} blocks: the length of the hole.
 *
 * <p>Invariant: every member has reference count 0 and reads as zeros. It holds because a data
 * block is written only after it is allocated, and the allocation {@link #claim claims} it (takes it
 * out) under the metadata write lock; and a block joins only under that same lock, either
 * <ul>
 *   <li>in {@link #claim}'s learning, when the device says it lies in a hole and the space map says
 *       it is free, both asked while the lock is held — nothing can allocate it, and so write it,
 *       between the answers and the join; or
 *   <li>in {@link #punched}, right after the pool punched it while free (discard passdown).
 * </ul>
 * A transaction abort can give freed blocks their references back: the pool then {@link #clear}s.
 *
 * <p>Where free space is not holes (a pool without discard passdown, a block device), the device
 * answers "data" or cannot tell: after such an answer the next {@link #SKIP_AFTER_DATA} claims do
 * not ask (their blocks are {@link BlockContent#UNKNOWN}, and {@link DataBlocks#zero(long)} asks
 * outside the lock, as before), so the lock is not held over a syscall per allocation in vain.
 *
 * <p>Not thread-safe: the pool calls it with its metadata write lock held.
 */
final class KnownZeroBlocks {
    /** The most blocks one question learns: bounds the space-map scan done under the lock. */
    static final long LEARN_BLOCKS = 1 << 16;
    /** Claims that do not ask after the device answered "data" (or could not tell). */
    static final int SKIP_AFTER_DATA = 64;

    private final Roaring64Bitmap blocks = new Roaring64Bitmap();
    private final BlockDevice device;
    private final long blockBytes;
    private final LongPredicate free;
    private int skip;

    /**
     * @param free true when a block is within the data space map and has reference count 0 (asked
     *             under the metadata lock)
     */
    KnownZeroBlocks(BlockDevice device, long blockBytes, LongPredicate free) {
        this.device = device;
        this.blockBytes = blockBytes;
        this.free = free;
    }

    /**
     * Takes a block just allocated out of the set. With {@code ask}, says what it holds, learning
     * the hole it lies in when it is not a member; without, {@link BlockContent#UNKNOWN}.
     */
    BlockContent claim(long block, boolean ask) {
        if (blocks.contains(block)) {
            blocks.removeLong(block);
            return BlockContent.ZEROS;
        }
        if (!ask) {
            return BlockContent.UNKNOWN;
        }
        if (skip > 0) {
            skip--;
            return BlockContent.UNKNOWN;
        }
        long holeBlocks = device.zerosAt(block * blockBytes, LEARN_BLOCKS * blockBytes) / blockBytes;
        if (holeBlocks == 0) {
            skip = SKIP_AFTER_DATA;
            return BlockContent.MAY_HOLD_DATA;
        }
        long end = block + holeBlocks;
        long b = block + 1;
        while (b < end) {
            if (!free.test(b)) {
                b++;
                continue;
            }
            long from = b;
            while (b < end && free.test(b)) {
                b++;
            }
            blocks.addRange(from, b);
        }
        return BlockContent.ZEROS;
    }

    /** Free blocks [{@code first}, {@code end}) the pool has just punched (they read as zeros now). */
    void punched(long first, long end) {
        blocks.addRange(first, end);
    }

    /** Forgets everything (after a transaction abort, which may make free blocks referenced again). */
    void clear() {
        blocks.clear();
    }

    /** How many blocks are known (for tests). */
    long size() {
        return blocks.getLongCardinality();
    }

    boolean contains(long block) {
        return blocks.contains(block);
    }
}
