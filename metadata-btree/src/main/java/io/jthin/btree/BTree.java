package io.jthin.btree;

import io.jthin.loopfile.StorageException;

import static io.jthin.btree.BTreeNode.child;
import static io.jthin.btree.BTreeNode.key;
import static io.jthin.btree.BTreeNode.lowerBound;
import static io.jthin.btree.BTreeNode.valueOffset;

import io.jthin.loopfile.StorageException;
import java.util.Arrays;

/**
 * The persistent dm-btree (kernel dm-btree): u64 keys to fixed-size values of one {@link ValueType},
 * in nodes of the format of {@link NodeHeader}, copy-on-write through the {@link TransactionManager}.
 * A tree is named by its root block; every mutating operation returns the new root (the root moves
 * when it is shadowed) and the caller stores it.
 *
 * <p>Owns: reading nodes (header validation on every read), shadowing with inc_children, the read
 * operations (lookups, ordered visits, walks, counting) and whole-tree delete/share. Insertion
 * lives in {@link NodeSplitter}, removal in {@link Rebalancer}.
 *
 * <p>Invariants kept by every mutation (dm-thin-format §4.8): keys strictly increase within a node
 * and across leaves; key i of an internal node is a lower bound of child i's keys (≤ its first key)
 * and above every key of child i−1; every non-root node holds at least max_entries / 3 entries;
 * all leaves are at the same depth; internal nodes have value_size 8 and max_entries 252, leaves
 * {@code valueType.size()} and {@code calcMaxEntries} of it. Reference counts (§5.6, §6.2) stay
 * exact: one metadata reference per parent edge and per tree root held by a caller, one value
 * reference per (distinct leaf, entry).
 *
 * <p>Not thread-safe for mutation: the owner serialises all calls that change trees (pool metadata
 * lock). Read operations on committed roots may run concurrently with each other. A visitor must
 * not modify the tree it is visiting.
 *
 * @param <V> the value type of the leaves
 */
public final class BTree<V> {
    /** Deeper than any valid tree can be (minimum fan-out 42 over 2^64 keys); guards against cycles. */
    static final int MAX_DEPTH = 24;

    private final TransactionManager tm;
    private final ValueType<V> valueType;
    private final int leafValueSize;
    private final boolean valuesReferNothing;
    private final NodeSplitter<V> splitter;
    private final Rebalancer<V> rebalancer;

    public BTree(TransactionManager tm, ValueType<V> valueType) {
        this.tm = tm;
        this.valueType = valueType;
        this.leafValueSize = valueType.size();
        NodeHeader.calcMaxEntries(leafValueSize); // rejects a value size no node can hold
        this.valuesReferNothing = PlainValueTypes.refersToNothing(valueType);
        this.splitter = new NodeSplitter<>(this);
        this.rebalancer = new Rebalancer<>(this);
    }

    public record Entry<V>(long key, V value) {
    }

    public record Insert(long root, boolean added) {
    }

    public record Remove<V>(long root, V removed) {
    }

    public record RemoveRange(long root, long removed) {
    }

    @FunctionalInterface
    public interface EntryVisitor<V> {
        /** Returns false to stop the visit. */
        boolean visit(long key, V value);
    }

    /** An {@link EntryVisitor} of a tree with 8-byte values, given each value as its raw 64 bits (no object per entry). */
    @FunctionalInterface
    public interface RawEntryVisitor {
        /** Returns false to stop the visit. */
        boolean visit(long key, long rawValue);
    }

    /**
     * Told of each node a salvaging walk cannot read (bad checksum, header or block number, an I/O
     * error): the walk leaves that node's subtree out and goes on with the next.
     */
    @FunctionalInterface
    public interface DamagedNode {
        void skipped(long node, StorageException why);
    }

    /** One leaf entry as the range walk finds it: its key, and its value at {@code valueOffset} of {@code b}. */
    @FunctionalInterface
    private interface LeafEntry {
        boolean accept(long key, ReadBlock b, int valueOffset);
    }

    public interface NodeVisitor {
        void visit(NodeInfo node);
    }

