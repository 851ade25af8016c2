package io.jthin.allocator;

import io.jthin.btree.BlockType;
import io.jthin.btree.CorruptMetadataException;
import io.jthin.btree.NoFreeBlocksException;
import io.jthin.btree.OutOfMetadataSpaceException;
import io.jthin.btree.TransactionManager;
import io.jthin.btree.WriteBlock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The metadata space map (kernel dm-space-map-metadata, dm-thin-format §5.4, §5.8): reference
 * counts of the 4 KiB metadata blocks, hosted in the metadata device it describes. On disk: one
 * index block ({@link MetadataIndexBlock}, up to 255 bitmaps, so at most
 * {@link #MAX_BLOCKS} blocks), the bitmaps it lists, and an overflow ref-count B-tree.
 * It is the {@link io.jthin.btree.SpaceMap} of the {@link TransactionManager}: {@link #format} and
 * {@link #open} install it there.
 *
 * <p><b>The recursion problem</b> (its own blocks are counted by itself, and writing it needs
 * blocks) is solved as dm-thin-format §5.8 suggests: during a transaction every count lives in
 * memory ({@link RefCountSpaceMap}) and nothing of the map is written, so inc/dec/newBlock never
 * allocate. {@link #commit()} then runs to a fixed point: apply the overflow overlay to its tree;
 * give every dirty bitmap a writable block (copy-on-write: allocate new +1, old −1, which may
 * dirty further bitmaps); shadow the index block; repeat until a pass changes nothing. Only then
 * are the bitmaps and the index serialised from memory, so what is written satisfies §5.6 exactly
 * (its own index block, bitmaps and overflow nodes have count 1 each).
 *
 * <p>Invariants: a block freed in the current transaction is never handed out before commit
 * (also during the commit's own allocations); block 0 (the superblock) always has count ≥ 1.
 *
 * <p><b>Commit sequence</b>: trees modified → {@code dataSm.commit()} → {@code metadataSm.commit()}
 * (last: it accounts for every block allocated before it, including the data map's) → encode
 * {@link #root()} (and the data map's) into the superblock → {@code tm.commit(superblock)}. After
 * {@link #commit()} the blocks freed in the transaction are allocatable again, so nothing may
 * allocate until the superblock is written. Abort: {@code tm.abort()} and {@link #open} again from
 * the last superblock's root. If a commit throws (e.g. {@link OutOfMetadataSpaceException} while
 * the map writes itself), this object is unusable: abort and open again.
 *
 * <p>Thread-safety: none (the pool's metadata lock).
 */
public final class MetadataSpaceMap extends RefCountSpaceMap {
    private static final String NAME = "metadata space map";
    /** The largest metadata device the format can describe (255 bitmaps × 16320 blocks). */
    public static final long MAX_BLOCKS = MetadataIndexBlock.MAX_METADATA_BLOCKS;
    /** Fixed-point passes after which commit gives up (each bitmap is shadowed once, so 3 suffice in practice). */
    private static final int MAX_COMMIT_PASSES = 64;

    private final TransactionManager tm;
    /** Location of the index block as of the last commit (or as allocated by format), 0 = not yet allocated. */
    private long indexLocation;
    /** Bitmap locations as of the last commit (0 = not written yet). */
    private long[] bitmapLocations = new long[0];
    /** Index entries as of the last commit. */
    private IndexEntry[] entries = new IndexEntry[0];
    /** Writable bitmaps of the current commit, by bitmap index. */
    private final Map<Integer, WriteBlock> writableBitmaps = new HashMap<>();
    /** Writable index block of the current commit. */
    private WriteBlock writableIndex;
    private SpaceMapRoot committedRoot;

    private MetadataSpaceMap(TransactionManager tm) {
        super(NAME);
        this.tm = tm;
    }

    /**
     * Formats a metadata space map over a metadata device of {@code nrBlocks} 4 KiB blocks and
     * installs it as {@code tm}'s space map. Layout (the kernel's, §5.9): block 0 is reserved for
     * the superblock (count 1), 1 = index block, 2 = empty overflow-tree root, 3 … = bitmaps;
     * everything allocated next (the data space map, the pool's trees) follows. Nothing is
     * written before the first {@link #commit()}.
     *
     * @throws IllegalArgumentException if {@code nrBlocks} exceeds {@link #MAX_BLOCKS} or cannot
     *     hold the map itself
     */
    public static MetadataSpaceMap format(TransactionManager tm, long nrBlocks) {
        checkSize(nrBlocks);
        long nrBitmaps = BitmapBlock.bitmapsFor(nrBlocks);
        if (nrBlocks < 3 + nrBitmaps) {
            throw new IllegalArgumentException(NAME + ": " + nrBlocks + " blocks cannot hold the superblock, index, "
                    + "overflow root and " + nrBitmaps + " bitmap(s)");
        }
        MetadataSpaceMap sm = new MetadataSpaceMap(tm);
        sm.extendLocal(nrBlocks);
        tm.spaceMap(sm);
        sm.inc(0, 1);
        // Only the locations are kept: commit() rewrites them in place while they are still dirty
        // shadows of this transaction, or copies them if the caller flushed in between.
        sm.indexLocation = tm.newBlock(BlockType.INDEX).location();
        sm.overflow = OverflowCounts.create(tm, NAME);
        for (int i = 0; i < nrBitmaps; i++) {
            sm.bitmapLocations[i] = tm.newBlock(BlockType.BITMAP).location();
        }
        return sm;
    }

    /**
     * Opens the metadata space map of a committed superblock and installs it as {@code tm}'s space
     * map: reads the index block and every bitmap (checksums and block numbers validated by the
     * block manager), recounts {@code nr_allocated} (a mismatch is the {@code thin_restore} quirk
     * of §5.3: the recount is used and the next commit writes it; see {@link #allocatedOnDisk()}),
     * and checks the overflow tree against the bitmaps and that the map's own blocks are counted.
     *
     * @throws CorruptMetadataException naming the block and what is wrong
     */
    public static MetadataSpaceMap open(TransactionManager tm, SpaceMapRoot root) {
        root.validate(NAME);
        if (root.nrBlocks() > MAX_BLOCKS) {
            throw new CorruptMetadataException(BlockType.SUPERBLOCK, 0, NAME + " root: nr_blocks " + root.nrBlocks()
                    + " exceeds the format's maximum " + MAX_BLOCKS);
        }
        MetadataSpaceMap sm = new MetadataSpaceMap(tm);
        sm.nrBlocks = root.nrBlocks();
        int nrBitmaps = (int) BitmapBlock.bitmapsFor(root.nrBlocks());
        sm.indexLocation = root.bitmapRoot();
        sm.entries = MetadataIndexBlock.decode(tm.read(root.bitmapRoot(), BlockType.INDEX), nrBitmaps);
        sm.bitmapLocations = new long[nrBitmaps];
        List<long[]> loaded = new ArrayList<>(nrBitmaps);
        for (int i = 0; i < nrBitmaps; i++) {
            long loc = sm.entries[i].blocknr();
            if (loc <= 0 || loc >= root.nrBlocks()) {
                throw new CorruptMetadataException(BlockType.INDEX, root.bitmapRoot(), NAME + ": entry " + i
                        + " puts bitmap " + i + " at block " + loc + " (device has " + root.nrBlocks() + " blocks)");
            }
            sm.bitmapLocations[i] = loc;
            loaded.add(BitmapBlock.decode(tm.read(loc, BlockType.BITMAP)));
        }
        sm.overflow = new OverflowCounts(tm, root.refCountRoot(), NAME);
        sm.loadCounts(loaded, root.refCountRoot());
        sm.allocatedOnDisk = root.nrAllocated();
        sm.checkSelfCounted(root);
        sm.committedRoot = new SpaceMapRoot(sm.nrBlocks, sm.nrAllocated, sm.indexLocation, sm.overflow.root());
        tm.spaceMap(sm);
        return sm;
    }

    /** {@link #open(TransactionManager, SpaceMapRoot)} from the superblock's 128-byte slot. */
    public static MetadataSpaceMap open(TransactionManager tm, byte[] rootSlot) {
        return open(tm, SpaceMapRoot.fromBytes(rootSlot));
    }

    /** The superblock, index block, bitmaps and overflow root must not be free in the map itself. */
    private void checkSelfCounted(SpaceMapRoot root) {
        if (refCount(0) == 0) {
            throw new CorruptMetadataException(BlockType.SUPERBLOCK, 0, NAME + " says the superblock (block 0) is free");
        }
        if (root.bitmapRoot() >= nrBlocks || refCount(root.bitmapRoot()) == 0) {
            throw new CorruptMetadataException(BlockType.INDEX, root.bitmapRoot(), NAME + " says its own index block is free");
        }
        if (root.refCountRoot() >= nrBlocks || refCount(root.refCountRoot()) == 0) {
            throw new CorruptMetadataException(BlockType.BTREE_NODE, root.refCountRoot(),
                    NAME + " says the root of its own overflow tree is free");
        }
        for (int i = 0; i < bitmapLocations.length; i++) {
            if (refCount(bitmapLocations[i]) == 0) {
                throw new CorruptMetadataException(BlockType.BITMAP, bitmapLocations[i], NAME + " says its own bitmap "
                        + i + " is free");
            }
        }
    }

    private static void checkSize(long nrBlocks) {
        if (nrBlocks > MAX_BLOCKS) {
            throw new IllegalArgumentException(NAME + ": " + nrBlocks + " blocks exceed the format's limit of "
                    + MAX_BLOCKS + " blocks (255 bitmaps × 16320 = 15.875 GiB); use at most that many");
        }
    }

    private void extendLocal(long extraBlocks) {
        extendCounts(extraBlocks);
        if (bitmapLocations.length < bitmaps.size()) {
            bitmapLocations = Arrays.copyOf(bitmapLocations, bitmaps.size());
            entries = Arrays.copyOf(entries, bitmaps.size());
        }
    }

    /**
     * Grows the map by {@code extraBlocks} (the metadata file grew; resize the device first). New
     * bitmaps are allocated and written at the next {@link #commit()}, possibly in the new area.
     *
     * @throws IllegalArgumentException beyond {@link #MAX_BLOCKS}
     */
    @Override
    public void extend(long extraBlocks) {
        checkSize(Math.addExact(nrBlocks, Math.max(0, extraBlocks)));
        extendLocal(extraBlocks);
    }

    /**
     * Writes the map into metadata blocks (fixed point, see the class comment) and makes the
     * current counts the committed ones. Call after {@link DiskSpaceMap#commit()} and before the
     * superblock is written; then store {@link #root()} in the superblock.
     */
    @Override
    public void commit() {
        commitRoot();
    }

    /** {@link #commit()} returning the new root. */
    public SpaceMapRoot commitRoot() {
        if (committedRoot != null && dirtyBitmaps.isEmpty() && overflow.isClean() && writableIndex == null
                && freedThisTxn.isEmpty() && newThisTxn.isEmpty()) {
            // nothing changed since the last commit: keep the blocks (the root carries the recount)
            committedRoot = new SpaceMapRoot(nrBlocks, nrAllocated, indexLocation, overflow.root());
            return committedRoot;
        }
        for (int pass = 0; ; pass++) {
            if (pass == MAX_COMMIT_PASSES) {
                throw new IllegalStateException(NAME + ": commit did not reach a fixed point after " + pass + " passes");
            }
            boolean progress = overflow.flush();
            var it = dirtyBitmaps.getIntIterator();
            List<Integer> needBlocks = new ArrayList<>();
            while (it.hasNext()) {
                int i = it.next();
                if (!writableBitmaps.containsKey(i)) {
                    needBlocks.add(i);
                }
            }
            for (int i : needBlocks) {
                writableBitmaps.put(i, writable(bitmapLocations[i], BlockType.BITMAP));
                progress = true;
            }
            if (writableIndex == null) {
                writableIndex = writable(indexLocation, BlockType.INDEX);
                progress = true;
            }
            if (!progress && overflow.isClean()) {
                break;
            }
        }
        // Fixed point: no count changes from here on; serialise from memory.
        for (Map.Entry<Integer, WriteBlock> e : writableBitmaps.entrySet()) {
            int i = e.getKey();
            WriteBlock wb = e.getValue();
            BitmapBlock.encode(bitmaps.get(i), wb);
            bitmapLocations[i] = wb.location();
            entries[i] = indexEntry(i, wb.location());
        }
        MetadataIndexBlock.encode(entries, bitmaps.size(), writableIndex);
        indexLocation = writableIndex.location();
        writableBitmaps.clear();
        writableIndex = null;
        commitCounts();
        committedRoot = new SpaceMapRoot(nrBlocks, nrAllocated, indexLocation, overflow.root());
        return committedRoot;
    }

    /** Both roots of one commit, to store in the superblock's two space-map slots. */
    public record Roots(SpaceMapRoot data, SpaceMapRoot metadata) {
    }

    /**
     * The space maps' part of the pool's commit sequence in the required order: {@code dataSm}'s
     * commit (which allocates metadata blocks), then this map's. Next, store both roots in the
     * superblock and write it ({@code tm.commit(superblock)}) before anything allocates again.
     */
    public Roots commitWith(DiskSpaceMap dataSm) {
        if (!dataSm.usesTransactionManager(tm)) {
            throw new IllegalArgumentException(NAME + ": the data space map belongs to another transaction manager");
        }
        SpaceMapRoot data = dataSm.commitRoot();
        return new Roots(data, commitRoot());
    }

    /** A block to rewrite {@code loc} into: a new one (old −1), or {@code loc} itself if already new in this transaction. */
    private WriteBlock writable(long loc, BlockType type) {
        if (loc == 0) {
            return tm.newBlock(type);
        }
        if (tm.isShadow(loc)) {
            return tm.shadow(loc, type).block();
        }
        WriteBlock wb = tm.newBlock(type);
        tm.dec(loc);
        return wb;
    }

    /**
     * The root to store in the superblock's metadata space-map slot: the state of the last
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
        return new OutOfMetadataSpaceException(nrBlocks);
    }

    /** Location of the index block as of the last commit (0 before the first). */
    public long indexLocation() {
        return indexLocation;
    }

    /** Location of bitmap {@code i} as of the last commit (0 if never written). */
    public long bitmapLocation(int i) {
        return bitmapLocations[i];
    }

    /** Number of bitmaps covering the map. */
    public int nrBitmaps() {
        return bitmaps.size();
    }
}
