package io.jthin.engine.tools;

import io.jthin.btree.BlockType;
import io.jthin.btree.MetadataBlock;
import io.jthin.btree.NodeHeader;
import io.jthin.btree.ReadBlock;
import io.jthin.btree.TransactionManager;
import io.jthin.loopfile.StorageException;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;

/**
 * The checker's B-tree walk: visits every node of a tree once, whatever number of parents share it,
 * checking each node as {@code thin_check} does (dm-thin-format §4.8: checksum and block number,
 * flags, value size, capacity, fill of non-root nodes, key order, keys within the bounds the parent
 * gives, leaves all at one depth) and counting the metadata references it meets (§5.6: a node
 * gains one reference per parent edge; its children are counted once, on the first visit).
 *
 * <p>Owns the memo of visited nodes (tree kind, height, entries below) so that shared subtrees are
 * walked once and a block reached as two kinds of node is reported. Leaf values are handed to a
 * {@link Leaves} callback on the first visit only. Problems go to the {@link CheckReport}; a broken
 * node is reported once and its subtree skipped. Reads each node into one of a few reused buffers
 * rather than a new one. Not thread-safe.
 */
final class CheckTreeWalker {
    /** Deeper than any valid tree (fan-out ≥ 42 over 2^64 keys): a cycle. */
    private static final int MAX_DEPTH = 24;

    /** The trees of the format and their leaf value sizes (§4.3). */
    enum Tree {
        DETAILS("device details tree", 24), TOP("top-level mapping tree", 8), BOTTOM("mapping tree", 8),
        INDEX("data space map index tree", 16), OVERFLOW("reference count overflow tree", 4);

        final String label;
        final int leafValueSize;

        Tree(String label, int leafValueSize) {
            this.label = label;
            this.leafValueSize = leafValueSize;
        }
    }

    /** Receives each leaf's entries once. */
    @FunctionalInterface
    interface Leaves {
        /**
         * Entry i (of {@code n}) has key {@code keys[i]} and its value at offset {@code valuesStart + i ×
         * valueSize} of {@code b}. {@code b} and {@code keys} are the walker's buffers: valid only during the call.
         */
        void leaf(long nr, ReadBlock b, long[] keys, int n, int valuesStart, int valueSize);
    }

    /** What lies below a node: its height (0 = leaf) and entries in its leaves; null = broken. */
    record Summary(int height, long entries) {
    }

    private record Seen(Tree tree, Summary summary, boolean inProgress) {
    }

    private final TransactionManager tm;
    private final RefCounts expectedMetadata;
    private final CheckReport report;
    private final Map<Long, Seen> seen = new HashMap<>();
    /**
     * Read buffers for the nodes being checked, one per level of the current descent: a node holds
     * its buffer until its children and its leaf callback are done (callbacks use the block only
     * while they run), then gives it back for the next node.
     */
    private final ArrayDeque<Frame> frames = new ArrayDeque<>();

    /** One level's buffers: the node's block and its keys. */
    private static final class Frame {
        final MetadataBlock block = MetadataBlock.scratch();
        long[] keys = new long[0];

        long[] keys(int n) {
            if (keys.length < n) {
                keys = new long[Math.max(n, 256)];
            }
            return keys;
        }
    }
    /** Whether some node could not be walked (its subtree's references are then unknown). */
    private boolean skipped;

    CheckTreeWalker(TransactionManager tm, RefCounts expectedMetadata, CheckReport report) {
        this.tm = tm;
        this.expectedMetadata = expectedMetadata;
        this.report = report;
    }

    /**
     * Walks the tree at {@code root}.
     *
     * @param countRef whether this reference to the root is counted here (false when the referring
     *                 leaf already counted it)
     * @return the root's summary, or null when the root is unreadable
     */
    Summary walk(long root, Tree tree, String what, boolean countRef, Leaves leaves) {
        return visit(root, tree, what, countRef, true, 0, 0, false, 0, leaves);
    }