    /**
     * One node as {@link #walk} sees it. {@code depth} is 0 at the root; {@code keys} holds the
     * nr_entries valid keys; {@code children} the child block numbers of an internal node (empty
     * for a leaf).
     */
    public record NodeInfo(long location, int depth, boolean leaf, int nrEntries, int maxEntries, int valueSize,
            long[] keys, long[] children) {
        @Override
        public String toString() {
            return (leaf ? "leaf " : "internal ") + location + " depth " + depth + " nr " + nrEntries + "/" + maxEntries
                    + " vs " + valueSize + " keys " + (nrEntries == 0 ? "[]" : "[" + keys[0] + ".." + keys[nrEntries - 1] + "]");
        }
    }

    public ValueType<V> valueType() {
        return valueType;
    }

    TransactionManager tm() {
        return tm;
    }

    // ---- nodes ------------------------------------------------------------------------------

    /** Reads node {@code nr} with its header validated against this tree. */
    ReadBlock readNode(long nr) {
        return readNode(nr, null, 0);
    }

    /**
     * {@link #readNode}; with {@code frames} (a read-once walk), through {@link TransactionManager#readOnce}
     * into the walk's buffer for {@code depth}: not cached when read from the device, and no new
     * buffer per node.
     */
    private ReadBlock readNode(long nr, MetadataBlock[] frames, int depth) {
        ReadBlock b;
        if (frames == null) {
            b = tm.read(nr, BlockType.BTREE_NODE);
        } else {
            if (frames[depth] == null) {
                frames[depth] = MetadataBlock.scratch();
            }
            b = tm.readOnce(nr, BlockType.BTREE_NODE, frames[depth]);
        }
        NodeHeader.validate(b, leafValueSize);
        return b;
    }

    /**
     * A writable version of node {@code nr} (§6.2): the node itself if it is already a shadow of
     * this transaction, else a copy; when the original was shared the copy's children (or values)
     * gain a reference. The caller stores the returned location where {@code nr} was.
     */
    WriteBlock shadowNode(long nr) {
        TransactionManager.Shadow s = tm.shadow(nr, BlockType.BTREE_NODE);
        WriteBlock b = s.block();
        NodeHeader.validate(b, leafValueSize);
        if (s.shared()) {
            incChildren(b, 0, NodeHeader.nrEntries(b));
        }
        return b;
    }

    /** A new reference to each child (internal) or value (leaf) of entries [from, to) of {@code b}. */
    void incChildren(ReadBlock b, int from, int to) {
        if (!NodeHeader.isLeaf(b)) {
            for (int i = from; i < to; i++) {
                tm.inc(child(b, i));
            }
        } else if (!valuesReferNothing) {
            for (int i = from; i < to; i++) {
                valueType.inc(valueType.read(b, valueOffset(b, i)));
            }
        }
    }

    /** A new, zeroed, writable node with an empty header of the given kind. */
    WriteBlock newNode(boolean leaf) {
        WriteBlock b = tm.newBlock(BlockType.BTREE_NODE);
        NodeHeader.init(b, leaf, leaf ? leafValueSize : NodeHeader.INTERNAL_VALUE_SIZE);
        return b;
    }

    int leafValueSize() {
        return leafValueSize;
    }

    CorruptMetadataException tooDeep(long root) {
        return new CorruptMetadataException(BlockType.BTREE_NODE, root,
                "tree is deeper than " + MAX_DEPTH + " levels (a cycle?)");
    }

    // ---- create, share, delete --------------------------------------------------------------

    /** A new empty tree: one LEAF root with no entries. Returns its location. */
    public long createEmpty() {
        return newNode(true).location();
    }

    /** A second owner of the tree at {@code root} (a snapshot): the root gains a reference. */
    public void share(long root) {
        tm.inc(root);
    }

