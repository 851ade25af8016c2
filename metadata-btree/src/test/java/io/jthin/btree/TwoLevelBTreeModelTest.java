package io.jthin.btree;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Model-based test of {@link TwoLevelBTree} the way dm-thin uses it (§4.5, §6.4): devices created
 * and deleted, device snapshots sharing a bottom-level root, a metadata snapshot sharing the
 * top-level root, mappings inserted, overwritten and discarded, commits and aborts — against a
 * map of TreeMaps, with exact metadata and data reference counts checked at a regular cadence
 * and all counts back to zero at the end. {@code -Djthin.seed=N} replays one seed.
 */
class TwoLevelBTreeModelTest {
    static final int OPS = Integer.getInteger("jthin.ops", 50_000) / 2;

    static Stream<Long> seeds() {
        String one = System.getProperty("jthin.seed");
        return one != null ? Stream.of(Long.parseLong(one)) : LongStream.rangeClosed(1, 6).boxed();
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void devicesSnapshotsAndMappingsMatchTheModel(long seed) {
        new Run(seed).run();
    }

    @Test
    void insertIntoAMissingDeviceIsRefused() {
        TestMetadata md = new TestMetadata(64);
        TwoLevelBTree<Long> t = new TwoLevelBTree<>(md.tm, ValueType.u64());
        long root = t.top().createEmpty();
        root = t.top().insert(root, 3, t.bottom().createEmpty()).root();
        long before = root;
        assertThrows(IllegalArgumentException.class, () -> t.insert(before, 4, 0, 1L));
        assertNull(t.lookup(root, 4, 0));
        assertEquals(before, t.remove(root, 4, 0).root());
        assertEquals(before, t.remove(root, 3, 0).root());
        assertEquals(before, t.removeRange(root, 3, 0, 100).root());
        root = t.insert(root, 3, 7, 70L).root();
        assertEquals(70L, t.lookup(root, 3, 7));
    }

    private static final class Run {
        final long seed;
        final SplittableRandom rnd;
        final TestMetadata md = new TestMetadata(16_384);
        final DataBlockRefs data = new DataBlockRefs(1 << 17);
        final TwoLevelBTree<Long> t;
        long root;
        TreeMap<Long, TreeMap<Long, Long>> devs = new TreeMap<>();
        long held = -1;
        TreeMap<Long, TreeMap<Long, Long>> heldModel;
        long committedRoot;
        long committedHeld;
        TreeMap<Long, TreeMap<Long, Long>> committedDevs = new TreeMap<>();
        TreeMap<Long, TreeMap<Long, Long>> committedHeldModel;
        int nextData;
        int committedNextData;
        int step;
        String op = "setup";

        Run(long seed) {
            this.seed = seed;
            this.rnd = new SplittableRandom(seed);
            this.t = new TwoLevelBTree<>(md.tm, data.valueType(8));
            root = t.top().createEmpty();
            commit();
        }

        String where() {
            return "seed " + seed + " step " + step + " (" + op + ")";
        }

        void run() {
            try {
                for (step = 0; step < OPS; step++) {
                    oneStep();
                    if (step % 2_500 == 0) {
                        fullCheck();
                    }
                }
                op = "final check";
                fullCheck();
                op = "delete all";
                t.top().delete(root);
                if (held >= 0) {
                    t.top().delete(held);
                }
                md.assertOnlyRootRecordAllocated(where());
                if (data.total() != 0) {
                    throw new AssertionError(where() + ": data references left: " + data.total());
                }
            } catch (Throwable e) {
                if (e instanceof AssertionError && String.valueOf(e.getMessage()).startsWith("seed " + seed + " ")) {
                    throw e;
                }
                throw new AssertionError(where() + ": " + e, e);
            }
        }

        long anyDevice() {
            Long d = devs.ceilingKey(rnd.nextLong(16));
            return d == null ? devs.firstKey() : d;
        }

        long freeDeviceId() {
            for (int tries = 0; tries < 64; tries++) {
                long id = rnd.nextLong(16);
                if (!devs.containsKey(id)) {
                    return id;
                }
            }
            return -1;
        }

        void oneStep() {
            int p = rnd.nextInt(1000);
            if (devs.isEmpty() || p < 8) {
                createDevice();
            } else if (p < 12) {
                deleteDevice();
            } else if (p < 20) {
                snapshotDevice();
            } else if (p < 520) {
                insert();
            } else if (p < 700) {
                remove();
            } else if (p < 715) {
                removeRange();
            } else if (p < 900) {
                lookup();
            } else if (p < 915) {
                commit();
            } else if (p < 918) {
                abort();
            } else if (p < 922) {
                if (held < 0) {
                    op = "reserve metadata snap";
                    t.top().share(root);
                    held = root;
                    heldModel = deepCopy(devs);
                } else {
                    op = "release metadata snap";
                    t.top().delete(held);
                    held = -1;
                    heldModel = null;
                }
            } else if (p < 925) {
                op = "insert into missing device";
                long id = freeDeviceId();
                if (id >= 0) {
                    long before = root;
                    try {
                        t.insert(root, id, 1, 1L);
                        throw new AssertionError("insert into missing device " + id + " was accepted");
                    } catch (IllegalArgumentException expected) {
                        check(before == root, "root changed");
                    }
                }
            } else {
                insert();
            }
        }

        void createDevice() {
            long id = freeDeviceId();
            if (id < 0) {
                return;
            }
            op = "create device " + id;
            BTree.Insert r = t.top().insert(root, id, t.bottom().createEmpty());
            check(r.added(), "device existed");
            root = r.root();
            devs.put(id, new TreeMap<>());
        }

        void deleteDevice() {
            long id = anyDevice();
            op = "delete device " + id;
            BTree.Remove<Long> r = t.top().remove(root, id);
            check(r.removed() != null, "device missing");
            root = r.root();
            devs.remove(id);
        }

        void snapshotDevice() {
            long origin = anyDevice();
            long id = freeDeviceId();
            if (id < 0) {
                return;
            }
            op = "snapshot " + origin + " as " + id;
            long sub = t.top().lookup(root, origin);
            t.bottom().share(sub);
            root = t.top().insert(root, id, sub).root();
            devs.put(id, new TreeMap<>(devs.get(origin)));
        }

        long vblock() {
            return rnd.nextInt(4) == 0 ? rnd.nextLong(1L << 32) : rnd.nextLong(12_000);
        }

        void insert() {
            long dev = anyDevice();
            long vb = vblock();
            long v = nextData < data.nrBlocks() ? nextData++ : 0;
            op = "insert " + dev + ":" + vb + " -> " + v;
            data.inc(v);
            BTree.Insert r = t.insert(root, dev, vb, v);
            Long old = devs.get(dev).put(vb, v);
            check(r.added() == (old == null), "added " + r.added() + ", model had " + old);
            root = r.root();
            check(Objects.equals(v, t.lookup(root, dev, vb)), "lookup after insert");
        }

        void remove() {
            long dev = anyDevice();
            TreeMap<Long, Long> m = devs.get(dev);
            Long k = m.ceilingKey(vblock());
            long vb = k != null && rnd.nextInt(5) > 0 ? k : vblock();
            op = "remove " + dev + ":" + vb;
            Long expected = m.remove(vb);
            BTree.Remove<Long> r = t.remove(root, dev, vb);
            check(Objects.equals(expected, r.removed()), "removed " + r.removed() + ", model " + expected);
            if (expected == null) {
                check(r.root() == root, "root moved on absent key");
            }
            root = r.root();
        }

        void removeRange() {
            long dev = anyDevice();
            long begin = vblock();
            long end = begin + 1 + rnd.nextInt(rnd.nextBoolean() ? 100 : 5_000);
            op = "removeRange " + dev + ":[" + begin + ", " + end + ")";
            var doomed = devs.get(dev).subMap(begin, end);
            long expected = doomed.size();
            doomed.clear();
            BTree.RemoveRange r = t.removeRange(root, dev, begin, end);
            check(r.removed() == expected, "removed " + r.removed() + ", expected " + expected);
            root = r.root();
        }

        void lookup() {
            long dev = rnd.nextInt(20) == 0 ? rnd.nextLong(16) : anyDevice();
            long vb = vblock();
            op = "lookup " + dev + ":" + vb;
            TreeMap<Long, Long> m = devs.get(dev);
            Long expected = m == null ? null : m.get(vb);
            check(Objects.equals(expected, t.lookup(root, dev, vb)), "lookup");
        }

        void commit() {
            op = "commit";
            data.commit();
            md.commit(held >= 0 ? new long[] {root, held} : new long[] {root});
            committedRoot = root;
            committedHeld = held;
            committedDevs = deepCopy(devs);
            committedHeldModel = heldModel;
            committedNextData = nextData;
        }

        void abort() {
            op = "abort";
            md.abort();
            data.abort();
            root = committedRoot;
            held = committedHeld;
            devs = deepCopy(committedDevs);
            heldModel = committedHeldModel;
            nextData = committedNextData;
            fullCheck();
        }

        static TreeMap<Long, TreeMap<Long, Long>> deepCopy(TreeMap<Long, TreeMap<Long, Long>> m) {
            TreeMap<Long, TreeMap<Long, Long>> c = new TreeMap<>();
            m.forEach((k, v) -> c.put(k, new TreeMap<>(v)));
            return c;
        }

        void fullCheck() {
            String saved = op;
            op = saved + " / full check";
            checkPool(root, devs, "live");
            if (held >= 0) {
                checkPool(held, heldModel, "metadata snapshot");
            }
            RefCountOracle o = new RefCountOracle(md.sm.nrBlocks(), data.nrBlocks()).holdBlock(0).holdTwoLevel(t, root);
            if (held >= 0) {
                o.holdTwoLevel(t, held);
            }
            o.assertMatches(md.sm.snapshot(), data.snapshot(), where());
            op = saved;
        }

        void checkPool(long top, TreeMap<Long, TreeMap<Long, Long>> model, String what) {
            TreeInvariants.check(t.top(), top, where() + " " + what + " top level");
            List<Long> ids = new ArrayList<>();
            t.top().forEach(top, 0, Long.MAX_VALUE, (id, sub) -> ids.add(id));
            check(ids.equals(new ArrayList<>(model.keySet())), what + " devices " + ids + ", model " + model.keySet());
            for (Map.Entry<Long, TreeMap<Long, Long>> e : model.entrySet()) {
                long sub = t.top().lookup(top, e.getKey());
                TreeInvariants.check(t.bottom(), sub, where() + " " + what + " device " + e.getKey());
                TreeMap<Long, Long> actual = new TreeMap<>();
                t.bottom().forEach(sub, 0, Long.MAX_VALUE, (k, v) -> actual.put(k, v) == null);
                check(actual.equals(e.getValue()), what + " device " + e.getKey() + " has " + actual.size()
                        + " mappings, model " + e.getValue().size());
            }
        }

        void check(boolean ok, String what) {
            if (!ok) {
                throw new AssertionError(where() + ": " + what);
            }
        }
    }
}
