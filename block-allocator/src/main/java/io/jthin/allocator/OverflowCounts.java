package io.jthin.allocator;

import io.jthin.btree.BTree;
import io.jthin.btree.BlockType;
import io.jthin.btree.CorruptMetadataException;
import io.jthin.btree.TransactionManager;
import io.jthin.btree.ValueType;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * The reference counts of 3 or more of one space map (dm-thin-format §5.1, §4.3): the overflow
 * ref-count B-tree (key = block number, value = u32 count, value_size 4) plus an in-memory overlay
 * of this transaction's changes. Owns the tree's root.
 *
 * <p>Invariants: during a transaction the tree is not modified (so changing a count never
 * allocates: no recursion into the metadata space map); {@code dirty} holds the transaction's
 * changes ({@link #ABSENT} = entry to remove) and wins over the tree. {@link #flush()} applies the
 * overlay to the tree at commit; the B-tree's node shadows then go through the transaction
 * manager into the metadata space map, which only records them in memory. After a flush that
 * returned, {@code dirty} is empty unless the flush itself changed counts of 3 or more (it does
 * not: new nodes get count 1, replaced nodes drop to 0), so callers loop until {@link #isClean()}.
 *
 * <p>Not thread-safe (the owning space map's lock).
 */
final class OverflowCounts {
    /** Overlay value meaning "no entry in the tree". */
    private static final long ABSENT = 0;

    private final BTree<Integer> tree;
    private final String owner;
    private long root;
    private Map<Long, Long> dirty = new HashMap<>();
    /** The batch {@link #flush()} is applying: still newer than the tree for {@link #get}. */
    private Map<Long, Long> inFlight = Map.of();

    /** Visits one stored count. */
    @FunctionalInterface
    interface CountVisitor {
        void visit(long block, long count);
    }

    OverflowCounts(TransactionManager tm, long root, String owner) {
        this.tree = new BTree<>(tm, ValueType.u32());
        this.root = root;
        this.owner = owner;
    }

    /** A new, empty overflow tree (one empty leaf, allocated now). */
    static OverflowCounts create(TransactionManager tm, String owner) {
        OverflowCounts o = new OverflowCounts(tm, 0, owner);
        o.root = o.tree.createEmpty();
        return o;
    }

    long root() {
        return root;
    }

    /** The count of a block whose bitmap value is 3. */
    long get(long block) {
        Long v = dirty.get(block);
        if (v == null) {
            v = inFlight.get(block);
        }
        if (v != null) {
            if (v == ABSENT) {
                throw new IllegalStateException(owner + ": block " + block + " has bitmap value 3 but its overflow count was removed");
            }
            return v;
        }
        Integer c = tree.lookup(root, block);
        if (c == null) {
            throw new CorruptMetadataException(BlockType.BTREE_NODE, root, owner + " overflow tree: no count for block "
                    + block + " although its bitmap entry says 3 or more");
        }
        return Integer.toUnsignedLong(c);
    }

    void put(long block, long count) {
        dirty.put(block, count);
    }

    void remove(long block) {
        dirty.put(block, ABSENT);
    }

    boolean isClean() {
        return dirty.isEmpty();
    }

    /**
     * Applies the overlay to the tree (in block order, deterministic). Returns true if the tree changed.
     * Counts changed by the flush itself land in a fresh overlay; loop until {@link #isClean()}.
     */
    boolean flush() {
        boolean changed = false;
        while (!dirty.isEmpty()) {
            TreeMap<Long, Long> batch = new TreeMap<>(dirty);
            dirty = new HashMap<>();
            inFlight = batch;
            for (Map.Entry<Long, Long> e : batch.entrySet()) {
                long block = e.getKey();
                long count = e.getValue();
                Integer stored = tree.lookup(root, block);
                if (count == ABSENT) {
                    if (stored != null) {
                        root = tree.remove(root, block).root();
                        changed = true;
                    }
                } else if (stored == null || Integer.toUnsignedLong(stored) != count) {
                    root = tree.insert(root, block, (int) count).root();
                    changed = true;
                }
            }
            inFlight = Map.of();
        }
        return changed;
    }

    /** Visits the counts stored in the tree (not the overlay), in block order. */
    void forEachStored(CountVisitor visitor) {
        tree.forEach(root, 0, Long.MAX_VALUE, (k, v) -> {
            visitor.visit(k, Integer.toUnsignedLong(v));
            return true;
        });
    }

    /** Approximate heap bytes of the overlay. */
    long dirtyBytes() {
        return 64L * dirty.size();
    }
}
