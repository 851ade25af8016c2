package io.jthin.allocator;

import io.jthin.btree.BlockType;
import io.jthin.btree.SpaceMap;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Model-based test of both space maps together, the way the pool drives them: random data
 * inc/dec/allocate/free/extend, metadata blocks allocated and referenced by "users", metadata
 * growth, commits with the pool's sequence, aborts (back to the last commit), crashes between the
 * space-map commits and the superblock write, and cold reopens. The model is a plain
 * {@code long[]} of data counts (current and committed) and a map of user references to metadata
 * blocks; after every step the touched block and the totals are compared, after every commit all
 * metadata counts are compared with a walk of everything reachable (§5.6), after aborts and
 * reopens all data counts. Every metadata allocation (including the space maps' own, during their
 * commit) is checked to be free at the last commit.
 *
 * <p>{@code -Djthin.seed=N} replays one seed; {@code -Djthin.ops=N} changes the length.
 */
class SpaceMapModelTest {
    static Stream<Long> seeds() {
        String one = System.getProperty("jthin.seed");
        if (one != null && !one.isBlank()) {
            return Stream.of(Long.parseLong(one.trim()));
        }
        return LongStream.rangeClosed(1, 20).boxed();
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void randomOperationsAgreeWithThePlainModel(long seed) {
        new Run(seed, Integer.getInteger("jthin.ops", 100_000)).run();
    }

    /** Delegates to the metadata space map and checks every allocation against the last commit. */
    private static final class AllocationCheck implements SpaceMap {
        final MetadataSpaceMap sm;
        final Run run;

        AllocationCheck(MetadataSpaceMap sm, Run run) {
            this.sm = sm;
            this.run = run;
        }

        @Override
        public long nrBlocks() {
            return sm.nrBlocks();
        }

        @Override
        public long nrAllocated() {
            return sm.nrAllocated();
        }

        @Override
        public long nrFree() {
            return sm.nrFree();
        }

        @Override
        public long refCount(long block) {
            return sm.refCount(block);
        }

        @Override
        public void inc(long block, long delta) {
            sm.inc(block, delta);
        }

        @Override
        public long newBlock() {
            long b = sm.newBlock();
            if (b < run.committedMeta.length && run.committedMeta[(int) b] != 0) {
                run.fail("metadata block " + b + " was handed out but has count " + run.committedMeta[(int) b]
                        + " in the last commit");
            }
            return b;
        }

        @Override
        public void extend(long extraBlocks) {
            sm.extend(extraBlocks);
        }

        @Override
        public void commit() {
            sm.commit();
        }
    }

    private static final class Run {
        final long seed;
        final int ops;
        final SplittableRandom rnd;
        Harness h;
        int step;
        String op = "format";

        // data model
        long[] cur;
        long[] committed;
        long n;
        long committedN;
        long freeBoth;
        long allocated;
        /** Blocks with a count above 0 now, for picking; pos[b] = index + 1 or 0. */
        long[] live;
        int liveSize;
        int[] livePos;

        // metadata model
        Map<Long, Long> userRefs = new HashMap<>();
        Map<Long, Long> committedUserRefs = new HashMap<>();
        long[] committedMeta = new long[0];
        final List<Long> userBlocks = new ArrayList<>();

        Run(long seed, int ops) {
            this.seed = seed;
            this.ops = ops;
            this.rnd = new SplittableRandom(seed);
        }

        void fail(String what) {
            throw new AssertionError("seed " + seed + " step " + step + " (" + op + "): " + what
                    + "  [replay: -Djthin.seed=" + seed + "]");
        }

        void eq(long want, long got, String what) {
            if (want != got) {
                fail(what + ": expected " + want + ", got " + got);
            }
        }

        void run() {
            long metaBlocks = 1024 + rnd.nextInt(2048);
            n = 20_000 + rnd.nextInt(30_000);
            h = Harness.format(metaBlocks, n);
            install();
            cur = new long[(int) n];
            committed = new long[(int) n];
            live = new long[1024];
            livePos = new int[(int) n];
            freeBoth = n;
            committedN = n;
            commit();
            for (step = 1; step <= ops; step++) {
                try {
                    step();
                } catch (AssertionError e) {
                    throw e;
                } catch (RuntimeException e) {
                    throw new AssertionError("seed " + seed + " step " + step + " (" + op + "): " + e
                            + "  [replay: -Djthin.seed=" + seed + "]", e);
                }
            }
            op = "final reopen";
            commit();
            reopen();
        }

        void install() {
            h.tm.spaceMap(new AllocationCheck(h.msm, this));
        }

        void step() {
            int r = rnd.nextInt(1000);
            if (r < 280) {
                allocateData();
            } else if (r < 400) {
                incData();
            } else if (r < 600) {
                decData(false);
            } else if (r < 700) {
                decData(true);
            } else if (r < 710) {
                extendData();
            } else if (r < 760) {
                allocateMeta();
            } else if (r < 800) {
                incMeta();
            } else if (r < 850) {
                decMeta();
            } else if (r < 853) {
                extendMeta();
            } else if (r < 861) {
                commit();
            } else if (r < 862 || r == 999 && rnd.nextBoolean()) {
                abort();
            } else if (r < 863) {
                crashBeforeSuperblock();
            } else if (r < 864) {
                commit();
                reopen();
            } else {
                allocateData();
            }
            eq(allocated, h.dsm.nrAllocated(), "data nr_allocated");
            eq(freeBoth, h.dsm.nrFree(), "data free blocks (free now and at the last commit)");
            eq(n, h.dsm.nrBlocks(), "data nr_blocks");
        }

        // ---- data ----

        void setData(long b, long now) {
            int i = (int) b;
            long before = cur[i];
            boolean freeBefore = before == 0 && committed[i] == 0;
            cur[i] = now;
            boolean freeAfter = now == 0 && committed[i] == 0;
            freeBoth += (freeAfter ? 1 : 0) - (freeBefore ? 1 : 0);
            if (before == 0 && now > 0) {
                allocated++;
                addLive(i);
            } else if (before > 0 && now == 0) {
                allocated--;
                removeLive(i);
            }
        }

        void addLive(int b) {
            if (liveSize == live.length) {
                live = Arrays.copyOf(live, liveSize * 2);
            }
            live[liveSize++] = b;
            livePos[b] = liveSize;
        }

        void removeLive(int b) {
            int i = livePos[b] - 1;
            long last = live[--liveSize];
            live[i] = last;
            livePos[(int) last] = i + 1;
            livePos[b] = 0;
        }

        void allocateData() {
            op = "data newBlock";
            if (freeBoth == 0) {
                try {
                    long b = h.dsm.newBlock();
                    fail("newBlock returned " + b + " but no block is free now and at the last commit");
                } catch (OutOfDataSpaceException expected) {
                    return;
                }
            }
            long b = h.dsm.newBlock();
            if (b < 0 || b >= n) {
                fail("newBlock returned " + b + " outside 0.." + (n - 1));
            }
            if (cur[(int) b] != 0 || committed[(int) b] != 0) {
                fail("newBlock returned block " + b + " with count " + cur[(int) b] + " now and "
                        + committed[(int) b] + " at the last commit (freed in this transaction?)");
            }
            setData(b, 1);
            eq(1, h.dsm.refCount(b), "count of new data block " + b);
        }

        long pickHotOrAny() {
            return rnd.nextInt(10) < 6 ? rnd.nextLong(Math.min(256, n)) : rnd.nextLong(n);
        }

        void incData() {
            op = "data inc";
            long b = rnd.nextInt(3) == 0 && liveSize > 0 ? live[rnd.nextInt(liveSize)] : pickHotOrAny();
            long delta = 1 + rnd.nextInt(3);
            h.dsm.inc(b, delta);
            setData(b, cur[(int) b] + delta);
            eq(cur[(int) b], h.dsm.refCount(b), "count of data block " + b);
        }

        void decData(boolean toZero) {
            op = toZero ? "data free" : "data dec";
            if (liveSize == 0) {
                return;
            }
            long b = rnd.nextInt(2) == 0 ? live[rnd.nextInt(liveSize)] : pickHotOrAny();
            long c = cur[(int) b];
            if (c == 0) {
                try {
                    h.dsm.dec(b);
                    fail("dec of free data block " + b + " was accepted");
                } catch (IllegalStateException expected) {
                    eq(0, h.dsm.refCount(b), "count of data block " + b + " after a refused dec");
                    return;
                }
            }
            long delta = toZero ? c : 1 + rnd.nextLong(Math.min(c, 3));
            h.dsm.inc(b, -delta);
            setData(b, c - delta);
            eq(cur[(int) b], h.dsm.refCount(b), "count of data block " + b);
        }

        void extendData() {
            op = "data extend";
            if (n > 120_000) {
                return;
            }
            long extra = 1 + rnd.nextInt(rnd.nextBoolean() ? 50 : 20_000);
            h.dsm.extend(extra);
            long old = n;
            n += extra;
            cur = Arrays.copyOf(cur, (int) n);
            committed = Arrays.copyOf(committed, (int) n);
            livePos = Arrays.copyOf(livePos, (int) n);
            freeBoth += n - old;
        }

        // ---- metadata ----

        void allocateMeta() {
            op = "metadata newBlock";
            if (userBlocks.size() > 400) {
                decMeta();
                return;
            }
            long b = h.tm.newBlock(BlockType.BTREE_NODE).location();
            if (userRefs.containsKey(b)) {
                fail("metadata block " + b + " handed out while a user holds it");
            }
            userRefs.put(b, 1L);
            userBlocks.add(b);
            eq(1, h.msm.refCount(b), "count of new metadata block " + b);
        }

        void incMeta() {
            op = "metadata inc";
            if (userBlocks.isEmpty()) {
                return;
            }
            long b = userBlocks.get(rnd.nextInt(Math.min(userBlocks.size(), 16)));
            int times = 1 + rnd.nextInt(2);
            for (int i = 0; i < times; i++) {
                h.tm.inc(b);
            }
            userRefs.merge(b, (long) times, Long::sum);
            eq(userRefs.get(b), h.msm.refCount(b), "count of metadata block " + b);
        }

        void decMeta() {
            op = "metadata dec";
            if (userBlocks.isEmpty()) {
                return;
            }
            int i = rnd.nextInt(userBlocks.size());
            long b = userBlocks.get(i);
            h.tm.dec(b);
            long c = userRefs.get(b) - 1;
            if (c == 0) {
                userRefs.remove(b);
                userBlocks.set(i, userBlocks.get(userBlocks.size() - 1));
                userBlocks.remove(userBlocks.size() - 1);
            } else {
                userRefs.put(b, c);
            }
            eq(c, h.msm.refCount(b), "count of metadata block " + b);
        }

        void extendMeta() {
            op = "metadata extend";
            if (h.msm.nrBlocks() > 24_000) {
                return;
            }
            h.extendMetadata(1 + rnd.nextInt(rnd.nextBoolean() ? 100 : 20_000));
        }

        // ---- transactions ----

        void commit() {
            op = "commit";
            MinimalSuperblock sb = h.commit();
            System.arraycopy(cur, 0, committed, 0, (int) n);
            committedN = n;
            freeBoth = n - allocated;
            committedUserRefs = new HashMap<>(userRefs);
            checkMetadata(sb);
        }

        /** Every metadata count equals the references §5.6 defines plus the users'. */
        void checkMetadata(MinimalSuperblock sb) {
            MetadataRefs refs = MetadataRefs.of(h.tm, sb);
            long[] want = refs.metadata;
            for (Map.Entry<Long, Long> e : userRefs.entrySet()) {
                want[(int) (long) e.getKey()] += e.getValue();
            }
            long nonZero = 0;
            for (int b = 0; b < want.length; b++) {
                if (want[b] != h.msm.refCount(b)) {
                    eq(want[b], h.msm.refCount(b), "metadata count of block " + b + " after commit");
                }
                nonZero += want[b] > 0 ? 1 : 0;
            }
            eq(nonZero, h.msm.nrAllocated(), "metadata nr_allocated");
            eq(nonZero, sb.metadataSm().nrAllocated(), "metadata nr_allocated in the root");
            eq(allocated, sb.dataSm().nrAllocated(), "data nr_allocated in the root");
            committedMeta = want;
        }

        void revertToCommitted() {
            n = committedN;
            cur = Arrays.copyOf(committed, (int) n);
            committed = Arrays.copyOf(committed, (int) n);
            livePos = new int[(int) n];
            liveSize = 0;
            allocated = 0;
            for (int b = 0; b < n; b++) {
                if (cur[b] > 0) {
                    allocated++;
                    addLive(b);
                }
            }
            freeBoth = n - allocated;
            userRefs = new HashMap<>(committedUserRefs);
            userBlocks.clear();
            userBlocks.addAll(userRefs.keySet());
            userBlocks.sort(null);
        }

        void abort() {
            op = "abort";
            h.abort();
            install();
            revertToCommitted();
            checkAllData();
        }

        /** Both space maps commit and their blocks reach the device, but the superblock is never written. */
        void crashBeforeSuperblock() {
            op = "crash before superblock";
            h.dsm.commitRoot();
            h.msm.commitRoot();
            h.tm.preCommit();
            h = h.reopen();
            install();
            revertToCommitted();
            checkAllData();
            checkMetadata(h.lastCommit);
        }

        void reopen() {
            op = "reopen";
            h = h.reopen();
            install();
            checkAllData();
            checkMetadata(h.lastCommit);
        }

        void checkAllData() {
            eq(n, h.dsm.nrBlocks(), "data nr_blocks after reopen");
            for (long b = 0; b < n; b++) {
                if (cur[(int) b] != h.dsm.refCount(b)) {
                    eq(cur[(int) b], h.dsm.refCount(b), "count of data block " + b);
                }
            }
            eq(allocated, h.dsm.nrAllocated(), "data nr_allocated");
            eq(freeBoth, h.dsm.nrFree(), "data free");
            for (Map.Entry<Long, Long> e : userRefs.entrySet()) {
                eq(e.getValue(), h.msm.refCount(e.getKey()), "count of user metadata block " + e.getKey());
            }
        }
    }
}
