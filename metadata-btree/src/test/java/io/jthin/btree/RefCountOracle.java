package io.jthin.btree;

import static io.jthin.btree.BTreeNode.child;
import static io.jthin.btree.BTreeNode.valueOffset;

import java.util.HashSet;
import java.util.Set;

/**
 * Test oracle for exact reference counts (dm-thin-format §5.6): every tree root held adds one
 * metadata reference; each distinct internal node adds one per child; each distinct top-level
 * leaf one per subtree root; each distinct bottom leaf one data reference per value. Shared nodes
 * are counted per parent edge, their contents once.
 */
final class RefCountOracle {
    private final long[] meta;
    private final long[] data;
    private final Set<Long> seen = new HashSet<>();

    RefCountOracle(long nrMetaBlocks, int nrDataBlocks) {
        meta = new long[Math.toIntExact(nrMetaBlocks)];
        data = new long[nrDataBlocks];
    }

    /** A metadata block referenced from outside any tree (e.g. the superblock itself). */
    RefCountOracle holdBlock(long nr) {
        meta[Math.toIntExact(nr)]++;
        return this;
    }

    /** One holder of a tree whose leaf values are data block numbers. */
    RefCountOracle holdDataTree(BTree<Long> tree, long root) {
        meta[Math.toIntExact(root)]++;
        visit(tree, root, null);
        return this;
    }

    /** One holder of a two-level tree whose bottom values are data block numbers. */
    RefCountOracle holdTwoLevel(TwoLevelBTree<Long> t, long topRoot) {
        meta[Math.toIntExact(topRoot)]++;
        visit(t.top(), topRoot, t.bottom());
        return this;
    }

    /** A plain tree (values refer to nothing). */
    RefCountOracle holdPlainTree(BTree<?> tree, long root) {
        meta[Math.toIntExact(root)]++;
        visit(tree, root, null);
        return this;
    }

    private void visit(BTree<?> tree, long nr, BTree<Long> subtrees) {
        if (!seen.add(nr)) {
            return;
        }
        ReadBlock b = tree.readNode(nr);
        int n = NodeHeader.nrEntries(b);
        if (!NodeHeader.isLeaf(b)) {
            for (int i = 0; i < n; i++) {
                long c = child(b, i);
                meta[Math.toIntExact(c)]++;
                visit(tree, c, subtrees);
            }
            return;
        }
        if (subtrees != null) {
            for (int i = 0; i < n; i++) {
                long sub = b.getLong(valueOffset(b, i));
                meta[Math.toIntExact(sub)]++;
                visit(subtrees, sub, null);
            }
        } else if (!PlainValueTypes.refersToNothing(tree.valueType())) {
            ValueType<?> vt = tree.valueType();
            for (int i = 0; i < n; i++) {
                long v = (Long) vt.read(b, valueOffset(b, i));
                data[Math.toIntExact(v)]++;
            }
        }
    }

    /** Asserts the counts equal these, block by block. */
    void assertMatches(long[] metaCounts, long[] dataCounts, String where) {
        for (int i = 0; i < meta.length; i++) {
            long actual = i < metaCounts.length ? metaCounts[i] : 0;
            if (actual != meta[i]) {
                throw new AssertionError(where + ": metadata block " + i + " has count " + actual + ", expected " + meta[i]);
            }
        }
        for (int i = meta.length; i < metaCounts.length; i++) {
            if (metaCounts[i] != 0) {
                throw new AssertionError(where + ": metadata block " + i + " has count " + metaCounts[i] + ", expected 0");
            }
        }
        if (dataCounts != null) {
            for (int i = 0; i < data.length; i++) {
                if (dataCounts[i] != data[i]) {
                    throw new AssertionError(where + ": data block " + i + " has count " + dataCounts[i] + ", expected " + data[i]);
                }
            }
        }
    }
}