    /**
     * Drops one reference to the tree at {@code root} (§4.7 del): a shared node only loses a count;
     * an unshared one releases its children (internal) or values (leaf, value-type dec) and is freed.
     */
    public void delete(long root) {
        long[] stack = new long[64];
        int top = 0;
        stack[top++] = root;
        while (top > 0) {
            long nr = stack[--top];
            long count = tm.refCount(nr);
            if (count == 0) {
                throw new CorruptMetadataException(BlockType.BTREE_NODE, nr,
                        "deleting a node whose reference count is already 0");
            }
            if (count > 1) {
                tm.dec(nr);
                continue;
            }
            ReadBlock b = readNode(nr);
            int n = NodeHeader.nrEntries(b);
            if (NodeHeader.isLeaf(b)) {
                if (!valuesReferNothing) {
                    for (int i = 0; i < n; i++) {
                        valueType.dec(valueType.read(b, valueOffset(b, i)));
                    }
                }
            } else {
                if (top + n > stack.length) {
                    stack = Arrays.copyOf(stack, Math.max(stack.length * 2, top + n));
                }
                for (int i = n - 1; i >= 0; i--) {
                    stack[top++] = child(b, i);
                }
            }
            tm.dec(nr);
        }
    }

    // ---- mutations --------------------------------------------------------------------------

    /**
     * Inserts or overwrites {@code key}. The value is a reference handed to the tree; an overwritten
     * value that is not {@link ValueType#equal} to the new one is dec'd. Returns the new root and
     * whether the key was added (false: overwritten).
     */
    public Insert insert(long root, long key, V value) {
        return splitter.insert(root, key, value);
    }

    /**
     * Removes {@code key}, dec'ing its value. Returns the new root and the removed value; when the
     * key is absent the value is null and the tree is unchanged (same root).
     */
    public Remove<V> remove(long root, long key) {
        return rebalancer.remove(root, key);
    }

    /** Removes every key in [begin, end), dec'ing each value. Returns the new root and how many went. */
    public RemoveRange removeRange(long root, long begin, long end) {
        return rebalancer.removeRange(root, begin, end);
    }

    /** Where a present key's value lives after its root-to-leaf path was shadowed. */
    record LeafSlot(long root, WriteBlock leaf, int index) {
        int valueOffset() {
            return BTreeNode.valueOffset(leaf, index);
        }
    }

    /**
     * Shadows the path from {@code root} to the leaf holding {@code key} without restructuring
     * anything, so the caller may patch that value in place (the two-level tree rewrites a
     * subtree root this way, with no inc/dec). Returns null when the key is absent; the path may
     * have been shadowed anyway, so callers check presence first.
     */
    LeafSlot shadowPath(long root, long key) {
        WriteBlock node = shadowNode(root);
        long newRoot = node.location();
        for (int depth = 0; depth < MAX_DEPTH; depth++) {
            int i = lowerBound(node, NodeHeader.nrEntries(node), key);
            if (NodeHeader.isLeaf(node)) {
                return i >= 0 && key(node, i) == key ? new LeafSlot(newRoot, node, i) : null;
            }
            if (i < 0) {
                return null;
            }
            WriteBlock c = shadowNode(child(node, i));
            BTreeNode.child(node, i, c.location());
            node = c;
        }
        throw tooDeep(root);
    }

    // ---- reads ------------------------------------------------------------------------------

    /** The value of {@code key}, or null when absent. */
    public V lookup(long root, long key) {
        long nr = root;
        // Bounds the parent gives for the node's keys: lowKey ≤ keys < highKey (unknown at the root).
        long lowKey = Long.MIN_VALUE;
        long highKey = Long.MIN_VALUE;
        for (int depth = 0; depth < MAX_DEPTH; depth++) {
            ReadBlock b = tm.read(nr, BlockType.BTREE_NODE);
            boolean leaf = NodeHeader.validate(b, leafValueSize);
            int n = NodeHeader.nrEntries(b);
            int i = BTreeNode.lowerBound(b, n, key, lowKey, highKey);
            if (leaf) {
                return i >= 0 && key(b, i) == key ? valueType.read(b, valueOffset(b, i)) : null;
            }
            if (i < 0) {
                return null;
            }
            lowKey = key(b, i);
            if (i + 1 < n) {
                highKey = key(b, i + 1);
            }
            nr = child(b, i);
        }
        throw tooDeep(root);
    }

