package io.jthin.btree;

import static io.jthin.btree.BTreeNode.child;
import static io.jthin.btree.BTreeNode.key;
import static io.jthin.btree.BTreeNode.lowerBound;
import static io.jthin.btree.BTreeNode.valueOffset;

import java.util.ArrayList;
import java.util.List;

/**
 * Removal from a {@link BTree} (dm-thin-format §4.7): top-down along one shadowed spine; before
 * entering a child that is at its minimum, the child is merged with or topped up from a sibling so
 * that it can lose an entry.
 *
 * <p>Invariants: with T = max_entries / 3, a non-root node is entered only with more than T entries
 * (a leaf entered for a bulk removal keeps at least T); a merge happens when the two nodes hold at
 * most 2T + 1 entries together (the result fits), otherwise the pair is evened out so both hold at
 * least T + 1. Merges pour the sibling into the (already shadowed) child: the sibling is not copied,
 * its children or values gain a reference if it was shared, then it loses the parent's reference.
 * A root internal node left with one child takes over that child's content (the tree shrinks a
 * level). Parent keys are lower bounds and are never raised because a first key went away.
 * An absent key changes nothing: remove returns the same root.
 */
final class Rebalancer<V> {
    private final BTree<V> tree;
    private final TransactionManager tm;
    private final ValueType<V> valueType;
    private final boolean valuesReferNothing;

    Rebalancer(BTree<V> tree) {
        this.tree = tree;
        this.tm = tree.tm();
        this.valueType = tree.valueType();
        this.valuesReferNothing = PlainValueTypes.refersToNothing(valueType);
    }

    /** The shadowed path's result: the new root and the writable leaf that holds the key. */
    private record Path(long root, WriteBlock leaf, boolean leafIsRoot) {
    }

    BTree.Remove<V> remove(long root, long key) {
        if (tree.lookup(root, key) == null) {
            return new BTree.Remove<>(root, null);
        }
        Path p = descend(root, key);
        WriteBlock leaf = p.leaf();
        int i = lowerBound(leaf, NodeHeader.nrEntries(leaf), key);
        if (i < 0 || key(leaf, i) != key) {
            throw NodeHeader.corrupt(leaf, "key " + key + " found by lookup is not in the leaf that covers it");
        }
        V removed = valueType.read(leaf, valueOffset(leaf, i));
        BTreeNode.deleteEntries(leaf, i, 1);
        valueType.dec(removed);
        return new BTree.Remove<>(p.root(), removed);
    }

    BTree.RemoveRange removeRange(long root, long begin, long end) {
        long removed = 0;
        long from = begin;
        List<V> values = valuesReferNothing ? null : new ArrayList<>();
        while (from < end) {
            BTree.Entry<V> next = tree.lookupGe(root, from);
            if (next == null || next.key() >= end) {
                break;
            }
            long first = next.key();
            Path p = descend(root, first);
            root = p.root();
            WriteBlock leaf = p.leaf();
            int n = NodeHeader.nrEntries(leaf);
            int i = lowerBound(leaf, n, first);
            if (i < 0 || key(leaf, i) != first) {
                throw NodeHeader.corrupt(leaf, "key " + first + " found by lookup is not in the leaf that covers it");
            }
            // A non-root leaf keeps T entries; the next round rebalances it before taking more.
            int limit = p.leafIsRoot() ? n - i : Math.max(1, Math.min(n - i, n - NodeHeader.maxEntries(leaf) / 3));
            int j = i;
            while (j < i + limit && key(leaf, j) < end) {
                j++;
            }
            long last = key(leaf, j - 1);
            if (values != null) {
                values.clear();
                for (int k = i; k < j; k++) {
                    values.add(valueType.read(leaf, valueOffset(leaf, k)));
                }
            }
            BTreeNode.deleteEntries(leaf, i, j - i);
            removed += j - i;
            if (values != null) {
                for (V v : values) {
                    valueType.dec(v);
                }
            }
            if (last == Long.MAX_VALUE) {
                break;
            }
            from = last + 1;
        }
        return new BTree.RemoveRange(root, removed);
    }

