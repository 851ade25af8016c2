package io.jthin.btree;

import static io.jthin.btree.BTreeNode.child;
import static io.jthin.btree.BTreeNode.key;
import static io.jthin.btree.BTreeNode.valueOffset;

/**
 * Insertion into a {@link BTree} (dm-thin-format §4.6): top-down along one shadowed spine, with
 * pre-emptive splitting so that the node entered next always has room.
 *
 * <p>Invariants: every node on the root-to-leaf path is shadowed and its parent patched to the
 * shadow's location before it is changed; a full node is never entered for an insertion (a full
 * root is split beneath — it keeps its location and becomes an internal node over two new
 * children —, a full child is first evened out with an unshared sibling that has at least
 * {@link #SPACE_THRESHOLD} free slots, as newer kernels do, else split one into two); a parent key
 * is lowered when a new minimum goes below it. A full leaf that already holds the key is just
 * overwritten. Each split or redistribution leaves both nodes at ≥ max_entries / 3 entries.
 */
final class NodeSplitter<V> {
    /** A sibling needs this many free slots to take entries instead of a split (kernel value). */
    static final int SPACE_THRESHOLD = 8;

    private final BTree<V> tree;
    private final TransactionManager tm;
    private final ValueType<V> valueType;

    NodeSplitter(BTree<V> tree) {
        this.tree = tree;
        this.tm = tree.tm();
        this.valueType = tree.valueType();
    }

    BTree.Insert insert(long root, long key, V value) {
        WriteBlock node = tree.shadowNode(root);
        long newRoot = node.location();
        if (mustMakeRoom(node, key)) {
            splitBeneath(node);
        }
        // Bounds the parent gives for the node's keys (search hints; unknown at the root and after a split).
        long lowKey = Long.MIN_VALUE;
        long highKey = Long.MIN_VALUE;
        for (int depth = 0; depth < BTree.MAX_DEPTH; depth++) {
            int n = NodeHeader.nrEntries(node);
            int i = BTreeNode.lowerBound(node, n, key, lowKey, highKey);
            if (NodeHeader.isLeaf(node)) {
                if (i >= 0 && key(node, i) == key) {
                    int off = valueOffset(node, i);
                    V old = valueType.read(node, off);
                    valueType.write(node, off, value);
                    if (!valueType.equal(old, value)) {
                        valueType.dec(old);
                    }
                    return new BTree.Insert(newRoot, false);
                }
                BTreeNode.insertSlot(node, i + 1, key);
                valueType.write(node, valueOffset(node, i + 1), value);
                return new BTree.Insert(newRoot, true);
            }
            if (i < 0) {
                // A new minimum: lower the bound rather than fail the descent.
                BTreeNode.key(node, 0, key);
                i = 0;
            }
            lowKey = key(node, i);
            if (i + 1 < n) {
                highKey = key(node, i + 1);
            }
            WriteBlock c = tree.shadowNode(child(node, i));
            BTreeNode.child(node, i, c.location());
            if (mustMakeRoom(c, key)) {
                c = rebalanceOrSplit(node, i, c, key);
                lowKey = Long.MIN_VALUE;
                highKey = Long.MIN_VALUE;
            }
            node = c;
        }
        throw tree.tooDeep(root);
    }

    /** Full, and not a leaf that only needs an overwrite. */
    private static boolean mustMakeRoom(ReadBlock node, long key) {
        return NodeHeader.nrEntries(node) == NodeHeader.maxEntries(node)
                && !(NodeHeader.isLeaf(node) && BTreeNode.contains(node, key));
    }

    /**
     * The root split: its entries go to two new nodes (left gets floor(n/2)) and the root, at the
     * same location, becomes an internal node over them. The tree grows one level.
     */
    private void splitBeneath(WriteBlock root) {
        boolean leaf = NodeHeader.isLeaf(root);
        int n = NodeHeader.nrEntries(root);
        int nl = n / 2;
        WriteBlock left = tree.newNode(leaf);
        WriteBlock right = tree.newNode(leaf);
        BTreeNode.copyEntries(root, 0, left, 0, nl);
        NodeHeader.nrEntries(left, nl);
        BTreeNode.copyEntries(root, nl, right, 0, n - nl);
        NodeHeader.nrEntries(right, n - nl);

        root.zero(NodeHeader.KEYS, MetadataBlock.SIZE - NodeHeader.KEYS);
        NodeHeader.init(root, false, NodeHeader.INTERNAL_VALUE_SIZE);
        NodeHeader.nrEntries(root, 2);
        BTreeNode.key(root, 0, key(left, 0));
        BTreeNode.child(root, 0, left.location());
        BTreeNode.key(root, 1, key(right, 0));
        BTreeNode.child(root, 1, right.location());
    }

    /**
     * Makes room in the full {@code child} (entry {@code i} of {@code parent}, both writable, parent
     * not full) and returns the node that now covers {@code key}.
     */
    private WriteBlock rebalanceOrSplit(WriteBlock parent, int i, WriteBlock child, long key) {
        int pn = NodeHeader.nrEntries(parent);
        if (i > 0 && hasRoomToShare(child(parent, i - 1), child)) {
            WriteBlock left = tree.shadowNode(child(parent, i - 1));
            BTreeNode.child(parent, i - 1, left.location());
            BTreeNode.redistribute(left, child);
            long first = key(child, 0);
            BTreeNode.key(parent, i, first);
            return key < first ? left : child;
        }
        if (i + 1 < pn && hasRoomToShare(child(parent, i + 1), child)) {
            WriteBlock right = tree.shadowNode(child(parent, i + 1));
            BTreeNode.child(parent, i + 1, right.location());
            BTreeNode.redistribute(child, right);
            long first = key(right, 0);
            BTreeNode.key(parent, i + 1, first);
            return key < first ? child : right;
        }
        WriteBlock right = tree.newNode(NodeHeader.isLeaf(child));
        BTreeNode.redistribute(child, right);
        long first = key(right, 0);
        BTreeNode.insertSlot(parent, i + 1, first);
        BTreeNode.child(parent, i + 1, right.location());
        return key < first ? child : right;
    }

    /** An unshared sibling of the same kind as {@code child} with enough free slots. */
    private boolean hasRoomToShare(long sibling, ReadBlock child) {
        if (tm.refCount(sibling) != 1) {
            return false;
        }
        ReadBlock s = tree.readNode(sibling);
        if (NodeHeader.isLeaf(s) != NodeHeader.isLeaf(child)) {
            throw NodeHeader.corrupt(s, "sibling of block " + child.location() + " is at another level");
        }
        return NodeHeader.maxEntries(s) - NodeHeader.nrEntries(s) >= SPACE_THRESHOLD;
    }
}