    /** The entry with the largest key ≤ {@code key}, or null. */
    public Entry<V> lookupLe(long root, long key) {
        long nr = root;
        long fallback = -1;
        for (int depth = 0; depth < MAX_DEPTH; depth++) {
            ReadBlock b = readNode(nr);
            int i = lowerBound(b, NodeHeader.nrEntries(b), key);
            if (NodeHeader.isLeaf(b)) {
                if (i >= 0) {
                    return entry(b, i);
                }
                return fallback < 0 ? null : edge(fallback, false);
            }
            if (i < 0) {
                // Parent keys are lower bounds: this subtree starts above key.
                return fallback < 0 ? null : edge(fallback, false);
            }
            if (i > 0) {
                fallback = child(b, i - 1);
            }
            nr = child(b, i);
        }
        throw tooDeep(root);
    }

    /** The entry with the smallest key ≥ {@code key} (the next mapped key), or null. */
    public Entry<V> lookupGe(long root, long key) {
        long nr = root;
        long fallback = -1;
        for (int depth = 0; depth < MAX_DEPTH; depth++) {
            ReadBlock b = readNode(nr);
            int n = NodeHeader.nrEntries(b);
            int i = lowerBound(b, n, key);
            if (NodeHeader.isLeaf(b)) {
                if (i >= 0 && key(b, i) == key) {
                    return entry(b, i);
                }
                if (i + 1 < n) {
                    return entry(b, i + 1);
                }
                return fallback < 0 ? null : edge(fallback, true);
            }
            if (i < 0) {
                i = 0;
            }
            if (i + 1 < n) {
                fallback = child(b, i + 1);
            }
            nr = child(b, i);
        }
        throw tooDeep(root);
    }

    /** The first (smallest) or last (largest) entry of the non-empty subtree at {@code nr}. */
    private Entry<V> edge(long nr, boolean first) {
        for (int depth = 0; depth < MAX_DEPTH; depth++) {
            ReadBlock b = readNode(nr);
            int n = NodeHeader.nrEntries(b);
            if (NodeHeader.isLeaf(b)) {
                if (n == 0) {
                    throw NodeHeader.corrupt(b, "empty leaf below the root");
                }
                return entry(b, first ? 0 : n - 1);
            }
            nr = child(b, first ? 0 : n - 1);
        }
        throw tooDeep(nr);
    }

    private Entry<V> entry(ReadBlock b, int i) {
        return new Entry<>(key(b, i), valueType.read(b, valueOffset(b, i)));
    }

    /**
     * Visits the entries with keys in [fromKey, toKeyExclusive) in key order until the visitor
     * returns false. Returns false if it was stopped.
     */
    public boolean forEach(long root, long fromKey, long toKeyExclusive, EntryVisitor<V> visitor) {
        if (fromKey >= toKeyExclusive) {
            return true;
        }
        return forEach(root, fromKey, toKeyExclusive, entryOf(visitor), 0, null, null);
    }

    /**
     * {@link #forEach} that walks past damage (thin_dump --repair): a node that cannot be read is
     * reported to {@code damaged} and its subtree left out, and the walk goes on.
     */
    public boolean forEachSalvaging(long root, long fromKey, long toKeyExclusive, EntryVisitor<V> visitor,
            DamagedNode damaged) {
        if (fromKey >= toKeyExclusive) {
            return true;
        }
        return forEach(root, fromKey, toKeyExclusive, entryOf(visitor), 0, null, damaged);
    }

    /**
     * {@link #forEach} for a walk that reads each node once (a dump): nodes not already cached are
     * read without being cached, so the walk neither evicts the blocks worth keeping nor pays a cache
     * insertion per node.
     */
    public boolean forEachOnce(long root, long fromKey, long toKeyExclusive, EntryVisitor<V> visitor) {
        if (fromKey >= toKeyExclusive) {
            return true;
        }
        return forEach(root, fromKey, toKeyExclusive, entryOf(visitor), 0, new MetadataBlock[MAX_DEPTH], null);
    }

