package io.jthin.btree;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * Two owners of one tree (share, then modify one, §6.2): the other never changes, and metadata
 * and data reference counts stay exact (§5.6) throughout, down to zero once both are deleted.
 */
class SharingTest {
    private final TestMetadata md = new TestMetadata(16_384);
    private final DataBlockRefs data = new DataBlockRefs(1 << 17);
    private final BTree<Long> tree = new BTree<>(md.tm, data.valueType(8));
    private int nextData;

    private long fill(long root, TreeMap<Long, Long> model, SplittableRandom rnd, int n, long keySpace) {
        for (int i = 0; i < n; i++) {
            long k = rnd.nextLong(keySpace);
            long v = nextData++;
            data.inc(v);
            root = tree.insert(root, k, v).root();
            model.put(k, v);
        }
        return root;
    }

    private long mutate(long root, TreeMap<Long, Long> model, SplittableRandom rnd, int n, long keySpace) {
        for (int i = 0; i < n; i++) {
            long k = rnd.nextLong(keySpace);
            switch (rnd.nextInt(10)) {
                case 0, 1, 2, 3 -> {
                    long v = nextData++;
                    data.inc(v);
                    root = tree.insert(root, k, v).root();
                    model.put(k, v);
                }
                case 4, 5, 6, 7, 8 -> {
                    Long expected = model.remove(k);
                    BTree.Remove<Long> r = tree.remove(root, k);
                    assertEquals(expected, r.removed(), "remove " + k);
                    root = r.root();
                }
                default -> {
                    long end = k + rnd.nextInt(3_000);
                    var doomed = model.subMap(k, end);
                    long expected = doomed.size();
                    doomed.clear();
                    BTree.RemoveRange r = tree.removeRange(root, k, end);
                    assertEquals(expected, r.removed(), "removeRange " + k);
                    root = r.root();
                }
            }
        }
        return root;
    }

    private void assertHolds(long root, TreeMap<Long, Long> model, String what) {
        TreeInvariants.check(tree, root, what);
        TreeMap<Long, Long> actual = new TreeMap<>();
        tree.forEach(root, 0, Long.MAX_VALUE, (k, v) -> actual.put(k, v) == null);
        assertEquals(model, actual, what);
    }

    private void assertCounts(String where, long... roots) {
        RefCountOracle o = new RefCountOracle(md.sm.nrBlocks(), data.nrBlocks()).holdBlock(0);
        for (long r : roots) {
            o.holdDataTree(tree, r);
        }
        o.assertMatches(md.sm.snapshot(), data.snapshot(), where);
    }

    @Test
    void changingOneOwnerNeverChangesTheOther() {
        SplittableRandom rnd = new SplittableRandom(42);
        TreeMap<Long, Long> ma = new TreeMap<>();
        long a = fill(tree.createEmpty(), ma, rnd, 80_000, 1L << 30);
        md.commit(a);
        assertTrue(TreeInvariants.check(tree, a, "a").height() >= 3, "want a tree of height 3");

        tree.share(a);
        long b = a;
        TreeMap<Long, Long> mb = new TreeMap<>(ma);
        assertEquals(2, md.tm.refCount(a));
        assertCounts("after share", a, b);

        for (int round = 0; round < 10; round++) {
            b = mutate(b, mb, rnd, 1_500, 1L << 30);
            assertHolds(a, ma, "a after changing b, round " + round);
            assertHolds(b, mb, "b, round " + round);
            assertCounts("round " + round, a, b);
            if (round % 3 == 0) {
                md.commit(a, b);
            }
        }
        for (int round = 0; round < 5; round++) {
            a = mutate(a, ma, rnd, 1_500, 1L << 30);
            assertHolds(a, ma, "a, round " + round);
            assertHolds(b, mb, "b after changing a, round " + round);
            assertCounts("a's round " + round, a, b);
        }
        tree.delete(a);
        assertHolds(b, mb, "b after deleting a");
        assertCounts("after deleting a", b);
        tree.delete(b);
        md.assertOnlyRootRecordAllocated("after deleting both");
        assertEquals(0, data.total());
    }

    @Test
    void sharingInsideOneTransactionStillCopies() {
        SplittableRandom rnd = new SplittableRandom(7);
        TreeMap<Long, Long> ma = new TreeMap<>();
        long a = fill(tree.createEmpty(), ma, rnd, 5_000, 100_000);
        // No commit: every node of a is a shadow of this transaction; sharing must still force copies.
        tree.share(a);
        TreeMap<Long, Long> mb = new TreeMap<>(ma);
        long b = mutate(a, mb, rnd, 3_000, 100_000);
        assertHolds(a, ma, "a");
        assertHolds(b, mb, "b");
        assertCounts("shared in one transaction", a, b);

        // Deleting the whole of one owner's content.
        BTree.RemoveRange r = tree.removeRange(b, 0, Long.MAX_VALUE);
        assertEquals(mb.size(), r.removed());
        b = r.root();
        assertEquals(0, tree.count(b));
        assertNull(tree.lookupGe(b, 0));
        assertHolds(a, ma, "a after emptying b");
        assertCounts("b emptied", a, b);
        tree.delete(a);
        tree.delete(b);
        md.assertOnlyRootRecordAllocated("end");
        assertEquals(0, data.total());
    }

    @Test
    void threeGenerationsOfSnapshots() {
        SplittableRandom rnd = new SplittableRandom(3);
        TreeMap<Long, Long> m0 = new TreeMap<>();
        long r0 = fill(tree.createEmpty(), m0, rnd, 20_000, 1 << 20);
        tree.share(r0);
        TreeMap<Long, Long> m1 = new TreeMap<>(m0);
        long r1 = mutate(r0, m1, rnd, 2_000, 1 << 20);
        tree.share(r1);
        TreeMap<Long, Long> m2 = new TreeMap<>(m1);
        long r2 = mutate(r1, m2, rnd, 2_000, 1 << 20);
        md.commit(r0, r1, r2);
        for (Map.Entry<Long, TreeMap<Long, Long>> e : Map.of(r0, m0, r1, m1, r2, m2).entrySet()) {
            assertHolds(e.getKey(), e.getValue(), "generation root " + e.getKey());
        }
        assertCounts("three generations", r0, r1, r2);
        tree.delete(r1);
        assertHolds(r0, m0, "r0 after deleting r1");
        assertHolds(r2, m2, "r2 after deleting r1");
        assertCounts("r1 deleted", r0, r2);
        tree.delete(r0);
        tree.delete(r2);
        md.assertOnlyRootRecordAllocated("end");
        assertEquals(0, data.total());
    }
}
