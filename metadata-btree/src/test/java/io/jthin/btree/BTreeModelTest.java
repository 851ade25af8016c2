package io.jthin.btree;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Model-based test of {@link BTree} (BUILD-NOTES: seeded JUnit 5, no jqwik): random insert,
 * overwrite, remove, removeRange, lookups and visits against a {@link TreeMap}, interleaved with
 * snapshots (shared roots), commits, aborts and reopens. Lookups are compared after every step;
 * contents, §4.8 invariants and exact metadata and data reference counts at a regular cadence and
 * after every abort/reopen. In the end every tree is deleted and every count must be back to 0.
 *
 * <p>{@code -Djthin.seed=N} replays one seed; {@code -Djthin.ops=N} changes the run length.
 */
class BTreeModelTest {
    static final int OPS = Integer.getInteger("jthin.ops", 50_000);
    static final int FULL_CHECK_EVERY = 4_000;
    static final int NR_SEEDS = 24;

    static Stream<Long> seeds() {
        String one = System.getProperty("jthin.seed");
        if (one != null) {
            return Stream.of(Long.parseLong(one));
        }
        return LongStream.rangeClosed(1, NR_SEEDS).boxed();
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void randomOperationsMatchTreeMap(long seed) {
        new Run(seed).run();
    }

    /** A shared root and what it must hold: its entries' count and an order-sensitive digest. */
    private record Snapshot(long root, long size, long digest) {
        static Snapshot of(long root, TreeMap<Long, Long> model) {
            Digest d = new Digest();
            model.forEach(d::add);
            return new Snapshot(root, d.count, d.value);
        }
    }

    private static final class Digest {
        long count;
        long value = 17;

        boolean add(long key, long v) {
            value = (value * 31 + key) * 0x9E3779B97F4A7C15L + v;
            count++;
            return true;
        }
    }

    private static final class Run {
        final long seed;
        final SplittableRandom rnd;
        final int valueSize;
        final TestMetadata md = new TestMetadata(16_384);
        final DataBlockRefs data = new DataBlockRefs(1 << 17);
        final ValueType<Long> vt;
        BTree<Long> tree;
        long root;
        TreeMap<Long, Long> model = new TreeMap<>();
        List<Snapshot> snaps = new ArrayList<>();
        long committedRoot;
        /** Model changes since the last commit, (key, previous value or null), undone on abort. */
        final List<Long> undoKeys = new ArrayList<>();
        final List<Long> undoValues = new ArrayList<>();
        List<Snapshot> committedSnaps = new ArrayList<>();
        int nextData;
        int committedNextData;
        int step;
        String op = "setup";
        long opKey = -1;
        long denseRange;

        Run(long seed) {
            this.seed = seed;
            this.rnd = new SplittableRandom(seed);
            this.valueSize = new int[] {8, 24, 4, 16}[(int) (seed % 4)];
            this.vt = data.valueType(valueSize);
            this.tree = new BTree<>(md.tm, vt);
            this.denseRange = 2_000 + rnd.nextLong(60_000);
            root = tree.createEmpty();
            commit();
        }

        void run() {
            try {
                for (step = 0; step < OPS; step++) {
                    boolean growing = (step / 5_000) % 2 == 0;
                    oneStep(growing);
                    checkLookup(randomKey());
                    if (step % FULL_CHECK_EVERY == 0) {
                        fullCheck();
                    }
                }
                step = OPS;
                op("final check");
                fullCheck();
                if (Boolean.getBoolean("jthin.verbose")) {
                    System.out.println(where() + ": max height " + maxHeight + ", max entries " + maxEntries
                            + ", meta blocks used " + md.sm.nrAllocated() + ", data refs " + data.total());
                }
                op("delete all");
                tree.delete(root);
                for (Snapshot s : snaps) {
                    tree.delete(s.root());
                }
                md.assertOnlyRootRecordAllocated(where());
                if (data.total() != 0) {
                    throw new AssertionError(where() + ": data references left: " + data.total());
                }
            } catch (Throwable t) {
                if (t instanceof AssertionError && String.valueOf(t.getMessage()).startsWith("seed " + seed + " ")) {
                    throw t;
                }
                throw new AssertionError(where() + ": " + t, t);
            }
        }

        void op(String name) {
            op = name;
            opKey = -1;
        }

        String where() {
            return "seed " + seed + " step " + step + " (" + op + (opKey >= 0 ? " " + opKey : "") + ", value size "
                    + valueSize + ")";
        }

        void oneStep(boolean growing) {
            double p = rnd.nextDouble();
            double insert = growing ? 0.50 : 0.18;
            double run = growing ? 0.03 : 0.002;
            double remove = growing ? 0.08 : 0.34;
            double range = growing ? 0.005 : 0.03;
            if ((p -= insert) < 0) {
                insert();
            } else if ((p -= run) < 0) {
                insertRun();
            } else if ((p -= remove) < 0) {
                remove();
            } else if ((p -= range) < 0) {
                removeRange(growing);
            } else if ((p -= 0.25) < 0) {
                lookups();
            } else if ((p -= 0.02) < 0) {
                visit();
            } else if ((p -= 0.012) < 0) {
                commit();
            } else if ((p -= 0.002) < 0) {
                abort();
            } else if ((p -= 0.0005) < 0) {
                reopen();
            } else if ((p -= 0.004) < 0) {
                snapshot();
            } else if ((p -= 0.003) < 0) {
                dropSnapshot();
            } else {
                overwriteSame();
            }
        }

        /** A run of consecutive keys, as sequential provisioning writes them. */
        void insertRun() {
            long start = rnd.nextBoolean() ? randomKey() : model.isEmpty() ? 0 : model.lastKey() + 1;
            int len = 20 + rnd.nextInt(600);
            op("insert run");
            for (int i = 0; i < len && start + i >= 0; i++) {
                put(start + i, newValue());
            }
        }

        long randomKey() {
            int kind = rnd.nextInt(100);
            if (kind < 45) {
                return rnd.nextLong(denseRange);
            }
            if (kind < 75 && !model.isEmpty()) {
                Long near = model.ceilingKey(rnd.nextLong(denseRange));
                long base = near == null ? model.lastKey() : near;
                return Math.max(0, base + rnd.nextInt(-3, 4));
            }
            if (kind < 99) {
                return rnd.nextLong(1L << 40);
            }
            return rnd.nextBoolean() ? 0 : Long.MAX_VALUE - rnd.nextInt(2);
        }

        long existingKey() {
            if (model.isEmpty()) {
                return randomKey();
            }
            Long k = model.ceilingKey(randomKey());
            return k == null ? model.firstKey() : k;
        }

        long newValue() {
            if ((rnd.nextInt(10) < 3 || nextData >= data.nrBlocks()) && !model.isEmpty()) {
                return model.get(existingKey());
            }
            if (nextData >= data.nrBlocks()) {
                return 0;
            }
            return nextData++;
        }

        void insert() {
            op("insert");
            long k = rnd.nextInt(4) == 0 ? existingKey() : randomKey();
            long v = newValue();
            put(k, v);
        }

        void overwriteSame() {
            op("overwrite with equal value");
            if (model.isEmpty()) {
                return;
            }
            long k = existingKey();
            put(k, model.get(k));
        }

        void put(long k, long v) {
            opKey = k;
            data.inc(v);
            Long old = model.get(k);
            BTree.Insert r = tree.insert(root, k, v);
            if (r.added() != (old == null)) {
                fail("added=" + r.added() + " but model had " + old);
            }
            if (old != null && old == v) {
                data.dec(v);
            }
            root = r.root();
            modelPut(k, v);
            checkLookup(k);
        }

        void remove() {
            long k = rnd.nextInt(10) < 7 ? existingKey() : randomKey();
            op("remove");
            opKey = k;
            Long expected = modelRemove(k);
            BTree.Remove<Long> r = tree.remove(root, k);
            if (!Objects.equals(expected, r.removed())) {
                fail("removed " + r.removed() + ", model had " + expected);
            }
            if (expected == null && r.root() != root) {
                fail("root moved on absent key");
            }
            root = r.root();
            checkLookup(k);
        }

        void removeRange(boolean growing) {
            long begin = rnd.nextBoolean() ? existingKey() : randomKey();
            int kind = rnd.nextInt(100);
            long len = kind < 60 ? 1 + rnd.nextInt(300)
                    : kind < 98 || growing ? 1 + rnd.nextInt(growing ? 2_000 : 8_000) : 1 + rnd.nextLong(1L << 41);
            long end = begin + len < 0 ? Long.MAX_VALUE : begin + len;
            op("removeRange [" + begin + ", " + end + ")");
            opKey = -1;
            NavigableMap<Long, Long> doomed = model.subMap(begin, true, end, false);
            long expected = doomed.size();
            for (Map.Entry<Long, Long> e : doomed.entrySet()) {
                undoKeys.add(e.getKey());
                undoValues.add(e.getValue());
            }
            doomed.clear();
            BTree.RemoveRange r = tree.removeRange(root, begin, end);
            if (r.removed() != expected) {
                fail("removed " + r.removed() + ", expected " + expected);
            }
            root = r.root();
            checkLookup(begin);
            checkLookup(end - 1);
        }

        void lookups() {
            op("lookups");
            long k = randomKey();
            opKey = k;
            checkLookup(k);
            Map.Entry<Long, Long> ge = model.ceilingEntry(k);
            BTree.Entry<Long> tge = tree.lookupGe(root, k);
            if (!same(ge, tge)) {
                fail("lookupGe(" + k + ") = " + tge + ", model " + ge);
            }
            Map.Entry<Long, Long> le = model.floorEntry(k);
            BTree.Entry<Long> tle = tree.lookupLe(root, k);
            if (!same(le, tle)) {
                fail("lookupLe(" + k + ") = " + tle + ", model " + le);
            }
        }

        void visit() {
            long a = randomKey();
            long b = rnd.nextBoolean() ? a + rnd.nextInt(20_000) : randomKey();
            int stopAfter = rnd.nextInt(4) == 0 ? rnd.nextInt(1, 50) : Integer.MAX_VALUE;
            boolean once = rnd.nextBoolean(); // forEachOnce: the same walk, uncached reads (dirty blocks still win)
            boolean raw = once && rnd.nextBoolean(); // forEachOnceRaw: the same, values as their raw 64 bits
            if (raw && valueSize != Long.BYTES) {
                op("forEachOnceRaw of " + valueSize + "-byte values");
                boolean refused = false;
                try {
                    tree.forEachOnceRaw(root, a, b, (k, v) -> true);
                } catch (IllegalStateException e) {
                    refused = true;
                }
                check(refused, "a raw visit of " + valueSize + "-byte values was not refused");
                return;
            }
            op((raw ? "forEachOnceRaw [" : once ? "forEachOnce [" : "forEach [") + a + ", " + b + ") stop after " + stopAfter);
            opKey = -1;
            List<Map.Entry<Long, Long>> seen = new ArrayList<>();
            BTree.EntryVisitor<Long> collect = (k, v) -> {
                seen.add(Map.entry(k, v));
                return seen.size() < stopAfter;
            };
            boolean completed = raw ? tree.forEachOnceRaw(root, a, b, collect::visit)
                    : once ? tree.forEachOnce(root, a, b, collect) : tree.forEach(root, a, b, collect);
            List<Map.Entry<Long, Long>> expected = new ArrayList<>();
            if (a < b) {
                for (Map.Entry<Long, Long> e : model.subMap(a, true, b, false).entrySet()) {
                    expected.add(Map.entry(e.getKey(), e.getValue()));
                    if (expected.size() == stopAfter) {
                        break;
                    }
                }
            }
            check(seen.equals(expected), "visited " + seen.size() + " entries, expected " + expected.size());
            check(completed == (expected.size() < stopAfter), "forEach returned " + completed);
        }

        void snapshot() {
            if (snaps.size() >= 3) {
                return;
            }
            op("snapshot");
            tree.share(root);
            snaps.add(Snapshot.of(root, model));
        }

        void dropSnapshot() {
            if (snaps.isEmpty()) {
                return;
            }
            op("drop snapshot");
            Snapshot s = snaps.remove(rnd.nextInt(snaps.size()));
            tree.delete(s.root());
        }

        long[] roots() {
            long[] r = new long[1 + snaps.size()];
            r[0] = root;
            for (int i = 0; i < snaps.size(); i++) {
                r[i + 1] = snaps.get(i).root();
            }
            return r;
        }

        void commit() {
            op("commit");
            data.commit();
            md.commit(roots());
            committedRoot = root;
            undoKeys.clear();
            undoValues.clear();
            committedSnaps = new ArrayList<>(snaps);
            committedNextData = nextData;
        }

        void rollBack() {
            data.abort();
            root = committedRoot;
            for (int i = undoKeys.size() - 1; i >= 0; i--) {
                Long previous = undoValues.get(i);
                if (previous == null) {
                    model.remove(undoKeys.get(i));
                } else {
                    model.put(undoKeys.get(i), previous);
                }
            }
            undoKeys.clear();
            undoValues.clear();
            snaps = new ArrayList<>(committedSnaps);
            nextData = committedNextData;
        }

        void abort() {
            op("abort");
            md.abort();
            rollBack();
            fullCheck();
        }

        void reopen() {
            op("reopen");
            long[] recorded = md.reopen();
            rollBack();
            tree = new BTree<>(md.tm, vt);
            check(java.util.Arrays.equals(recorded, roots()), "root record " + java.util.Arrays.toString(recorded)
                    + " != committed " + java.util.Arrays.toString(roots()));
            fullCheck();
        }

        void modelPut(long k, long v) {
            undoKeys.add(k);
            undoValues.add(model.put(k, v));
        }

        Long modelRemove(long k) {
            Long previous = model.remove(k);
            if (previous != null) {
                undoKeys.add(k);
                undoValues.add(previous);
            }
            return previous;
        }

        void checkLookup(long k) {
            Long expected = model.get(k);
            Long actual = tree.lookup(root, k);
            if (!Objects.equals(expected, actual)) {
                fail("lookup(" + k + ") = " + actual + ", model " + expected);
            }
        }

        int maxHeight;
        long maxEntries;

        void fullCheck() {
            String saved = op;
            TreeInvariants.Shape sh = TreeInvariants.check(tree, root, where());
            maxHeight = Math.max(maxHeight, sh.height());
            maxEntries = Math.max(maxEntries, sh.entries());
            op = saved + " / full check";
            checkContents(root, model, "live tree");
            for (int i = 0; i < snaps.size(); i++) {
                Snapshot s = snaps.get(i);
                TreeInvariants.check(tree, s.root(), where() + " snapshot " + i);
                Digest d = new Digest();
                tree.forEach(s.root(), 0, Long.MAX_VALUE, d::add);
                Long max = tree.lookup(s.root(), Long.MAX_VALUE);
                if (max != null) {
                    d.add(Long.MAX_VALUE, max);
                }
                check(d.count == s.size() && d.value == s.digest(), "snapshot " + i + " changed: " + d.count
                        + " entries, expected " + s.size());
            }
            RefCountOracle oracle = new RefCountOracle(md.sm.nrBlocks(), data.nrBlocks()).holdBlock(0);
            oracle.holdDataTree(tree, root);
            for (Snapshot s : snaps) {
                oracle.holdDataTree(tree, s.root());
            }
            oracle.assertMatches(md.sm.snapshot(), data.snapshot(), where());
            op = saved;
        }

        void checkContents(long r, TreeMap<Long, Long> m, String what) {
            TreeInvariants.Shape shape = TreeInvariants.check(tree, r, where() + " " + what);
            check(shape.entries() == m.size(), what + " has " + shape.entries() + " entries, model " + m.size());
            check(tree.count(r) == m.size(), what + " count() " + tree.count(r) + ", model " + m.size());
            var it = m.entrySet().iterator();
            tree.forEach(r, 0, Long.MAX_VALUE, (k, v) -> {
                var e = it.next();
                if (e.getKey() != k || !e.getValue().equals(v)) {
                    fail(what + " holds " + k + " -> " + v + ", model " + e);
                }
                return true;
            });
            if (m.containsKey(Long.MAX_VALUE)) {
                check(tree.lookup(r, Long.MAX_VALUE).equals(m.get(Long.MAX_VALUE)), what + " max key");
            }
        }

        static boolean same(Map.Entry<Long, Long> m, BTree.Entry<Long> t) {
            if (m == null || t == null) {
                return m == null && t == null;
            }
            return m.getKey() == t.key() && m.getValue().equals(t.value());
        }

        void check(boolean ok, String what) {
            if (!ok) {
                fail(what);
            }
        }

        void fail(String what) {
            throw new AssertionError(where() + ": " + what);
        }
    }
}