    /**
     * {@link #forEachOnce} of a tree with 8-byte values, handing each value over as its raw bits: a
     * dump of 1 M mappings otherwise boxes 1 M {@code Long}s.
     */
    public boolean forEachOnceRaw(long root, long fromKey, long toKeyExclusive, RawEntryVisitor visitor) {
        return forEachOnceRaw(root, fromKey, toKeyExclusive, visitor, null);
    }

    /** {@link #forEachOnceRaw}; with {@code damaged} non-null it walks past damage as {@link #forEachSalvaging}. */
    public boolean forEachOnceRaw(long root, long fromKey, long toKeyExclusive, RawEntryVisitor visitor,
            DamagedNode damaged) {
        if (valueType.size() != Long.BYTES) {
            throw new IllegalStateException("a raw visit needs 8-byte values; this tree's are " + valueType.size() + " bytes");
        }
        if (fromKey >= toKeyExclusive) {
            return true;
        }
        return forEach(root, fromKey, toKeyExclusive, (k, b, at) -> visitor.visit(k, b.getLong(at)), 0,
                new MetadataBlock[MAX_DEPTH], damaged);
    }

    private LeafEntry entryOf(EntryVisitor<V> visitor) {
        return (k, b, at) -> visitor.visit(k, valueType.read(b, at));
    }

    /**
     * The range walk; {@code frames}: read-once into per-depth buffers (null: through the cache);
     * {@code damaged}: null to fail on damage, else told of each node left out.
     */
    private boolean forEach(long nr, long from, long to, LeafEntry visitor, int depth, MetadataBlock[] frames,
            DamagedNode damaged) {
        ReadBlock b;
        try {
            if (depth >= MAX_DEPTH) {
                throw tooDeep(nr);
            }
            b = readNode(nr, frames, depth);
        } catch (StorageException e) {
            if (damaged == null) {
                throw e;
            }
            damaged.skipped(nr, e);
            return true;
        }
        int n = NodeHeader.nrEntries(b);
        int i = lowerBound(b, n, from);
        if (NodeHeader.isLeaf(b)) {
            if (i < 0 || key(b, i) < from) {
                i++;
            }
            for (; i < n; i++) {
                long k = key(b, i);
                if (k >= to) {
                    return true;
                }
                if (!visitor.accept(k, b, valueOffset(b, i))) {
                    return false;
                }
            }
            return true;
        }
        for (i = Math.max(i, 0); i < n && key(b, i) < to; i++) {
            if (!forEach(child(b, i), from, to, visitor, depth + 1, frames, damaged)) {
                return false;
            }
        }
        return true;
    }

    /** Visits every node depth-first, a node before its children, children in key order. */
    public void walk(long root, NodeVisitor visitor) {
        walk(root, 0, visitor);
    }

    private void walk(long nr, int depth, NodeVisitor visitor) {
        if (depth >= MAX_DEPTH) {
            throw tooDeep(nr);
        }
        ReadBlock b = readNode(nr);
        int n = NodeHeader.nrEntries(b);
        boolean leaf = NodeHeader.isLeaf(b);
        long[] keys = new long[n];
        long[] children = new long[leaf ? 0 : n];
        for (int i = 0; i < n; i++) {
            keys[i] = key(b, i);
            if (!leaf) {
                children[i] = child(b, i);
            }
        }
        visitor.visit(new NodeInfo(nr, depth, leaf, n, NodeHeader.maxEntries(b), NodeHeader.valueSize(b), keys, children));
        for (long c : children) {
            walk(c, depth + 1, visitor);
        }
    }

    /** Number of entries in the tree. */
    public long count(long root) {
        return count(root, 0);
    }

    private long count(long nr, int depth) {
        if (depth >= MAX_DEPTH) {
            throw tooDeep(nr);
        }
        ReadBlock b = readNode(nr);
        int n = NodeHeader.nrEntries(b);
        if (NodeHeader.isLeaf(b)) {
            return n;
        }
        long total = 0;
        for (int i = 0; i < n; i++) {
            total += count(child(b, i), depth + 1);
        }
        return total;
    }
}
