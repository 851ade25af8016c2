package io.jthin.allocator;

import io.jthin.btree.BTree;
import io.jthin.btree.BlockType;
import io.jthin.btree.CorruptMetadataException;
import io.jthin.btree.NoFreeBlocksException;
import io.jthin.btree.TransactionManager;
import io.jthin.btree.WriteBlock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The data space map (kernel dm-space-map-disk, dm-thin-format §5.5): reference counts of the
 * pool's data blocks. On disk: bitmaps of 2-bit counts listed by an index B-tree (key = bitmap
 * index, value = {@link IndexEntry}, value_size 16) and an overflow ref-count B-tree for counts
 * of 3 or more, all in metadata blocks obtained from the {@link TransactionManager} (so they are
 * counted by the {@link MetadataSpaceMap}).
 *
 * <p>Owns: the in-memory counts of every data block (see {@link RefCountSpaceMap}), the location
 * of each bitmap block, the index-tree root and the overflow tree. Invariants: between commits
 * nothing on disk changes (counts live in memory; the overflow tree and the index tree are
 * modified only by {@link #commit()}); after {@link #commit()} the index tree has keys
 * {@code 0 … ceil(nrBlocks / 16320) − 1}, each bitmap on disk equals the in-memory counts, and
 * {@link #root()} describes it.
 *
 * <p><b>Commit sequence</b> (the pool's, dm-thin-format §6.3): modify the trees → {@code
 * dataSm.commit()} (writes data bitmaps, index and overflow trees: allocates metadata blocks) →
 * {@code metadataSm.commit()} (must come after: it accounts for what the data map allocated) →
 * encode {@code dataSm.root()} and {@code metadataSm.root()} into the superblock →
 * {@code tm.commit(superblock)}. No metadata allocation may happen between
 * {@code metadataSm.commit()} and the superblock write ({@link MetadataSpaceMap#commitWith} does
 * both commits in order). Abort: {@code tm.abort()}, then {@link #open} both maps again from the
 * roots of the last superblock; the same after a commit that threw.
 *
 * <p>Thread-safety: none (the pool's metadata lock).
 */
public final class DiskSpaceMap extends RefCountSpaceMap {
    private static final String NAME = "data space map";

    private final TransactionManager tm;
    private final BTree<IndexEntry> indexTree;
    private long indexRoot;
    /** Location of bitmap i on disk, or 0 for a bitmap not yet written (block 0 is the superblock). */
    private long[] bitmapLocations = new long[0];
    private SpaceMapRoot committedRoot;

    private DiskSpaceMap(TransactionManager tm) {
        super(NAME);
        this.tm = tm;
        this.indexTree = new BTree<>(tm, IndexEntry.VALUE_TYPE);
    }

    /**
     * A new data space map of {@code nrBlocks} free data blocks: allocates the empty index-tree
     * root and the empty overflow-tree root now (in that order, the kernel's layout), the bitmaps
     * at the first {@link #commit()}. {@link #root()} is available after that commit.
     */
    public static DiskSpaceMap format(TransactionManager tm, long nrBlocks) {
        DiskSpaceMap sm = new DiskSpaceMap(tm);
        sm.indexRoot = sm.indexTree.createEmpty();
        sm.overflow = OverflowCounts.create(tm, NAME);
        sm.extend(nrBlocks);
        return sm;
    }

    /**
     * Opens the data space map of a committed superblock: reads every index entry and bitmap
     * (checksums and block numbers are validated by the block manager), recounts
     * {@code nr_allocated}, and checks that the index covers exactly {@code nr_blocks} and that the
     * overflow tree matches the bitmaps.
     *
     * @throws CorruptMetadataException naming the block and what is wrong
     */
    public static DiskSpaceMap open(TransactionManager tm, SpaceMapRoot root) {
        root.validate(NAME);
        DiskSpaceMap sm = new DiskSpaceMap(tm);
        sm.nrBlocks = root.nrBlocks();
        sm.indexRoot = root.bitmapRoot();
        sm.overflow = new OverflowCounts(tm, root.refCountRoot(), NAME);
        long nrBitmaps = BitmapBlock.bitmapsFor(root.nrBlocks());
        if (nrBitmaps > Integer.MAX_VALUE) {
            throw new CorruptMetadataException(BlockType.SUPERBLOCK, 0, NAME + " root: nr_blocks "
                    + root.nrBlocks() + " is beyond what jthin can hold in memory");
        }
        long[] locations = new long[(int) nrBitmaps];
        List<long[]> loaded = new ArrayList<>((int) nrBitmaps);
        long[] expected = {0};
        sm.indexTree.forEach(sm.indexRoot, 0, Long.MAX_VALUE, (key, entry) -> {
            if (key != expected[0] || key >= nrBitmaps) {
                throw new CorruptMetadataException(BlockType.BTREE_NODE, root.bitmapRoot(), NAME + " index tree: key "
                        + key + " where bitmap " + expected[0] + " was expected (" + nrBitmaps + " bitmaps for "
                        + root.nrBlocks() + " blocks)");
            }
            if (entry.blocknr() <= 0) {
                throw new CorruptMetadataException(BlockType.BTREE_NODE, root.bitmapRoot(), NAME
                        + " index tree: bitmap " + key + " is at block " + entry.blocknr());
            }
            locations[(int) key] = entry.blocknr();
            loaded.add(BitmapBlock.decode(tm.read(entry.blocknr(), BlockType.BITMAP)));
            expected[0]++;
            return true;
        });
        if (expected[0] != nrBitmaps) {
            throw new CorruptMetadataException(BlockType.BTREE_NODE, root.bitmapRoot(), NAME + " index tree lists "
                    + expected[0] + " bitmaps, but nr_blocks " + root.nrBlocks() + " needs " + nrBitmaps);
        }
        sm.bitmapLocations = locations;
        sm.loadCounts(loaded, root.refCountRoot());
        sm.allocatedOnDisk = root.nrAllocated();
        sm.committedRoot = new SpaceMapRoot(sm.nrBlocks, sm.nrAllocated, sm.indexRoot, sm.overflow.root());
        return sm;
    }

    /** {@link #open(TransactionManager, SpaceMapRoot)} from the superblock's 128-byte slot. */
    public static DiskSpaceMap open(TransactionManager tm, byte[] rootSlot) {
        return open(tm, SpaceMapRoot.fromBytes(rootSlot));
    }

    /** Grows the map by {@code extraBlocks} free data blocks (the data file grew); bitmaps are written at commit. */
    @Override
    public void extend(long extraBlocks) {
        extendCounts(extraBlocks);
        int need = bitmaps.size();
        if (bitmapLocations.length < need) {
            bitmapLocations = Arrays.copyOf(bitmapLocations, need);
        }
    }

    /**
     * Writes this transaction's changes into metadata blocks: the overflow tree, every changed
     * bitmap (copy-on-write: a new location unless already written in this transaction) and its
     * index entry; then the counts become the committed ones (blocks freed in the transaction
     * become allocatable). Call before {@link MetadataSpaceMap#commit()}; the blocks are written to
     * the device by the transaction manager's commit. The new root is {@link #root()} (or use
     * {@link #commitRoot()}).
     */
    @Override
    public void commit() {
        commitRoot();
    }

    /** {@link #commit()} returning the new root. */
    public SpaceMapRoot commitRoot() {
        overflow.flush();
        var it = dirtyBitmaps.getIntIterator();
        while (it.hasNext()) {
            int i = it.next();
            WriteBlock wb = writableBitmap(i);
            BitmapBlock.encode(bitmaps.get(i), wb);
            bitmapLocations[i] = wb.location();
            indexRoot = indexTree.insert(indexRoot, i, indexEntry(i, wb.location())).root();
        }
        commitCounts();
        committedRoot = new SpaceMapRoot(nrBlocks, nrAllocated, indexRoot, overflow.root());
        return committedRoot;
    }

    private WriteBlock writableBitmap(int i) {
        long loc = bitmapLocations[i];
        if (loc == 0) {
            return tm.newBlock(BlockType.BITMAP);
        }
        if (tm.isShadow(loc)) {
            return tm.shadow(loc, BlockType.BITMAP).block();
        }
        // The whole bitmap is rewritten from memory: no need to read the old copy.
        WriteBlock wb = tm.newBlock(BlockType.BITMAP);
        tm.dec(loc);
        return wb;
    }

    /**
     * The root to store in the superblock's data space-map slot: the state of the last
     * {@link #commit()} (or of {@link #open}).
     *
     * @throws IllegalStateException if the map was formatted and never committed
     */
    @Override
    public SpaceMapRoot root() {
        if (committedRoot == null) {
            throw new IllegalStateException(NAME + " was formatted but not committed yet: commit() before root()");
        }
        return committedRoot;
    }

    @Override
    NoFreeBlocksException outOfSpace() {
        return new OutOfDataSpaceException(nrBlocks, freedThisTxn.size());
    }

    /** Location of the on-disk bitmap {@code i} as of the last commit (0 if never written). For checks and tests. */
    public long bitmapLocation(int i) {
        return bitmapLocations[i];
    }

    boolean usesTransactionManager(TransactionManager other) {
        return tm == other;
    }

    /** Number of bitmaps covering the map. */
    public int nrBitmaps() {
        return bitmaps.size();
    }
}