    /**
     * Hands every leaf of a tree that {@link #walk} found sound to {@code leaves} again, shared
     * leaves included (no counting, no checks): how a tree shared with the metadata snapshot is read
     * for both owners.
     */
    void entries(long root, Leaves leaves) {
        entries(root, 0, leaves);
    }

    private void entries(long nr, int depth, Leaves leaves) {
        if (depth > MAX_DEPTH) {
            return;
        }
        ReadBlock b = tm.read(nr, BlockType.BTREE_NODE);
        int n = NodeHeader.nrEntries(b);
        int valuesStart = NodeHeader.valuesStart(NodeHeader.maxEntries(b));
        long[] keys = new long[n];
        b.getLongs(NodeHeader.KEYS, keys, 0, n);
        if (NodeHeader.isLeaf(b)) {
            leaves.leaf(nr, b, keys, n, valuesStart, NodeHeader.valueSize(b));
            return;
        }
        for (int i = 0; i < n; i++) {
            entries(b.getLong(valuesStart + NodeHeader.INTERNAL_VALUE_SIZE * i), depth + 1, leaves);
        }
    }

    /** True when some subtree was unreadable or unusable, so the recounted references are incomplete. */
    boolean skippedSomething() {
        return skipped;
    }

    /** Counts one reference to a metadata block that is not a tree node (bitmap, index, superblock copy). */
    boolean reference(long nr, String what) {
        return reference(nr, what, "");
    }

    /** {@link #reference(long, String)} of "{@code what}{@code suffix}", joined only for a report. */
    private boolean reference(long nr, String what, String suffix) {
        if (!expectedMetadata.contains(nr)) {
            report.error("bounds", what + suffix + " is at block " + nr + ", past the end of the metadata ("
                    + expectedMetadata.size() + " blocks)");
            return false;
        }
        expectedMetadata.inc(nr);
        return true;
    }

    private Summary visit(long nr, Tree tree, String what, boolean countRef, boolean isRoot, int depth, long lo,
            boolean hasHi, long hi, Leaves leaves) {
        if (countRef && !reference(nr, what, " node")) {
            return null;
        }
        if (nr == 0) {
            report.error("structure", what + ": a node is at block 0, the superblock");
            return null;
        }
        Seen prior = seen.get(nr);
        if (prior != null) {
            if (prior.inProgress()) {
                report.error("structure", what + ": block " + nr + " is its own ancestor (a cycle)");
                return null;
            }
            if (prior.tree() != tree) {
                report.error("structure", what + ": block " + nr + " is also a node of a " + prior.tree().label);
                return null;
            }
            return prior.summary();
        }
        if (depth > MAX_DEPTH) {
            report.error("structure", what + ": deeper than " + MAX_DEPTH + " levels at block " + nr);
            return null;
        }
        seen.put(nr, new Seen(tree, null, true));
        Summary s = null;
        try {
            s = check(nr, tree, what, isRoot, depth, lo, hasHi, hi, leaves);
            skipped |= s == null;
        } finally {
            seen.put(nr, new Seen(tree, s, false));
        }
        return s;
    }

    /** How a problem names node {@code nr} (built only for a report: a walk of 1 M mappings meets 8,000 nodes). */
    private static String at(String what, long nr) {
        return what + " node " + nr;
    }

    private Summary check(long nr, Tree tree, String what, boolean isRoot, int depth, long lo, boolean hasHi,
            long hi, Leaves leaves) {
        Frame frame = frames.isEmpty() ? new Frame() : frames.pop();
        try {
            return check(nr, tree, what, isRoot, depth, lo, hasHi, hi, leaves, frame);
        } finally {
            frames.push(frame); // the node, its children and its leaf callback are done with it
        }
    }

