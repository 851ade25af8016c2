package io.jthin.engine.tools;

import io.jthin.allocator.BitmapBlock;
import io.jthin.allocator.IndexEntry;
import io.jthin.allocator.MetadataIndexBlock;
import io.jthin.allocator.SpaceMapRoot;
import io.jthin.btree.BlockType;
import io.jthin.btree.TransactionManager;
import io.jthin.loopfile.StorageException;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * The checker's view of one space map as written (dm-thin-format §5): its index (the metadata
 * map's single index block, or the data map's index B-tree), its bitmaps and its overflow tree,
 * read without trusting any of them, every block they occupy counted as a metadata reference
 * (§5.6). {@link #compare} then holds the on-disk counts against the counts the walk expects and
 * checks the figures derived from them: {@code nr_allocated}, and the index hints {@code nr_free}
 * and {@code none_free_before} (§5.3), which the kernel's allocator trusts.
 *
 * <p>Severity: the data map's figures must be exact. The metadata map's {@code nr_allocated} may be
 * higher than the recount, and its hints may be off (at worst a metadata block stays unused): 0.9.0
 * {@code thin_restore} frees a scratch block after writing the superblock (§5.3) — warnings.
 * Not thread-safe.
 */
final class SpaceMapCheck {
    /** A bitmap word whose 32 entries all hold count 1. */
    private static final long WORD_OF_ONES = BitmapBlock.uniformWord(1);

    private final String name;
    private final boolean metadata;
    private final SpaceMapRoot root;
    private final long[] bitmapLocations;
    private final IndexEntry[] entries;
    private final Map<Long, Long> overflow = new HashMap<>();
    private boolean sound = true;

    private SpaceMapCheck(String name, boolean metadata, SpaceMapRoot root, int nrBitmaps) {
        this.name = name;
        this.metadata = metadata;
        this.root = root;
        this.bitmapLocations = new long[nrBitmaps];
        this.entries = new IndexEntry[nrBitmaps];
    }

    /** Whether the map could be read well enough to compare its counts. */
    boolean sound() {
        return sound;
    }

    SpaceMapRoot root() {
        return root;
    }

    /** Reads the metadata space map (single index block). */
    static SpaceMapCheck readMetadata(TransactionManager tm, SpaceMapRoot root, CheckTreeWalker walker,
            CheckReport report) {
        long nrBitmaps = BitmapBlock.bitmapsFor(root.nrBlocks());
        SpaceMapCheck m = new SpaceMapCheck("metadata space map", true, root,
                (int) Math.min(nrBitmaps, MetadataIndexBlock.MAX_ENTRIES));
        if (nrBitmaps > MetadataIndexBlock.MAX_ENTRIES) {
            report.error("space map", "metadata space map: " + nrBitmaps + " bitmaps do not fit one index block");
            m.sound = false;
            return m;
        }
        if (!walker.reference(root.bitmapRoot(), "metadata space map index block")) {
            m.sound = false;
            return m;
        }
        try {
            IndexEntry[] e = MetadataIndexBlock.decode(tm.read(root.bitmapRoot(), BlockType.INDEX), (int) nrBitmaps);
            System.arraycopy(e, 0, m.entries, 0, e.length);
        } catch (StorageException | IllegalArgumentException e) {
            report.error("block", "metadata space map index block: " + e.getMessage());
            m.sound = false;
            return m;
        }
        m.readBitmaps(tm, walker, report);
        m.readOverflow(root.refCountRoot(), walker, report);
        return m;
    }

    /** Reads the data space map (index B-tree). */
    static SpaceMapCheck readData(TransactionManager tm, SpaceMapRoot root, CheckTreeWalker walker, CheckReport report) {
        long nrBitmaps = BitmapBlock.bitmapsFor(root.nrBlocks());
        if (nrBitmaps > Integer.MAX_VALUE - 16) {
            report.error("space map", "data space map: nr_blocks " + root.nrBlocks() + " is beyond what can be checked");
            SpaceMapCheck m = new SpaceMapCheck("data space map", false, root, 0);
            m.sound = false;
            return m;
        }
        SpaceMapCheck m = new SpaceMapCheck("data space map", false, root, (int) nrBitmaps);
        TreeMap<Long, IndexEntry> index = new TreeMap<>();
        var s = walker.walk(root.bitmapRoot(), CheckTreeWalker.Tree.INDEX, "data space map index tree", true,
                (nr, b, keys, n, start, size) -> {
                    for (int i = 0; i < n; i++) {
                        try {
                            index.put(keys[i], IndexEntry.decode(b, start + size * i));
                        } catch (IllegalArgumentException e) {
                            report.error("space map", "data space map index leaf " + nr + ": " + e.getMessage());
                        }
                    }
                });
        if (s == null) {
            m.sound = false;
        }
        long expect = 0;
        for (var e : index.entrySet()) {
            if (e.getKey() != expect || e.getKey() >= nrBitmaps) {
                report.error("space map", "data space map index lists bitmap " + e.getKey() + " where bitmap " + expect
                        + " was expected (" + nrBitmaps + " bitmaps for " + root.nrBlocks() + " blocks)");
                m.sound = false;
                break;
            }
            m.entries[(int) expect] = e.getValue();
            expect++;
        }
        if (m.sound && expect != nrBitmaps) {
            report.error("space map", "data space map index lists " + expect + " bitmaps, nr_blocks "
                    + root.nrBlocks() + " needs " + nrBitmaps);
            m.sound = false;
        }
        if (m.sound) {
            m.readBitmaps(tm, walker, report);
        }
        m.readOverflow(root.refCountRoot(), walker, report);
        return m;
    }

    private void readBitmaps(TransactionManager tm, CheckTreeWalker walker, CheckReport report) {
        for (int i = 0; i < entries.length; i++) {
            long loc = entries[i].blocknr();
            if (!walker.reference(loc, name + " bitmap " + i) || loc == 0) {
                sound = false;
                continue;
            }
            try {
                tm.read(loc, BlockType.BITMAP);
                bitmapLocations[i] = loc;
            } catch (StorageException e) {
                report.error("block", name + " bitmap " + i + ": " + e.getMessage());
                sound = false;
            }
        }
    }

    private void readOverflow(long overflowRoot, CheckTreeWalker walker, CheckReport report) {
        var s = walker.walk(overflowRoot, CheckTreeWalker.Tree.OVERFLOW, name + " overflow tree", true,
                (nr, b, keys, n, start, size) -> {
                    for (int i = 0; i < n; i++) {
                        overflow.put(keys[i], b.getUnsignedInt(start + size * i));
                    }
                });
        if (s == null) {
            sound = false;
        }
    }

    /**
     * Compares every count with {@code expected} and checks {@code nr_allocated}, {@code nr_free}
     * and {@code none_free_before}.
     *
     * @param unit "metadata block" or "data block", for messages
     * @param leaksAreWarnings report a count above the expected one (a leak) as a warning, not an error
     * @return blocks in use according to the bitmaps
     */
    long compare(TransactionManager tm, RefCounts expected, String unit, boolean leaksAreWarnings, CheckReport report) {
        long nrBlocks = root.nrBlocks();
        long used = 0;
        String kind = metadata ? "metadata count" : "data count";
        for (int i = 0; i < bitmapLocations.length; i++) {
            long[] words = BitmapBlock.decode(tm.read(bitmapLocations[i], BlockType.BITMAP));
            int inUse = BitmapBlock.entriesInUse(i, nrBlocks);
            long first = (long) i * BitmapBlock.ENTRIES_PER_BITMAP;
            int nonZero = 0;
            for (int e = 0; e < inUse; e++) {
                if ((e & (BitmapBlock.ENTRIES_PER_WORD - 1)) == 0 && e + BitmapBlock.ENTRIES_PER_WORD <= inUse) {
                    // Fast path, a word of 32 entries at once: all 0 or all 1 on disk and the same
                    // expected for all 32 (every block of a full pool, say) is one compare each.
                    long w = words[e / BitmapBlock.ENTRIES_PER_WORD];
                    int uniform = w == 0 ? 0 : w == WORD_OF_ONES ? 1 : -1;
                    if (uniform >= 0 && expected.allEqual(first + e, BitmapBlock.ENTRIES_PER_WORD, uniform)) {
                        nonZero += uniform * BitmapBlock.ENTRIES_PER_WORD;
                        e += BitmapBlock.ENTRIES_PER_WORD - 1;
                        continue;
                    }
                }
                long b = first + e;
                int small = BitmapBlock.get(words, e);
                long onDisk = small;
                if (small == BitmapBlock.OVERFLOW) {
                    Long big = overflow.get(b);
                    if (big == null || big < BitmapBlock.OVERFLOW) {
                        report.error("space map", name + ": " + unit + " " + b + " has bitmap value 3 but the overflow"
                                + " tree holds " + (big == null ? "no count" : "count " + big));
                        onDisk = big == null ? BitmapBlock.OVERFLOW : big;
                    } else {
                        onDisk = big;
                    }
                }
                if (onDisk != 0) {
                    nonZero++;
                }
                long want = expected.contains(b) ? expected.get(b) : 0;
                if (onDisk > want) {
                    report.leak(new CheckReport.Leak(metadata, b, onDisk, want));
                    String m = unit + " " + b + ": reference count is " + onDisk + ", expected " + want + " (leaked)";
                    if (leaksAreWarnings) {
                        report.warning(metadata ? "metadata leak" : "data leak", m + ", non-fatal");
                    } else {
                        report.error(kind, m);
                    }
                } else if (onDisk < want) {
                    report.error(kind, unit + " " + b + ": reference count is " + onDisk + ", expected " + want
                            + " (references missing: it may be handed out while in use)");
                }
            }
            used += nonZero;
            checkHints(i, words, inUse, nonZero, report);
        }
        for (var e : overflow.entrySet()) {
            long b = e.getKey();
            boolean inRange = b >= 0 && b < nrBlocks && BitmapBlock.bitmapIndex(b) < bitmapLocations.length;
            if (!inRange || e.getValue() < BitmapBlock.OVERFLOW) {
                report.error("space map", name + " overflow tree: " + unit + " " + b + " has count " + e.getValue()
                        + (inRange ? " (counts below 3 belong in the bitmap)" : " (past the end of the map)"));
            } else {
                long[] words = BitmapBlock.decode(tm.read(bitmapLocations[(int) BitmapBlock.bitmapIndex(b)],
                        BlockType.BITMAP));
                if (BitmapBlock.get(words, BitmapBlock.entryOf(b)) != BitmapBlock.OVERFLOW) {
                    report.error("space map", name + " overflow tree: " + unit + " " + b + " has count " + e.getValue()
                            + " but its bitmap value is not 3");
                }
            }
        }
        if (root.nrAllocated() != used) {
            String m = name + ": nr_allocated is " + root.nrAllocated() + " but " + used + " blocks are in use";
            if (metadata && root.nrAllocated() > used) {
                report.warning("space map", m + " (harmless over-count, as 0.9.0 thin_restore leaves it)");
            } else {
                report.error("space map", m);
            }
        }
        return used;
    }

    /** §5.3: nr_free must be the bitmap's free entries (the kernel counts a last partial bitmap as full); none_free_before ≤ the first free entry. */
    private void checkHints(int i, long[] words, int inUse, int nonZero, CheckReport report) {
        IndexEntry e = entries[i];
        long free = inUse - nonZero;
        boolean last = i == entries.length - 1;
        boolean nrFreeOk = e.nrFree() == free || (last && e.nrFree() == BitmapBlock.ENTRIES_PER_BITMAP - nonZero);
        int firstFree = BitmapBlock.firstFree(words, 0, inUse);
        boolean noneFreeOk = e.noneFreeBefore() <= firstFree;
        if (nrFreeOk && noneFreeOk) {
            return;
        }
        String m = name + " index entry " + i + ": "
                + (nrFreeOk ? "" : "nr_free is " + e.nrFree() + " but the bitmap has " + free + " free entries")
                + (nrFreeOk || noneFreeOk ? "" : "; ")
                + (noneFreeOk ? "" : "none_free_before is " + e.noneFreeBefore() + " but entry " + firstFree
                        + " is free (the kernel would never allocate it)");
        if (metadata) {
            report.warning("space map", m + " (a hint only: at worst a block stays unused; 0.9.0 thin_restore"
                    + " leaves it so)");
        } else {
            report.error("space map", m);
        }
    }
}
