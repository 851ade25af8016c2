package io.jthin.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.jthin.engine.PoolOptions;
import io.jthin.engine.ThinPool;
import io.jthin.engine.ThinVolume;
import io.jthin.loopfile.MemoryBlockDevice;
import io.jthin.loopfile.SparseFile;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 6, concurrency soak: 8 threads for a bounded time (CI 60 s; {@code -Djthin.soak.seconds=N})
 * on one pool over sparse files, with the background committer on. Each thread mixes:
 * <ul>
 *   <li>writes and reads of its own 4 KiB slots in blocks of two shared volumes (threads t and t+8
 *       own slots of every block, so eight threads write into the same blocks at once), and reads
 *       of other threads' slots (a valid stamp of the owner, for that very place, never newer than
 *       the owner issued);
 *   <li>whole-block and partial writes, discards and reads of its own thin device, snapshots of it
 *       (verified, written, deleted), and now and then deleting that device and creating another;
 *   <li>snapshots of a shared volume (its own slots verified in the snapshot, then deleted), flushes,
 *       status queries.
 * </ul>
 * A watchdog fails the test, after printing every thread's stack, if no operation completes for 10 s
 * (deadlock or livelock). At the end every device must equal the model of acknowledged writes, then
 * again after close and reopen; thin_check and the strict audits must pass.
 */
class SoakTest {
    private static final int BLOCK = 64 * 1024;
    private static final int SLOT = 4096;
    private static final int SLOTS = BLOCK / SLOT;
    private static final int THREADS = 8;
    private static final int SHARED_BLOCKS = 48;
    private static final int PRIVATE_BLOCKS = 24;
    private static final long SHARED_BYTES = (long) SHARED_BLOCKS * BLOCK;
    private static final long PRIVATE_BYTES = (long) PRIVATE_BLOCKS * BLOCK;
    private static final long SECONDS = Long.getLong("jthin.soak.seconds", 60);
    private static final long STALL_MILLIS = 10_000;
    private static final int MAGIC = 0x50A4_50A4;
    private static final byte[] ZERO_BLOCK = new byte[BLOCK];
    private static final byte[] ZERO_SLOT = new byte[SLOT];

    @TempDir
    Path dir;

    private ThinPool pool;
    private final ThinVolume[] shared = new ThinVolume[2];
    /** [volume][block * SLOTS + slot] → last acknowledged seq of the owner (0 = never written). Written by the owner only. */
    private final long[][] lastSeq = new long[2][SHARED_BLOCKS * SLOTS];
    /** Highest seq each thread has issued (its in-flight write may be visible to others). */
    private final AtomicLongArray issued = new AtomicLongArray(THREADS);
    private final AtomicLong progress = new AtomicLong();
    private final AtomicBoolean stop = new AtomicBoolean();
    private final ConcurrentLinkedQueue<Throwable> errors = new ConcurrentLinkedQueue<>();
    private final Map<String, AtomicLong> counts = new ConcurrentHashMap<>();
    /** Each thread's private devices at the end: id → blocks (null = zeros). */
    private final Map<Long, byte[][]> privateModels = new ConcurrentHashMap<>();

    private void count(String what) {
        counts.computeIfAbsent(what, k -> new AtomicLong()).incrementAndGet();
        progress.incrementAndGet();
    }

    private static PoolOptions options() {
        return PoolOptions.defaults().withCommitInterval(Duration.ofMillis(100));
    }

    static ByteBuffer stamp(int thread, long seq, int vol, int block, int slot) {
        ByteBuffer b = ByteBuffer.allocate(SLOT);
        while (b.hasRemaining()) {
            b.putInt(MAGIC).putInt(thread).putLong(seq).putInt(vol).putInt(block).putInt(slot)
                    .putInt((int) (seq * 31 + thread * 7 + block * 13 + slot));
        }
        return b.flip();
    }

    /** Owner of a slot: threads t and t + 8 own slots t and t + 8. */
    private static int owner(int slot) {
        return slot % THREADS;
    }