    private Summary check(long nr, Tree tree, String what, boolean isRoot, int depth, long lo, boolean hasHi,
            long hi, Leaves leaves, Frame frame) {
        ReadBlock b;
        try {
            b = tm.readOnce(nr, BlockType.BTREE_NODE, frame.block); // each node is visited once (the memo above)
        } catch (StorageException e) {
            report.error("block", what + ": " + e.getMessage());
            return null;
        }
        int flags = NodeHeader.flags(b);
        boolean leaf = flags == NodeHeader.LEAF_NODE;
        if (!leaf && flags != NodeHeader.INTERNAL_NODE) {
            report.error("structure", at(what, nr) + ": flags " + Integer.toUnsignedString(flags)
                    + " are neither INTERNAL (1) nor LEAF (2)");
            return null;
        }
        int valueSize = NodeHeader.valueSize(b);
        int expectedSize = leaf ? tree.leafValueSize : NodeHeader.INTERNAL_VALUE_SIZE;
        if (valueSize != expectedSize) {
            report.error("structure", at(what, nr) + ": value size mismatch: " + Integer.toUnsignedString(valueSize)
                    + ", expected " + expectedSize);
            return null;
        }
        int max = NodeHeader.maxEntries(b);
        if (max <= 0 || max % 3 != 0 || (long) (8 + valueSize) * max + NodeHeader.KEYS > 4096) {
            report.error("structure", at(what, nr) + ": max_entries " + Integer.toUnsignedString(max)
                    + " is not a multiple of 3 that fits the block");
            return null;
        }
        int n = NodeHeader.nrEntries(b);
        if (n < 0 || n > max) {
            report.error("structure", at(what, nr) + ": nr_entries " + Integer.toUnsignedString(n) + " exceeds max_entries " + max);
            return null;
        }
        if (!leaf && n == 0) {
            report.error("structure", at(what, nr) + ": internal node without entries");
            return null;
        }
        if (!isRoot && n < max / 3) {
            report.error("structure", at(what, nr) + ": too few entries: " + n + ", expected at least " + max / 3);
        }
        long[] keys = frame.keys(n);
        b.getLongs(NodeHeader.KEYS, keys, 0, n);
        for (int i = 1; i < n; i++) {
            if (Long.compareUnsigned(keys[i], keys[i - 1]) <= 0) {
                report.error("structure", at(what, nr) + ": keys are out of order (" + Long.toUnsignedString(keys[i - 1])
                        + " then " + Long.toUnsignedString(keys[i]) + ")");
                return null;
            }
        }
        if (n > 0 && Long.compareUnsigned(keys[0], lo) < 0) {
            report.error("structure", at(what, nr) + ": first key " + Long.toUnsignedString(keys[0])
                    + " is below its parent's key " + Long.toUnsignedString(lo));
        }
        if (n > 0 && hasHi && Long.compareUnsigned(keys[n - 1], hi) >= 0) {
            report.error("structure", at(what, nr) + ": last key " + Long.toUnsignedString(keys[n - 1])
                    + " is not below the next parent key " + Long.toUnsignedString(hi));
        }
        int valuesStart = NodeHeader.valuesStart(max);
        if (leaf) {
            leaves.leaf(nr, b, keys, n, valuesStart, valueSize);
            return new Summary(0, n);
        }
        int height = -1;
        long entries = 0;
        boolean ok = true;
        for (int i = 0; i < n; i++) {
            long child = b.getLong(valuesStart + NodeHeader.INTERNAL_VALUE_SIZE * i);
            boolean last = i + 1 == n;
            Summary c = visit(child, tree, what, true, false, depth + 1, keys[i], !last || hasHi,
                    last ? hi : keys[i + 1], leaves);
            if (c == null) {
                ok = false;
                continue;
            }
            if (height >= 0 && c.height() != height) {
                report.error("structure", at(what, nr) + ": its children's leaves lie at different depths");
                ok = false;
            }
            height = Math.max(height, c.height());
            entries += c.entries();
        }
        return ok ? new Summary(height + 1, entries) : null;
    }
}
