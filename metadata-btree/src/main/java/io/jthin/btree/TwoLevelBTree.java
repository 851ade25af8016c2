package io.jthin.btree;

/**
 * dm-thin's mapping tree (dm-thin-format §4.3, §4.5): a top-level tree from key1 (thin device id)
 * to the root of a bottom-level tree from key2 (virtual block) to a value.
 *
 * <p>Owns: the "subtree root" value type of the top level — copying a shared top-level leaf
 * increments the metadata count of each subtree root it lists; dropping a top-level value
 * deletes (one reference to) that subtree — and the operations that go through both levels.
 *
 * <p>Invariants: a two-level edit shadows the top-level path to key1 first (so sharing created by
 * a copied top-level leaf reaches the bottom root before the bottom tree is touched), then edits
 * the bottom tree, then writes the bottom tree's new root into the top-level leaf in place — with
 * no inc/dec, since shadowing the bottom root already moved its reference. An edit that changes
 * nothing (absent key1 on remove, absent key2) leaves the root as it was. key1 is never created
 * here: devices are created explicitly ({@code top().insert(root, dev, bottom().createEmpty())}).
 *
 * <p>Not thread-safe for mutation (see {@link BTree}).
 *
 * @param <V> the bottom-level value type
 */
public final class TwoLevelBTree<V> {
    private final TransactionManager tm;
    private final BTree<V> bottom;
    private final BTree<Long> top;

    public TwoLevelBTree(TransactionManager tm, ValueType<V> leafValueType) {
        this.tm = tm;
        this.bottom = new BTree<>(tm, leafValueType);
        this.top = new BTree<>(tm, new SubtreeRoot());
    }

    /** The top-level value: a u64 block number of a bottom-level root, counted as a metadata reference. */
    private final class SubtreeRoot implements ValueType<Long> {
        @Override
        public int size() {
            return 8;
        }

        @Override
        public Long read(ReadBlock b, int offset) {
            return b.getLong(offset);
        }

        @Override
        public void write(WriteBlock b, int offset, Long value) {
            b.putLong(offset, value);
        }

        @Override
        public void inc(Long subtreeRoot) {
            tm.inc(subtreeRoot);
        }

        @Override
        public void dec(Long subtreeRoot) {
            bottom.delete(subtreeRoot);
        }

        @Override
        public String toString() {
            return "subtree root";
        }
    }

    /** The top level: key1 → bottom-level root. */
    public BTree<Long> top() {
        return top;
    }

    /** The bottom level (one tree per key1; all share this value type). */
    public BTree<V> bottom() {
        return bottom;
    }

    public V lookup(long root, long k1, long k2) {
        Long subtree = top.lookup(root, k1);
        return subtree == null ? null : bottom.lookup(subtree, k2);
    }

    /**
     * Inserts or overwrites (k1, k2) → value (value references as in {@link BTree#insert}).
     *
     * @throws IllegalArgumentException when k1 has no bottom-level tree
     */
    public BTree.Insert insert(long root, long k1, long k2, V value) {
        if (top.lookup(root, k1) == null) {
            throw new IllegalArgumentException("no bottom-level tree for key " + k1 + " (create it first)");
        }
        BTree.LeafSlot slot = top.shadowPath(root, k1);
        BTree.Insert r = bottom.insert(subtreeRoot(slot), k2, value);
        patch(slot, r.root());
        return new BTree.Insert(slot.root(), r.added());
    }

    /** Removes (k1, k2); when absent (either key) returns the same root and a null value. */
    public BTree.Remove<V> remove(long root, long k1, long k2) {
        Long subtree = top.lookup(root, k1);
        if (subtree == null || bottom.lookup(subtree, k2) == null) {
            return new BTree.Remove<>(root, null);
        }
        BTree.LeafSlot slot = top.shadowPath(root, k1);
        BTree.Remove<V> r = bottom.remove(subtreeRoot(slot), k2);
        patch(slot, r.root());
        return new BTree.Remove<>(slot.root(), r.removed());
    }

    /** Removes every (k1, k2) with k2 in [begin, end); when there is none returns the same root. */
    public BTree.RemoveRange removeRange(long root, long k1, long begin, long end) {
        Long subtree = top.lookup(root, k1);
        if (subtree == null || begin >= end) {
            return new BTree.RemoveRange(root, 0);
        }
        BTree.Entry<V> first = bottom.lookupGe(subtree, begin);
        if (first == null || first.key() >= end) {
            return new BTree.RemoveRange(root, 0);
        }
        BTree.LeafSlot slot = top.shadowPath(root, k1);
        BTree.RemoveRange r = bottom.removeRange(subtreeRoot(slot), begin, end);
        patch(slot, r.root());
        return new BTree.RemoveRange(slot.root(), r.removed());
    }

    private static long subtreeRoot(BTree.LeafSlot slot) {
        return slot.leaf().getLong(slot.valueOffset());
    }

    private static void patch(BTree.LeafSlot slot, long newSubtreeRoot) {
        slot.leaf().putLong(slot.valueOffset(), newSubtreeRoot);
    }
}