    /**
     * Shadows the path from the root to the leaf covering {@code key}, rebalancing on the way so
     * that every non-root node entered has more than T entries.
     */
    private Path descend(long root, long key) {
        WriteBlock node = tree.shadowNode(root);
        long newRoot = node.location();
        for (int guard = 0; !NodeHeader.isLeaf(node) && NodeHeader.nrEntries(node) == 1; guard++) {
            if (guard >= BTree.MAX_DEPTH) {
                throw tree.tooDeep(root);
            }
            pullUp(node, child(node, 0));
        }
        boolean atRoot = true;
        for (int depth = 0; depth < BTree.MAX_DEPTH; depth++) {
            if (NodeHeader.isLeaf(node)) {
                return new Path(newRoot, node, atRoot);
            }
            int n = NodeHeader.nrEntries(node);
            int i = Math.max(0, lowerBound(node, n, key));
            WriteBlock c = tree.shadowNode(child(node, i));
            BTreeNode.child(node, i, c.location());
            if (n > 1 && NodeHeader.nrEntries(c) <= NodeHeader.maxEntries(c) / 3) {
                c = rebalance(node, i, c, key);
                if (atRoot && NodeHeader.nrEntries(node) == 1) {
                    // The root's last two children merged: the root takes the merged node's place.
                    pullUp(node, c.location());
                    continue;
                }
            }
            atRoot = false;
            node = c;
        }
        throw tree.tooDeep(root);
    }

    /**
     * The root (internal, one entry) takes over the content of its only child {@code childNr},
     * which loses the root's reference; if the child stays alive (shared), its children or values
     * gain the root's.
     */
    private void pullUp(WriteBlock root, long childNr) {
        ReadBlock c = tree.readNode(childNr);
        BTreeNode.copyNode(c, root);
        if (tm.refCount(childNr) > 1) {
            tree.incChildren(root, 0, NodeHeader.nrEntries(root));
        }
        tm.dec(childNr);
    }

    /**
     * {@code child} (entry i of {@code parent}, both writable) is at its minimum: merge a sibling
     * into it or even the two out. Returns the node that now covers {@code key}.
     */
    private WriteBlock rebalance(WriteBlock parent, int i, WriteBlock child, long key) {
        boolean right = i + 1 < NodeHeader.nrEntries(parent);
        int si = right ? i + 1 : i - 1;
        long sibNr = child(parent, si);
        ReadBlock sib = tree.readNode(sibNr);
        int max = NodeHeader.maxEntries(child);
        if (NodeHeader.isLeaf(sib) != NodeHeader.isLeaf(child) || NodeHeader.maxEntries(sib) != max) {
            throw NodeHeader.corrupt(sib, "sibling of block " + child.location() + " is at another level");
        }
        int nc = NodeHeader.nrEntries(child);
        int ns = NodeHeader.nrEntries(sib);
        int threshold = max / 3;
        if (nc + ns <= 2 * threshold + 1) {
            int movedFrom;
            if (right) {
                movedFrom = nc;
                BTreeNode.append(child, sib);
                BTreeNode.deleteEntries(parent, i + 1, 1);
            } else {
                movedFrom = 0;
                BTreeNode.prepend(child, sib);
                // The left sibling's parent key (a lower bound of what it held) now heads the merged node.
                BTreeNode.child(parent, i - 1, child.location());
                BTreeNode.deleteEntries(parent, i, 1);
            }
            if (tm.refCount(sibNr) > 1) {
                tree.incChildren(child, movedFrom, movedFrom + ns);
            }
            tm.dec(sibNr);
            return child;
        }
        WriteBlock s = tree.shadowNode(sibNr);
        BTreeNode.child(parent, si, s.location());
        if (right) {
            BTreeNode.redistribute(child, s);
            long first = key(s, 0);
            BTreeNode.key(parent, i + 1, first);
            return key < first ? child : s;
        }
        BTreeNode.redistribute(s, child);
        long first = key(child, 0);
        BTreeNode.key(parent, i, first);
        return key < first ? s : child;
    }
}