    @Test
    void eightThreadsMixedOperationsWithoutLossOrDeadlock() throws Exception {
        Path dataPath = dir.resolve("data");
        Path metaPath = dir.resolve("metadata");
        long start = System.nanoTime();
        pool = ThinPool.create(SparseFile.create(dataPath, 512L << 20), SparseFile.create(metaPath, 32L << 20), options());
        for (int v = 0; v < 2; v++) {
            pool.createThin(v);
            shared[v] = pool.openVolume(v, SHARED_BYTES);
        }
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
            int thread = t;
            workers.add(Thread.ofPlatform().daemon(true).name("soak-" + t).start(() -> {
                try {
                    new Worker(thread).run();
                } catch (Throwable e) {
                    errors.add(e);
                    stop.set(true);
                }
            }));
        }
        long maxStall = watch(start);
        stop.set(true);
        for (Thread w : workers) {
            w.join(30_000);
            if (w.isAlive()) {
                dumpThreads("a worker did not stop within 30 s");
                fail("worker " + w.getName() + " did not stop (deadlock?)");
            }
        }
        if (!errors.isEmpty()) {
            errors.forEach(Throwable::printStackTrace);
            Throwable first = errors.peek();
            throw new AssertionError(errors.size() + " worker(s) failed; first: " + first, first);
        }
        long verified = verifyAll("at the end");
        pool.commit();
        for (ThinVolume v : shared) {
            v.close();
        }
        pool.close();
        pool = ThinPool.open(SparseFile.open(dataPath), SparseFile.open(metaPath), options());
        for (int v = 0; v < 2; v++) {
            shared[v] = pool.openVolume(v, SHARED_BYTES);
        }
        verified += verifyAll("after close and reopen");
        for (ThinVolume v : shared) {
            v.close();
        }
        pool.close();
        ThinTools.assertCheckClean(metaPath, "after the soak");
        MemoryBlockDevice metaCopy = new MemoryBlockDevice("metadata", Files.size(metaPath));
        metaCopy.write(0, ByteBuffer.wrap(Files.readAllBytes(metaPath)));
        MetadataAudit audit = MetadataAudit.of(metaCopy, Files.size(dataPath));
        assertTrue(audit.problems().isEmpty(), "audit: " + audit.problems());
        long secs = (System.nanoTime() - start) / 1_000_000_000L;
        long ops = progress.get();
        System.out.println("soak: details " + new TreeMap<>(counts));
        long writes = get("write shared") + get("write private") + get("write snapshot");
        long snapshots = get("snapshot private") + get("snapshot shared");
        long deletes = get("delete snapshot") + get("delete device") + get("snapshot shared");
        System.out.println("soak: " + secs + " s, " + THREADS + " threads, " + ops + " ops (" + writes + " writes, "
                + get("read verified") + " reads verified, " + snapshots + " snapshots, " + deletes + " deletes, "
                + get("discard") + " discards, " + get("flush") + " flushes), " + verified
                + " blocks verified at the end and after reopen, 0 lost, longest stall " + maxStall + " ms (watchdog "
                + "samples every 100 ms, fails at " + STALL_MILLIS + ")");
        assertTrue(get("snapshot shared") > 0 && get("delete device") > 0 && get("discard") > 0, "every kind ran");
    }

    private long get(String what) {
        AtomicLong c = counts.get(what);
        return c == null ? 0 : c.get();
    }

    /** Runs until the time is up or a worker fails; fails the test if progress stops for 10 s. Returns the longest stall. */
    private long watch(long start) throws InterruptedException {
        long deadline = start + SECONDS * 1_000_000_000L;
        long last = progress.get();
        long lastChange = System.nanoTime();
        long maxStall = 0;
        while (System.nanoTime() < deadline && !stop.get()) {
            Thread.sleep(100);
            long now = progress.get();
            long t = System.nanoTime();
            if (now != last) {
                last = now;
                lastChange = t;
            }
            long stall = (t - lastChange) / 1_000_000;
            maxStall = Math.max(maxStall, stall);
            if (stall > STALL_MILLIS) {
                dumpThreads("no operation completed for " + stall + " ms");
                stop.set(true);
                fail("the soak stalled: no operation completed for " + stall + " ms (thread dump above)");
            }
        }
        return maxStall;
    }

    private static void dumpThreads(String why) {
        StringBuilder sb = new StringBuilder("=== thread dump: " + why + " ===\n");
        for (ThreadInfo ti : ManagementFactory.getThreadMXBean().dumpAllThreads(true, true)) {
            sb.append(ti.toString());
            // ThreadInfo.toString cuts stacks at 8 frames: print them whole.
            StackTraceElement[] st = ti.getStackTrace();
            for (int i = 8; i < st.length; i++) {
                sb.append("\tat ").append(st[i]).append('\n');
            }
        }
        System.out.println(sb);
    }

    /** One soak thread: its shared slots, its own device and snapshots, shared snapshots. */
    private final class Worker {
        private final int t;
        private final SplittableRandom rnd;
        private long seq;
        private long nextId;
        private long privateId;
        private ThinVolume priv;
        private byte[][] privModel = new byte[PRIVATE_BLOCKS][];
        /** Live snapshots of the private device: id, volume, model. */
        private final Deque<Object[]> snaps = new ArrayDeque<>();

        Worker(int t) {
            this.t = t;
            this.rnd = new SplittableRandom(1000 + t);
            this.nextId = 1000L + t * 100_000L;
        }

        void run() {
            newPrivateDevice();
            while (!stop.get()) {
                int op = rnd.nextInt(1000);
                if (op < 330) {
                    writeShared();
                } else if (op < 430) {
                    readOwnShared();
                } else if (op < 480) {
                    readOtherShared();
                } else if (op < 680) {
                    writePrivate();
                } else if (op < 730) {
                    discardPrivate();
                } else if (op < 800) {
                    readPrivate();
                } else if (op < 840) {
                    snapshotPrivate();
                } else if (op < 880) {
                    writeSnapshot();
                } else if (op < 900) {
                    deleteSnapshot();
                } else if (op < 915) {
                    snapshotShared();
                } else if (op < 945) {
                    pool.commit();
                    count("flush");
                } else if (op < 965) {
                    pool.status();
                    pool.thinStatus(privateId);
                    count("status");
                } else if (op < 970) {
                    deletePrivateDevice();
                    newPrivateDevice();
                } else {
                    writeShared();
                }
            }
            privateModels.put(privateId, privModel);
            for (Object[] s : snaps) {
                privateModels.put((Long) s[0], (byte[][]) s[2]);
                ((ThinVolume) s[1]).close();
            }
            priv.close();
        }

        private int mySlot() {
            return rnd.nextBoolean() ? t : t + THREADS;
        }

        private void writeShared() {
            int vol = rnd.nextInt(2);
            int block = rnd.nextInt(SHARED_BLOCKS);
            int slot = mySlot();
            long s = ++seq;
            issued.set(t, s);
            shared[vol].write((long) block * BLOCK + (long) slot * SLOT, stamp(t, s, vol, block, slot));
            lastSeq[vol][block * SLOTS + slot] = s;
            count("write shared");
        }

        private void readOwnShared() {
            int vol = rnd.nextInt(2);
            int block = rnd.nextInt(SHARED_BLOCKS);
            int slot = mySlot();
            ByteBuffer got = ByteBuffer.allocate(SLOT);
            shared[vol].read((long) block * BLOCK + (long) slot * SLOT, got);
            long s = lastSeq[vol][block * SLOTS + slot];
            ByteBuffer want = s == 0 ? ByteBuffer.wrap(ZERO_SLOT) : stamp(t, s, vol, block, slot);
            if (!got.flip().equals(want)) {
                throw new AssertionError("thread " + t + ": shared volume " + vol + " block " + block + " slot " + slot
                        + " does not read back its last acknowledged write (seq " + s + ")");
            }
            count("read verified");
        }

        private void readOtherShared() {
            int vol = rnd.nextInt(2);
            int block = rnd.nextInt(SHARED_BLOCKS);
            int slot = rnd.nextInt(SLOTS);
            ByteBuffer got = ByteBuffer.allocate(SLOT);
            shared[vol].read((long) block * BLOCK + (long) slot * SLOT, got);
            checkForeignSlot(got.array(), vol, block, slot, "shared volume " + vol);
            count("read verified");
        }

        /** A slot written by another thread: zeros, or a whole valid stamp of its owner for this place, not from the future. */
        private void checkForeignSlot(byte[] got, int vol, int block, int slot, String where) {
            if (Arrays.equals(got, ZERO_SLOT)) {
                return;
            }
            ByteBuffer b = ByteBuffer.wrap(got);
            int magic = b.getInt(0);
            int thread = b.getInt(4);
            long s = b.getLong(8);
            if (magic != MAGIC || thread != owner(slot) || b.getInt(16) != vol || b.getInt(20) != block
                    || b.getInt(24) != slot || s <= 0 || s > issued.get(thread)
                    || !b.equals(stamp(thread, s, vol, block, slot))) {
                throw new AssertionError("thread " + t + ": " + where + " block " + block + " slot " + slot
                        + " holds bytes no one wrote there (magic " + Integer.toHexString(magic) + ", thread " + thread
                        + ", seq " + s + ")");
            }
        }

        private void newPrivateDevice() {
            privateId = nextId++;
            pool.createThin(privateId);
            priv = pool.openVolume(privateId, PRIVATE_BYTES);
            privModel = new byte[PRIVATE_BLOCKS][];
        }

        private void deletePrivateDevice() {
            priv.close();
            pool.delete(privateId);
            count("delete device");
        }

        /** Writes to the private device or a snapshot: whole blocks or a sector-aligned piece. */
        private void write(ThinVolume v, byte[][] model) {
            long off;
            int len;
            if (rnd.nextBoolean()) {
                int n = 1 + rnd.nextInt(2);
                len = n * BLOCK;
                off = (long) rnd.nextInt(PRIVATE_BLOCKS - n + 1) * BLOCK;
            } else {
                len = 512 * (1 + rnd.nextInt(40));
                off = 512L * rnd.nextInt((int) ((PRIVATE_BYTES - len) / 512) + 1);
            }
            byte[] buf = CrashWorkload.content(((long) t << 40) ^ ++seq, len);
            v.write(off, ByteBuffer.wrap(buf));
            for (long b = off / BLOCK; b * BLOCK < off + len; b++) {
                long from = Math.max(off, b * BLOCK);
                long to = Math.min(off + len, (b + 1) * BLOCK);
                byte[] next = model[(int) b] == null ? new byte[BLOCK] : model[(int) b].clone();
                System.arraycopy(buf, (int) (from - off), next, (int) (from - b * BLOCK), (int) (to - from));
                model[(int) b] = next;
            }
        }

        private void writePrivate() {
            write(priv, privModel);
            count("write private");
        }

        private void discardPrivate() {
            int first = rnd.nextInt(PRIVATE_BLOCKS);
            int n = 1 + rnd.nextInt(Math.min(4, PRIVATE_BLOCKS - first));
            priv.discard((long) first * BLOCK, (long) n * BLOCK);
            for (int b = first; b < first + n; b++) {
                privModel[b] = null;
            }
            count("discard");
        }

        private void verifyBlock(ThinVolume v, byte[][] model, int b, String what) {
            byte[] got = new byte[BLOCK];
            v.read((long) b * BLOCK, ByteBuffer.wrap(got));
            byte[] want = model[b] == null ? ZERO_BLOCK : model[b];
            if (!Arrays.equals(got, want)) {
                throw new AssertionError("thread " + t + ": " + what + " block " + b + " differs from the model at byte "
                        + Arrays.mismatch(got, want));
            }
            count("read verified");
        }

        private void readPrivate() {
            verifyBlock(priv, privModel, rnd.nextInt(PRIVATE_BLOCKS), "device " + privateId);
        }

        private void snapshotPrivate() {
            if (snaps.size() >= 3) {
                deleteSnapshot();
            }
            long id = nextId++;
            pool.createSnap(id, privateId);
            ThinVolume v = pool.openVolume(id, PRIVATE_BYTES);
            byte[][] model = privModel.clone(); // blocks are replaced, never changed in place: a shallow copy will do
            snaps.add(new Object[] {id, v, model});
            verifyBlock(v, model, rnd.nextInt(PRIVATE_BLOCKS), "new snapshot " + id);
            count("snapshot private");
        }

        private void writeSnapshot() {
            if (snaps.isEmpty()) {
                return;
            }
            Object[] s = snaps.peekLast();
            write((ThinVolume) s[1], (byte[][]) s[2]);
            verifyBlock((ThinVolume) s[1], (byte[][]) s[2], rnd.nextInt(PRIVATE_BLOCKS), "snapshot " + s[0]);
            count("write snapshot");
        }

        private void deleteSnapshot() {
            Object[] s = snaps.pollFirst();
            if (s == null) {
                return;
            }
            for (int b = 0; b < PRIVATE_BLOCKS; b += 5) {
                verifyBlock((ThinVolume) s[1], (byte[][]) s[2], b, "snapshot " + s[0] + " before its delete");
            }
            ((ThinVolume) s[1]).close();
            pool.delete((Long) s[0]);
            count("delete snapshot");
        }

        /** Snapshots a shared volume: this thread's own slots are exact in it; others' are valid stamps. */
        private void snapshotShared() {
            int vol = rnd.nextInt(2);
            long id = nextId++;
            long[] mine = lastSeq[vol].clone();
            pool.createSnap(id, vol);
            try (ThinVolume v = pool.openVolume(id, SHARED_BYTES)) {
                for (int i = 0; i < 6; i++) {
                    int block = rnd.nextInt(SHARED_BLOCKS);
                    for (int slot = 0; slot < SLOTS; slot++) {
                        ByteBuffer got = ByteBuffer.allocate(SLOT);
                        v.read((long) block * BLOCK + (long) slot * SLOT, got);
                        if (owner(slot) == t) {
                            long s = mine[block * SLOTS + slot];
                            ByteBuffer want = s == 0 ? ByteBuffer.wrap(ZERO_SLOT) : stamp(t, s, vol, block, slot);
                            if (!got.flip().equals(want)) {
                                throw new AssertionError("thread " + t + ": snapshot " + id + " of shared volume " + vol
                                        + " lacks this thread's write to block " + block + " slot " + slot);
                            }
                        } else {
                            checkForeignSlot(got.array(), vol, block, slot, "snapshot " + id);
                        }
                    }
                }
            }
            pool.delete(id);
            count("snapshot shared");
        }
    }

    /** Every device against the model; returns the number of blocks checked. */
    private long verifyAll(String when) {
        long blocks = 0;
        byte[] got = new byte[BLOCK];
        for (int vol = 0; vol < 2; vol++) {
            for (int block = 0; block < SHARED_BLOCKS; block++) {
                shared[vol].read((long) block * BLOCK, ByteBuffer.wrap(got));
                for (int slot = 0; slot < SLOTS; slot++) {
                    long s = lastSeq[vol][block * SLOTS + slot];
                    byte[] want = s == 0 ? ZERO_SLOT : stamp(owner(slot), s, vol, block, slot).array();
                    if (!Arrays.equals(got, slot * SLOT, (slot + 1) * SLOT, want, 0, SLOT)) {
                        fail(when + ": shared volume " + vol + " block " + block + " slot " + slot + " lost its last write"
                                + " (seq " + s + " of thread " + owner(slot) + ")");
                    }
                }
                blocks++;
            }
        }
        assertEquals(new java.util.TreeSet<>(pool.deviceIds()).size(), privateModels.size() + 2,
                when + ": devices " + pool.deviceIds() + " vs the model's " + privateModels.keySet());
        for (var e : privateModels.entrySet()) {
            try (ThinVolume v = pool.openVolume(e.getKey(), PRIVATE_BYTES)) {
                for (int b = 0; b < PRIVATE_BLOCKS; b++) {
                    v.read((long) b * BLOCK, ByteBuffer.wrap(got));
                    byte[] want = e.getValue()[b] == null ? ZERO_BLOCK : e.getValue()[b];
                    if (!Arrays.equals(got, want)) {
                        fail(when + ": device " + e.getKey() + " block " + b + " differs from the model");
                    }
                    blocks++;
                }
            }
        }
        return blocks;
    }
}
