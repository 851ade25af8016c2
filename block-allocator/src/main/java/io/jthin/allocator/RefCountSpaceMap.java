package io.jthin.allocator;

import io.jthin.btree.BlockType;
import io.jthin.btree.CorruptMetadataException;
import io.jthin.btree.NoFreeBlocksException;
import io.jthin.btree.SpaceMap;
import java.util.ArrayList;
import java.util.List;
import org.roaringbitmap.RoaringBitmap;

/**
 * What the data and the metadata space maps share: every reference count of the device held in
 * memory in the on-disk bitmap encoding (2 bits a block, {@link BitmapBlock}), counts of 3 or more
 * in the {@link OverflowCounts} overlay of the overflow ref-count B-tree, and the allocator.
 * The subclasses only differ in how they write the index of bitmaps at commit.
 *
 * <p>Owns, per transaction:
 * <ul>
 *   <li>{@code bitmaps}: the current 2-bit counts, authoritative for the transaction; the blocks
 *       on disk are rewritten (copy-on-write) at commit for the bitmaps in {@code dirtyBitmaps}.
 *   <li>three disjoint {@link BlockSet}s: {@code allocatable} (count 0 now and at the last
 *       commit), {@code freedThisTxn} (count 0 now, above 0 at the last commit),
 *       {@code newThisTxn} (above 0 now, 0 at the last commit). Every block with count 0 now is
 *       in exactly one of {@code allocatable} / {@code freedThisTxn}.
 * </ul>
 *
 * <p>Invariants: {@link #newBlock()} returns only members of {@code allocatable}: a block freed in
 * the current transaction is never handed out before {@link #commit()} (dm-thin-format §5.7).
 * Allocation runs front to back from a cursor and wraps to fill gaps; finding a free block is a
 * RoaringBitmap {@code nextValue}, never a scan of bitmap blocks. {@link #nrAllocated()} is exact
 * at all times. {@link #nrFree()} is what {@link #newBlock()} can still hand out in this transaction.
 * Abort is "throw this object away and open the last committed root again".
 *
 * <p>Thread-safety: none; the pool calls space maps under its metadata lock. Threshold callbacks
 * run on the calling thread after the change that crossed the mark.
 */
public abstract sealed class RefCountSpaceMap implements SpaceMap permits DiskSpaceMap, MetadataSpaceMap {
    /** The largest count the overflow tree's u32 values hold. */
    public static final long MAX_COUNT = 0xFFFF_FFFFL;

    /** "data space map" or "metadata space map", for messages. */
    final String name;
    long nrBlocks;
    long nrAllocated;
    /** In-memory counts, one {@link BitmapBlock#WORDS}-word array per bitmap. */
    final List<long[]> bitmaps = new ArrayList<>();
    /** Bitmaps whose counts (or index-entry hints) changed in this transaction. */
    final RoaringBitmap dirtyBitmaps = new RoaringBitmap();
    OverflowCounts overflow;
    BlockSet allocatable = new BlockSet();
    final BlockSet newThisTxn = new BlockSet();
    final BlockSet freedThisTxn = new BlockSet();
    private long cursor;
    /** Allocations and frees committed since {@link BlockSet#optimize()} last ran on {@code allocatable}. */
    private long changesSinceOptimize;
    /** The bitmap last added to {@code dirtyBitmaps} (saves a Roaring insert per allocation), −1 if none. */
    private int lastDirtyBitmap = -1;
    private static final long OPTIMIZE_MIN_CHANGES = 4096;
    private static final long OPTIMIZE_BLOCKS_PER_CHANGE = 256;
    private final Thresholds thresholds = new Thresholds();
    /** {@code nr_allocated} as the root on disk said at open (differs from the recount after the §5.3 quirk). */
    long allocatedOnDisk = -1;

    RefCountSpaceMap(String name) {
        this.name = name;
    }

    @Override
    public long nrBlocks() {
        return nrBlocks;
    }

    @Override
    public long nrAllocated() {
        return nrAllocated;
    }

    @Override
    public long nrFree() {
        return allocatable.size();
    }

    /** Blocks freed in this transaction: free now, reusable after {@link #commit()}. */
    public long nrFreedThisTransaction() {
        return freedThisTxn.size();
    }

    /**
     * {@code nr_allocated} as the root on disk recorded it when the map was opened, or −1 for a map
     * formatted in this process. The map itself uses its own recount; a difference is the
     * {@code thin_restore} quirk of dm-thin-format §5.3 (repaired by the next commit), not an error.
     */
    public long allocatedOnDisk() {
        return allocatedOnDisk;
    }

    void checkBlock(long block) {
        if (block < 0 || block >= nrBlocks) {
            throw new IllegalArgumentException(name + ": block " + block + " is outside the map (0.."
                    + (nrBlocks - 1) + ", " + nrBlocks + " blocks)");
        }
    }

