package io.jthin.btree;

import java.util.ArrayList;
import java.util.List;

/**
 * Test oracle for the structural invariants of one tree (dm-thin-format §4.8, items 3–9 and 14),
 * checked through {@link BTree#walk}: capacities and value sizes, min fill of non-root nodes,
 * strictly increasing keys, parent key ≤ a child's first key and above the previous child's keys,
 * leaves in increasing key order, all leaves at one depth. Throws AssertionError naming the node.
 */
final class TreeInvariants {
    private TreeInvariants() {
    }

    /** What a walk saw, for tests that want more than pass/fail. */
    record Shape(int height, long nodes, long leaves, long entries) {
    }

    private static final class Frame {
        final BTree.NodeInfo node;
        final long lower;
        final long upperExclusive;
        final boolean hasUpper;
        int next;

        Frame(BTree.NodeInfo node, long lower, long upperExclusive, boolean hasUpper) {
            this.node = node;
            this.lower = lower;
            this.upperExclusive = upperExclusive;
            this.hasUpper = hasUpper;
        }
    }

    static Shape check(BTree<?> tree, long root, String where) {
        int leafValueSize = tree.valueType().size();
        List<Frame> stack = new ArrayList<>();
        int[] leafDepth = {-1};
        long[] counts = new long[3];
        long[] lastLeafKey = {Long.MIN_VALUE};
        boolean[] anyLeafKey = {false};
        tree.walk(root, node -> {
            Object at = new Object() {
                @Override
                public String toString() {
                    return where + ": " + node;
                }
            };
            while (stack.size() > node.depth()) {
                stack.remove(stack.size() - 1);
            }
            if (stack.size() != node.depth()) {
                throw new AssertionError(at + ": walk depth skipped a level");
            }
            int vs = node.leaf() ? leafValueSize : 8;
            if (!(node.valueSize() == vs)) {
                fail(at, "value size " + node.valueSize() + " != " + vs);
            }
            if (!(node.maxEntries() == NodeHeader.calcMaxEntries(vs))) {
                fail(at, "max_entries");
            }
            if (!(node.maxEntries() % 3 == 0 && (8 + vs) * node.maxEntries() + 32 <= 4096)) {
                fail(at, "capacity rule");
            }
            if (!(node.nrEntries() <= node.maxEntries())) {
                fail(at, "nr > max");
            }
            if (!(node.keys().length == node.nrEntries())) {
                fail(at, "keys length");
            }
            if (node.depth() > 0) {
                if (node.nrEntries() < node.maxEntries() / 3) {
                    fail(at, "too few entries: " + node.nrEntries() + " < " + node.maxEntries() / 3);
                }
            } else if (!node.leaf()) {
                if (!(node.nrEntries() >= 1)) {
                    fail(at, "empty internal root");
                }
            }
            long[] k = node.keys();
            for (int i = 1; i < k.length; i++) {
                if (!(k[i - 1] < k[i])) {
                    fail(at, "keys out of order at " + i);
                }
            }
            long lower = Long.MIN_VALUE;
            long upper = Long.MAX_VALUE;
            boolean hasUpper = false;
            if (node.depth() > 0) {
                Frame parent = stack.get(stack.size() - 1);
                int idx = parent.next++;
                if (!(idx < parent.node.nrEntries())) {
                    fail(at, "more children than parent entries");
                }
                if (!(parent.node.children()[idx] == node.location())) {
                    fail(at, "walk order");
                }
                lower = parent.node.keys()[idx];
                if (idx + 1 < parent.node.nrEntries()) {
                    upper = parent.node.keys()[idx + 1];
                    hasUpper = true;
                } else {
                    upper = parent.upperExclusive;
                    hasUpper = parent.hasUpper;
                }
                if (k.length > 0) {
                    if (!(lower <= k[0])) {
                        fail(at, "parent key " + lower + " > first key " + k[0]);
                    }
                    if (!(!hasUpper || k[k.length - 1] < upper)) {
                        fail(at, "last key " + k[k.length - 1] + " >= next parent key " + upper);
                    }
                }
            }
            counts[0]++;
            if (node.leaf()) {
                counts[1]++;
                counts[2] += node.nrEntries();
                if (leafDepth[0] < 0) {
                    leafDepth[0] = node.depth();
                }
                if (!(leafDepth[0] == node.depth())) {
                    fail(at, "leaf at depth " + node.depth() + ", others at " + leafDepth[0]);
                }
                if (k.length > 0) {
                    if (!(!anyLeafKey[0] || k[0] > lastLeafKey[0])) {
                        fail(at, "leaf starts at or before the previous leaf's last key");
                    }
                    lastLeafKey[0] = k[k.length - 1];
                    anyLeafKey[0] = true;
                }
            } else {
                if (!(node.children().length == node.nrEntries())) {
                    fail(at, "children length");
                }
            }
            stack.add(new Frame(node, lower, upper, hasUpper));
        });
        return new Shape(leafDepth[0] + 1, counts[0], counts[1], counts[2]);
    }

    private static void fail(Object at, String what) {
        throw new AssertionError(at + ": " + what);
    }
}
