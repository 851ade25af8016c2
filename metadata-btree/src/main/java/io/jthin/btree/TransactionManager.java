package io.jthin.btree;

import java.util.HashSet;
import java.util.Set;

/**
 * Copy-on-write transactions over metadata blocks (kernel dm-transaction-manager): the only
 * source of writable blocks.
 *
 * <p>Invariants:
 * <ul>
 *   <li>A block of the committed state is never written in place: {@link #shadow} copies it to a
 *       newly allocated block first.
 *   <li>A shadow of a block already allocated or shadowed in this transaction, and not shared
 *       (reference count 1), is the block itself (no copy).
 *   <li>Shadowing a shared block (count &gt; 1) reports {@link Shadow#shared()} so that the caller
 *       increments the reference counts of the node's children (only the caller knows the layout).
 *   <li>Commit writes and syncs every dirty block but the superblock ({@link #preCommit}), then the
 *       superblock, then syncs ({@link #commit}).
 * </ul>
 * Not thread-safe: the owner serialises all calls (pool metadata lock).
 */
public final class TransactionManager {
    private final BlockManager bm;
    private SpaceMap sm;
    /** Blocks allocated or shadowed in the current transaction (writable in place). */
    private final Set<Long> shadows = new HashSet<>();

    public TransactionManager(BlockManager bm, SpaceMap metadataSpaceMap) {
        this.bm = bm;
        this.sm = metadataSpaceMap;
    }

    /**
     * A transaction manager over its own {@link BlockManager} on {@code device}, with a clean-block
     * cache of {@code cacheBytes}; the metadata space map is set with {@link #spaceMap(SpaceMap)}.
     */
    public static TransactionManager over(io.jthin.loopfile.BlockDevice device, long cacheBytes) {
        return new TransactionManager(new BlockManager(device, cacheBytes), null);
    }

    /** Blocks the metadata device holds. */
    public long nrBlocks() {
        return bm.nrBlocks();
    }

    /** True when block {@code nr} on the device is all zeros (an unformatted superblock). */
    public boolean isZero(long nr) {
        return bm.isZero(nr);
    }

    /** Drops every cached block and closes the device. */
    public void close() {
        bm.close();
    }

    /** For space maps that host themselves: set once the metadata space map exists. */
    public void spaceMap(SpaceMap metadataSpaceMap) {
        this.sm = metadataSpaceMap;
    }

    public SpaceMap spaceMap() {
        return sm;
    }

    public BlockManager blockManager() {
        return bm;
    }

    /** The result of {@link #shadow}: the writable block and whether the original was shared. */
    public record Shadow(WriteBlock block, boolean shared) {
        public long location() {
            return block.location();
        }
    }

    /** Allocates a metadata block and returns it zero-filled and writable. */
    public WriteBlock newBlock(BlockType type) {
        long nr = sm.newBlock();
        shadows.add(nr);
        return bm.newZeroed(nr, type);
    }

    /** Reads a block for reading only. */
    public ReadBlock read(long nr, BlockType type) {
        return bm.read(nr, type);
    }

    /** {@link #read} without caching a block read from the device: for walks that visit each block once. */
    public ReadBlock readOnce(long nr, BlockType type) {
        return bm.readOnce(nr, type);
    }

    /** {@link #readOnce(long, BlockType)} into a reusable buffer (see {@link BlockManager#readOnce(long, BlockType, MetadataBlock)}). */
    public ReadBlock readOnce(long nr, BlockType type, MetadataBlock scratch) {
        return bm.readOnce(nr, type, scratch);
    }

    /** A writable version of {@code nr}: the block itself if it is a shadow of this transaction and unshared, else a copy. */
    public Shadow shadow(long nr, BlockType type) {
        long count = sm.refCount(nr);
        if (count == 0) {
            throw new CorruptMetadataException(type, nr, "shadowing a block whose reference count is 0");
        }
        boolean shared = count > 1;
        if (!shared && shadows.contains(nr)) {
            MetadataBlock dirty = bm.dirtyBlock(nr);
            if (dirty != null) {
                return new Shadow(dirty, false);
            }
        }
        ReadBlock orig = bm.read(nr, type);
        long copyNr = sm.newBlock();
        WriteBlock copy = bm.copyTo(orig, copyNr, type);
        sm.dec(nr);
        shadows.add(copyNr);
        return new Shadow(copy, shared);
    }

    /** True when {@code nr} was allocated or shadowed in this transaction. */
    public boolean isShadow(long nr) {
        return shadows.contains(nr);
    }

    public void inc(long nr) {
        sm.inc(nr);
    }

    public void dec(long nr) {
        sm.dec(nr);
    }

    public long refCount(long nr) {
        return sm.refCount(nr);
    }

    /** Writes and syncs every dirty block except the superblock. */
    public void preCommit() {
        bm.flush();
    }

    /**
     * A writable copy of the superblock at {@code nr} (0 for the live one) or a zero block when it
     * is unformatted; it is written only by {@link #commit}.
     */
    public WriteBlock superblockForUpdate(long nr, boolean zeroed) {
        return zeroed ? MetadataBlock.zeroed(nr, BlockType.SUPERBLOCK)
                : ((MetadataBlock) bm.read(nr, BlockType.SUPERBLOCK)).copyAt(nr, BlockType.SUPERBLOCK);
    }

    /**
     * Ends the transaction: {@link #preCommit} (if not done), then writes the superblock and syncs.
     * The space map must already have committed (its root is part of the superblock).
     */
    public void commit(WriteBlock superblock) {
        if (bm.dirtyCount() > 0) {
            bm.flush();
        }
        bm.writeSuperblock((MetadataBlock) superblock);
        shadows.clear();
    }

    /** Throws away every change of this transaction; the caller re-reads the superblock. */
    public void abort() {
        bm.discardDirty();
        shadows.clear();
    }
}