    long[] words(long block) {
        return bitmaps.get((int) BitmapBlock.bitmapIndex(block));
    }

    @Override
    public long refCount(long block) {
        checkBlock(block);
        int small = BitmapBlock.get(words(block), BitmapBlock.entryOf(block));
        return small < BitmapBlock.OVERFLOW ? small : overflow.get(block);
    }

    @Override
    public void inc(long block, long delta) {
        checkBlock(block);
        if (delta == 0) {
            return;
        }
        long[] words = words(block);
        int e = BitmapBlock.entryOf(block);
        int small = BitmapBlock.get(words, e);
        long old = small < BitmapBlock.OVERFLOW ? small : overflow.get(block);
        long now = old + delta;
        if (now < 0) {
            throw new IllegalStateException(name + ": reference count of block " + block + " would go below 0 ("
                    + old + (delta < 0 ? " - " + -delta : " + " + delta) + ")");
        }
        if (now > MAX_COUNT) {
            throw new IllegalStateException(name + ": reference count of block " + block
                    + " would exceed the format's u32 maximum (" + old + " + " + delta + ")");
        }
        int newSmall = (int) Math.min(now, BitmapBlock.OVERFLOW);
        if (newSmall != small) {
            BitmapBlock.set(words, e, newSmall);
            markDirty(block);
        }
        if (now >= BitmapBlock.OVERFLOW) {
            overflow.put(block, now);
        } else if (old >= BitmapBlock.OVERFLOW) {
            overflow.remove(block);
        }
        if (old == 0) {
            becameUsed(block);
        } else if (now == 0) {
            becameFree(block);
        }
    }

    private void markDirty(long block) {
        int i = (int) BitmapBlock.bitmapIndex(block);
        if (i != lastDirtyBitmap) {
            dirtyBitmaps.add(i);
            lastDirtyBitmap = i;
        }
    }

    private void becameUsed(long block) {
        nrAllocated++;
        if (!freedThisTxn.remove(block)) {
            allocatable.remove(block);
            newThisTxn.add(block);
        }
        thresholds.check(allocatable.size());
    }

    private void becameFree(long block) {
        nrAllocated--;
        if (newThisTxn.remove(block)) {
            allocatable.add(block);
        } else {
            freedThisTxn.add(block);
        }
        thresholds.check(allocatable.size());
    }

    /**
     * Allocates the first block at or after the cursor that is free both now and at the last
     * commit, wrapping to the start once; its count becomes 1.
     */
    @Override
    public long newBlock() {
        long b = allocatable.nextValue(cursor);
        if (b < 0 && cursor > 0) {
            b = allocatable.nextValue(0);
        }
        if (b < 0) {
            throw outOfSpace();
        }
        cursor = b + 1 < nrBlocks ? b + 1 : 0;
        long[] words = words(b);
        BitmapBlock.set(words, BitmapBlock.entryOf(b), 1);
        markDirty(b);
        becameUsed(b);
        return b;
    }

    /** The exception {@link #newBlock()} throws when nothing is allocatable. */
    abstract NoFreeBlocksException outOfSpace();

    /** Grows the in-memory counts by {@code extraBlocks} free blocks; the subclasses check limits first. */
    void extendCounts(long extraBlocks) {
        if (extraBlocks < 0) {
            throw new IllegalArgumentException(name + ": cannot shrink (extend by " + extraBlocks + " blocks)");
        }
        if (extraBlocks == 0) {
            return;
        }
        long old = nrBlocks;
        long now = Math.addExact(old, extraBlocks);
        long need = BitmapBlock.bitmapsFor(now);
        if (need > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(name + ": " + now + " blocks need more bitmaps than an index holds");
        }
        while (bitmaps.size() < need) {
            bitmaps.add(BitmapBlock.newWords());
        }
        // the old partial last bitmap gets new index hints; every new bitmap must be written
        dirtyBitmaps.add(BitmapBlock.bitmapIndex(old), need);
        nrBlocks = now;
        allocatable.addRange(old, now);
        thresholds.check(allocatable.size());
    }

    /** Ends the transaction in memory: blocks freed in it become allocatable. */
    void commitCounts() {
        changesSinceOptimize += newThisTxn.size() + freedThisTxn.size();
        allocatable.addAll(freedThisTxn);
        freedThisTxn.clear();
        newThisTxn.clear();
        dirtyBitmaps.clear();
        lastDirtyBitmap = -1;
        // Random allocation fragments run containers (made by extend and by runOptimize), whose
        // updates cost O(runs): re-choose the container kinds once enough changed, which amortises
        // the O(containers) pass to a few nanoseconds per change.
        if (changesSinceOptimize > Math.max(OPTIMIZE_MIN_CHANGES, nrBlocks / OPTIMIZE_BLOCKS_PER_CHANGE)) {
            allocatable.optimize();
            changesSinceOptimize = 0;
        }
        thresholds.check(allocatable.size());
    }

