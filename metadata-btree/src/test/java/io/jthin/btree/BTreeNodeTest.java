package io.jthin.btree;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * The in-node search of §4.2 ({@link BTreeNode#lowerBound}, interpolating) against a brute-force
 * scan, for dense, sparse, clustered and extreme keys, with right, loose and wrong parent hints;
 * and the entry moves that splits and merges are made of.
 */
class BTreeNodeTest {
    private static MetadataBlock node(long[] keys, int valueSize) {
        MetadataBlock b = MetadataBlock.zeroed(1, BlockType.BTREE_NODE);
        NodeHeader.init(b, true, valueSize);
        for (int i = 0; i < keys.length; i++) {
            BTreeNode.insertSlot(b, i, keys[i]);
            b.putInt(BTreeNode.valueOffset(b, i), i);
        }
        return b;
    }

    private static int bruteForce(long[] keys, long key) {
        int r = -1;
        for (int i = 0; i < keys.length; i++) {
            if (keys[i] <= key) {
                r = i;
            }
        }
        return r;
    }

    private static long[] keySet(SplittableRandom rnd, int kind, int n) {
        TreeSet<Long> s = new TreeSet<>();
        long base = rnd.nextLong(1L << 50);
        while (s.size() < n) {
            long k = switch (kind) {
                case 0 -> base + s.size();
                case 1 -> base + rnd.nextLong(10L * n);
                case 2 -> rnd.nextLong(Long.MAX_VALUE);
                case 3 -> rnd.nextBoolean() ? rnd.nextLong(1000) : Long.MAX_VALUE - rnd.nextLong(1000);
                case 4 -> rnd.nextLong();
                default -> (long) s.size() * s.size() * s.size();
            };
            s.add(k);
        }
        return s.stream().mapToLong(Long::longValue).toArray();
    }

    private static long probe(SplittableRandom rnd, long[] keys) {
        return switch (rnd.nextInt(6)) {
            case 0 -> keys[rnd.nextInt(keys.length)];
            case 1 -> keys[rnd.nextInt(keys.length)] + 1;
            case 2 -> keys[rnd.nextInt(keys.length)] - 1;
            case 3 -> rnd.nextLong();
            case 4 -> rnd.nextBoolean() ? Long.MIN_VALUE : Long.MAX_VALUE;
            default -> keys[0] + rnd.nextLong(Math.max(1, keys[keys.length - 1] - keys[0]));
        };
    }

    @Test
    void lowerBoundAgreesWithAScanForEveryHint() {
        SplittableRandom rnd = new SplittableRandom(99);
        for (int round = 0; round < 3_000; round++) {
            int vs = new int[] {4, 8, 16, 24}[round % 4];
            int n = rnd.nextInt(1, NodeHeader.calcMaxEntries(vs) + 1);
            long[] keys = keySet(rnd, rnd.nextInt(6), n);
            MetadataBlock b = node(keys, vs);
            for (int q = 0; q < 60; q++) {
                long key = probe(rnd, keys);
                int expected = bruteForce(keys, key);
                String what = "keys " + (n > 10 ? keys.length + " keys from " + keys[0] : Arrays.toString(keys)) + ", key " + key;
                assertEquals(expected, BTreeNode.lowerBound(b, n, key), what);
                long low = keys[0] - rnd.nextInt(3);
                long high = keys[n - 1] + 1 + rnd.nextInt(3);
                if (low <= keys[0] && high > keys[n - 1]) {
                    assertEquals(expected, BTreeNode.lowerBound(b, n, key, low, high), what + " right hints");
                }
                assertEquals(expected, BTreeNode.lowerBound(b, n, key, rnd.nextLong(), rnd.nextLong()), what + " wrong hints");
                assertEquals(expected, BTreeNode.lowerBound(b, n, key, Long.MIN_VALUE, Long.MIN_VALUE), what + " no hints");
            }
        }
    }

    @Test
    void redistributeMoveAndMergeKeepOrderAndValues() {
        SplittableRandom rnd = new SplittableRandom(5);
        for (int round = 0; round < 500; round++) {
            int max = NodeHeader.calcMaxEntries(8);
            int nl = rnd.nextInt(0, max + 1);
            int nr = rnd.nextInt(nl == 0 ? 1 : 0, max + 1);
            long[] all = keySet(rnd, 1, nl + nr);
            MetadataBlock left = node(Arrays.copyOfRange(all, 0, nl), 8);
            MetadataBlock right = node(Arrays.copyOfRange(all, nl, nl + nr), 8);
            for (int i = 0; i < nl + nr; i++) {
                MetadataBlock b = i < nl ? left : right;
                int j = i < nl ? i : i - nl;
                b.putLong(BTreeNode.valueOffset(b, j), all[i] * 7);
            }
            BTreeNode.redistribute(left, right);
            int total = nl + nr;
            assertEquals(total / 2, NodeHeader.nrEntries(left));
            assertEquals(total - total / 2, NodeHeader.nrEntries(right));
            for (int i = 0; i < total; i++) {
                MetadataBlock b = i < total / 2 ? left : right;
                int j = i < total / 2 ? i : i - total / 2;
                assertEquals(all[i], BTreeNode.key(b, j));
                assertEquals(all[i] * 7, b.getLong(BTreeNode.valueOffset(b, j)));
            }
            if (total <= max) {
                MetadataBlock merged = rnd.nextBoolean() ? left : right;
                if (merged == left) {
                    BTreeNode.append(left, right);
                } else {
                    BTreeNode.prepend(right, left);
                }
                assertEquals(total, NodeHeader.nrEntries(merged));
                for (int i = 0; i < total; i++) {
                    assertEquals(all[i], BTreeNode.key(merged, i));
                    assertEquals(all[i] * 7, merged.getLong(BTreeNode.valueOffset(merged, i)));
                }
            }
        }
    }
}
