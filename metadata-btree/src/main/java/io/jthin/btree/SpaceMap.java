package io.jthin.btree;

/**
 * Reference counts of the blocks of one device (dm-thin-format §5): what the transaction manager
 * needs from a space map. The real implementations (data and metadata, on disk) live in
 * block-allocator; tests of this module use a plain in-memory one.
 *
 * <p>Invariants every implementation keeps:
 * <ul>
 *   <li>{@link #newBlock()} only returns a block whose count is 0 both now and in the last committed
 *       state: a block freed in the current transaction is never handed out before {@link #commit()}
 *       (the committed trees may still point at it).
 *   <li>{@link #nrAllocated()} is the number of blocks with a count above 0, now.
 * </ul>
 * Not thread-safe: the owner serialises calls (the pool's metadata lock).
 */
public interface SpaceMap {

    /** Number of blocks the map covers. */
    long nrBlocks();

    /** Blocks with a non-zero count in the current state. */
    long nrAllocated();

    /** Blocks {@link #newBlock()} can still return in this transaction. */
    long nrFree();

    /** The reference count of {@code block}. */
    long refCount(long block);

    /** Adds {@code delta} (may be negative) to the count of {@code block}; the count never goes below 0. */
    void inc(long block, long delta);

    default void inc(long block) {
        inc(block, 1);
    }

    default void dec(long block) {
        inc(block, -1);
    }

    /** Allocates a block (count 0 → 1) or throws a {@link NoFreeBlocksException}. */
    long newBlock();

    /** Grows the map by {@code extraBlocks} free blocks. */
    void extend(long extraBlocks);

    /** Makes the current counts the committed ones (after their blocks are written). */
    void commit();
}