    /**
     * Installs the bitmaps read at open: masks entries past the end, recounts {@code nr_allocated},
     * builds the allocatable set, and checks that the overflow tree holds exactly the blocks whose
     * bitmap value is 3 (and each with a count ≥ 3).
     *
     * @param overflowRoot for messages: where the overflow tree lives
     */
    void loadCounts(List<long[]> loaded, long overflowRoot) {
        bitmaps.clear();
        BlockSet.Builder free = new BlockSet.Builder();
        long allocated = 0;
        long overflowEntries = 0;
        for (int i = 0; i < loaded.size(); i++) {
            long[] words = loaded.get(i);
            int limit = BitmapBlock.entriesInUse(i, nrBlocks);
            BitmapBlock.clearFrom(words, limit);
            long base = (long) i * BitmapBlock.ENTRIES_PER_BITMAP;
            BitmapBlock.forEachFreeRun(words, limit, (from, to) -> free.addRange(base + from, base + to));
            allocated += BitmapBlock.countNonZero(words, limit);
            overflowEntries += BitmapBlock.countOverflow(words, limit);
            bitmaps.add(words);
        }
        allocatable = free.build();
        allocatable.optimize();
        nrAllocated = allocated;
        long[] stored = {0};
        overflow.forEachStored((block, count) -> {
            if (block < 0 || block >= nrBlocks) {
                throw new CorruptMetadataException(BlockType.BTREE_NODE, overflowRoot, name
                        + " overflow tree: entry for block " + block + " is past the end (" + nrBlocks + " blocks)");
            }
            int small = BitmapBlock.get(words(block), BitmapBlock.entryOf(block));
            if (small != BitmapBlock.OVERFLOW || count < BitmapBlock.OVERFLOW) {
                throw new CorruptMetadataException(BlockType.BTREE_NODE, overflowRoot, name
                        + " overflow tree: block " + block + " has count " + count + " in the tree but "
                        + small + " in its bitmap (a tree entry needs bitmap value 3 and a count of at least 3)");
            }
            stored[0]++;
        });
        if (stored[0] != overflowEntries) {
            throw new CorruptMetadataException(BlockType.BTREE_NODE, overflowRoot, name
                    + ": " + overflowEntries + " bitmap entries say \"count ≥ 3\" but the overflow tree holds "
                    + stored[0] + " counts");
        }
    }

    /** Free entries of bitmap {@code i} below the map's end (the {@code nr_free} hint we write). */
    long nrFreeIn(int i) {
        int limit = BitmapBlock.entriesInUse(i, nrBlocks);
        return limit - BitmapBlock.countNonZero(bitmaps.get(i), limit);
    }

    /** The index entry describing bitmap {@code i} once it is stored at {@code location}. */
    IndexEntry indexEntry(int i, long location) {
        int limit = BitmapBlock.entriesInUse(i, nrBlocks);
        long[] words = bitmaps.get(i);
        return new IndexEntry(location, limit - BitmapBlock.countNonZero(words, limit),
                BitmapBlock.firstFree(words, 0, limit));
    }

    /**
     * Registers a low-water mark: {@code callback} runs when {@link #nrFree()} falls to or below
     * {@code freeBlocksMark}, once per crossing (re-armed when free space rises above the mark).
     * If free space is already at or below the mark, it runs now. The callback must not change the
     * map. Close the returned handle to unregister.
     */
    public SpaceMapThreshold addThreshold(long freeBlocksMark, Runnable callback) {
        return thresholds.add(freeBlocksMark, callback, allocatable.size());
    }

    /**
     * Heap bytes of the in-memory structures (bitmap words, Roaring sets, overflow overlay), an
     * estimate from array sizes and Roaring's own accounting. Excludes the block cache.
     */
    public long inMemoryBytes() {
        long words = (long) bitmaps.size() * (16 + 8L * BitmapBlock.WORDS) + 16 + 8L * bitmaps.size();
        return words + allocatable.sizeInBytes() + newThisTxn.sizeInBytes() + freedThisTxn.sizeInBytes()
                + dirtyBitmaps.getLongSizeInBytes() + overflow.dirtyBytes();
    }

    /** The root as of the last commit (or open); see the subclasses for when to call it. */
    public abstract SpaceMapRoot root();

    @Override
    public String toString() {
        return name + "[" + nrBlocks + " blocks, " + nrAllocated + " allocated, " + nrFree() + " free, "
                + freedThisTxn.size() + " freed this transaction]";
    }
}
