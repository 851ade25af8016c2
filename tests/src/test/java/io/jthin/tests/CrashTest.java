package io.jthin.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.jthin.allocator.OutOfDataSpaceException;
import io.jthin.engine.PoolOptions;
import io.jthin.engine.ThinPool;
import io.jthin.engine.ThinVolume;
import io.jthin.loopfile.BlockDevice;
import io.jthin.loopfile.DeviceIOException;
import io.jthin.loopfile.FaultInjectingBlockDevice;
import io.jthin.loopfile.MemoryBlockDevice;
import io.jthin.snapshot.PoolMetadata;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 6, crash harness: a seeded random workload (create / snapshot / write / discard / delete /
 * flush / resize data and metadata / metadata snapshots / set_transaction_id / close and reopen)
 * runs against a pool
 * whose data and metadata devices are {@link FaultInjectingBlockDevice}s, with power cut at the
 * N-th write to either device (one write sequence across both). The N-th write is dropped, torn at
 * a random 512-byte multiple, or lands whole; every write not yet synced, on both devices, is lost.
 * N sweeps every write index of each workload; each crash point re-runs its workload from scratch.
 *
 * <p>After each crash, on the surviving images:
 * <ol>
 *   <li>the metadata is formatted (unless no commit had completed yet: then it may be all zero);
 *   <li>{@link MetadataAudit}: data counts equal a recount from the mapping trees (no leak, no
 *       double reference), no mapping past the end, mapped_blocks exact;
 *   <li>{@code thin_check} exits 0 — run once per distinct reachable metadata image (see
 *       {@link ThinCheckPool}), which covers every crash point;
 *   <li>the pool opens; its devices are those of the last acknowledged commit, or of the commit
 *       that was in flight; every 64 KiB block equals its content at the last acknowledged commit
 *       or a content it had since ("old or new, never garbage"). A block whose unsynced writes were
 *       persisted in another order than issued, or torn, may mix those versions sector by sector
 *       (512 B: what a disk guarantees); each sector must still be one of its versions. A block
 *       not written since the last flush has exactly one version: it must be exact;
 *   <li>on every 4th point the recovered pool takes new writes and a commit and is audited again;
 *   <li>on every 8th point power is cut a second time, during the recovery (its open, new device,
 *       writes, commits): the pool must recover from that too, with the first recovery's content or
 *       the recovery's writes.
 * </ol>
 * {@code -Djthin.crash.points=N} sets the minimum number of crash points (default 10,000);
 * {@code -Djthin.crash.seed=S} replays one workload. The last line printed is the summary.
 */
class CrashTest {
    static final int BLOCK = CrashWorkload.BLOCK;
    static final int SECTOR = CrashWorkload.SECTOR;
    static final int VOLUME_BLOCKS = CrashWorkload.VOLUME_BLOCKS;
    static final long VOLUME_BYTES = CrashWorkload.VOLUME_BYTES;
    static final int OPS = CrashWorkload.OPS;
    static final int POINTS = Integer.getInteger("jthin.crash.points", 10_000);
    static final byte[] ZERO = CrashWorkload.ZERO;

    @TempDir
    Path dir;

    static PoolOptions options() {
        return CrashWorkload.options();
    }

    // ---- one crash point ------------------------------------------------------------------------

    /** Totals over all crash points. */
    static final class Totals {
        final AtomicLong points = new AtomicLong();
        final AtomicLong lost = new AtomicLong();
        final AtomicLong auditFailures = new AtomicLong();
        final AtomicLong auditsSkipped = new AtomicLong();
        final AtomicLong secondCrashes = new AtomicLong();
        final AtomicLong unformatted = new AtomicLong();
        final AtomicLong landed = new AtomicLong();
        final AtomicLong mixedBlocks = new AtomicLong();
        final AtomicLong exactBlocks = new AtomicLong();
        final AtomicLong recoveredWrites = new AtomicLong();
        final AtomicLong[] byFault = {new AtomicLong(), new AtomicLong(), new AtomicLong()};
        final AtomicLong metaPoints = new AtomicLong();
        final AtomicLong[] nanos = {new AtomicLong(), new AtomicLong(), new AtomicLong(), new AtomicLong()};
        final ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();

        void failure(String s) {
            if (failures.size() < 50) {
                failures.add(s);
            }
        }
    }

    /** Counts the writes of a workload and checks its end state against the model (no crash). */
    static long dryRun(long seed) {
        PowerSwitch sw = new PowerSwitch(-1, PowerSwitch.Fault.DROP, seed);
        CrashWorkload w = new CrashWorkload(seed, sw);
        assertTrue(!w.run(), "no crash without a fault");
        for (var e : w.model.current.entrySet()) {
            byte[] got = new byte[(int) VOLUME_BYTES];
            w.volumes.get(e.getKey()).read(0, ByteBuffer.wrap(got));
            for (int b = 0; b < VOLUME_BLOCKS; b++) {
                if (!Arrays.equals(got, b * BLOCK, (b + 1) * BLOCK, w.model.block(e.getKey(), b), 0, BLOCK)) {
                    fail("seed " + seed + " (no crash): device " + e.getKey() + " block " + b + " differs from the model");
                }
            }
        }
        return sw.next;
    }

    static void crashPoint(long seed, long n, ThinCheckPool thinCheck, Totals t) {
        PowerSwitch.Fault fault = PowerSwitch.Fault.values()[(int) ((n + seed) % 3)];
        PowerSwitch sw = new PowerSwitch(n, fault, seed);
        CrashWorkload w = new CrashWorkload(seed, sw);
        long t0 = System.nanoTime();
        boolean crashed = w.run();
        t.nanos[0].addAndGet(System.nanoTime() - t0);
        String ctx = "seed " + seed + " crash point " + n + " (" + sw.fired + " during op " + w.opsDone + ": " + w.lastOp
                + ")";
        t.points.incrementAndGet();
        if (!crashed) {
            t.lost.incrementAndGet();
            t.failure(ctx + ": the workload finished without reaching write #" + n + " (not deterministic?)");
            return;
        }
        t.byFault[fault.ordinal()].incrementAndGet();
        if (sw.meta.isCrashed() && sw.fired.contains("metadata")) {
            t.metaPoints.incrementAndGet();
        }
        try {
            verify(sw, w, thinCheck, t, ctx, n % 4 == 0, n % 8 == 2 ? seed * 100_003 + n : -1);
        } catch (AssertionError | RuntimeException e) {
            t.lost.incrementAndGet();
            t.failure(ctx + ": " + e + "\n    ops: " + String.join("; ", w.log));
        }
    }

    private static void verify(PowerSwitch sw, CrashWorkload w, ThinCheckPool thinCheck, Totals t, String ctx,
            boolean reuse, long secondCrashSeed) {
        CrashWorkload.Model m = w.model;
        MemoryBlockDevice data = sw.data.durableCopy();
        MemoryBlockDevice meta = sw.meta.durableCopy();
        if (PoolMetadata.isUnformatted(meta)) {
            if (m.everCommitted) {
                throw new AssertionError("the metadata superblock is all zero after a commit was acknowledged");
            }
            t.unformatted.incrementAndGet();
            return;
        }
        long t0 = System.nanoTime();
        audit(meta, data.size(), thinCheck, t, ctx);
        t.nanos[1].addAndGet(System.nanoTime() - t0);
        t0 = System.nanoTime();
        MemoryBlockDevice data0 = secondCrashSeed >= 0 ? data.copy() : null;
        MemoryBlockDevice meta0 = secondCrashSeed >= 0 ? meta.copy() : null;
        Map<Long, byte[][]> recovered = new TreeMap<>();
        Set<Long> ids;
        try (ThinPool pool = ThinPool.open(data, meta, options())) {
            ids = new TreeSet<>(pool.deviceIds());
            Set<Long> committedIds = m.committed.keySet();
            Map<Long, byte[][]> landed = m.ifLanded;
            boolean asLanded;
            if (ids.equals(committedIds)) {
                asLanded = false;
            } else if (landed != null && ids.equals(landed.keySet())) {
                asLanded = true;
                t.landed.incrementAndGet();
            } else {
                throw new AssertionError("devices after the crash are " + ids + "; the last commit had "
                        + committedIds + (landed == null ? "" : ", the one in flight " + landed.keySet()));
            }
            long tid = pool.status().transactionId();
            if (tid != m.committedTransactionId && !(landed != null && tid == m.ifLandedTransactionId)) {
                throw new AssertionError("transaction id " + tid + " after the crash; committed "
                        + m.committedTransactionId);
            }
            boolean held = pool.status().heldRoot() != 0;
            if (held != m.committedSnapHeld && !(landed != null && held == m.ifLandedSnapHeld)) {
                throw new AssertionError("a metadata snapshot is " + (held ? "" : "not ") + "held after the crash; "
                        + "at the last commit it was " + (m.committedSnapHeld ? "" : "not"));
            }
            byte[] got = new byte[BLOCK];
            for (long id : ids) {
                byte[][] exact = asLanded ? landed.get(id) : null;
                byte[][] blocks = new byte[VOLUME_BLOCKS][];
                recovered.put(id, blocks);
                try (ThinVolume v = pool.openVolume(id, VOLUME_BYTES)) {
                    for (int b = 0; b < VOLUME_BLOCKS; b++) {
                        v.read((long) b * BLOCK, ByteBuffer.wrap(got));
                        blocks[b] = got.clone();
                        List<byte[]> versions = new ArrayList<>();
                        if (exact != null) {
                            versions.add(exact[b]);
                        } else {
                            versions.add(m.committed.get(id)[b]);
                            versions.addAll(m.since.getOrDefault(id, Map.of()).getOrDefault(b, List.of()));
                            byte[] flying = m.inFlight.getOrDefault(id, Map.of()).get(b);
                            if (flying != null) {
                                versions.add(flying);
                            }
                        }
                        var mapping = pool.mapping(id, b);
                        checkBlock(got, versions, "device " + id + " block " + b + " (mapped to "
                                + (mapping == null ? "nothing" : "data block " + mapping.dataBlock()) + ")", t);
                    }
                }
            }
            t.nanos[2].addAndGet(System.nanoTime() - t0);
            t0 = System.nanoTime();
            if (reuse) {
                reuse(pool, ids, t.recoveredWrites);
            }
        }
        if (reuse) {
            audit(meta.reopen(), data.size(), thinCheck, t, ctx + " after recovery writes");
        }
        if (secondCrashSeed >= 0) {
            crashDuringRecovery(data0, meta0, ids, recovered, secondCrashSeed, thinCheck, t, ctx);
        }
        t.nanos[3].addAndGet(System.nanoTime() - t0);
    }

    /** Opens the recovered pool, writes (see {@link #reuse}) and commits: returns true if the power was cut. */
    private static boolean recover(PowerSwitch sw, Set<Long> ids) {
        try {
            ThinPool pool = ThinPool.open(sw.plug(true), sw.plug(false), options());
            reuse(pool, ids, null);
            pool.commit();
            return false;
        } catch (RuntimeException e) {
            if (sw.crashed()) {
                return true;
            }
            throw e;
        }
    }

    /**
     * A second crash, during the recovery from the first (its open, which may grow the pool, then new
     * writes and commits): the pool must again open clean, with the devices of the first recovery
     * (plus the new one if its creation landed), each block as the first recovery read it or as the
     * recovery wrote it.
     */
    private static void crashDuringRecovery(MemoryBlockDevice data0, MemoryBlockDevice meta0, Set<Long> ids,
            Map<Long, byte[][]> recovered, long seed, ThinCheckPool thinCheck, Totals t, String ctx) {
        PowerSwitch dry = new PowerSwitch(-1, PowerSwitch.Fault.DROP, seed, data0.copy(), meta0.copy());
        assertTrue(!recover(dry, ids), "no crash without a fault");
        if (dry.next == 0) {
            return;
        }
        long k = Math.floorMod(seed * 0x9E3779B97F4A7C15L, dry.next);
        PowerSwitch sw = new PowerSwitch(k, PowerSwitch.Fault.values()[(int) Math.floorMod(seed, 3)], seed, data0, meta0);
        String where = ctx + ", then during the recovery at write " + k + " of " + dry.next;
        if (!recover(sw, ids)) {
            throw new AssertionError(where + ": the recovery finished without reaching the crash point");
        }
        t.secondCrashes.incrementAndGet();
        MemoryBlockDevice data = sw.data.durableCopy();
        MemoryBlockDevice meta = sw.meta.durableCopy();
        audit(meta, data.size(), thinCheck, t, where);
        try (ThinPool pool = ThinPool.open(data, meta, options())) {
            Set<Long> now = new TreeSet<>(pool.deviceIds());
            Set<Long> withNew = new TreeSet<>(ids);
            withNew.add(REUSE_DEVICE);
            if (!now.equals(ids) && !now.equals(withNew)) {
                throw new AssertionError(where + ": devices " + now + ", expected " + ids + " or " + withNew);
            }
            byte[] got = new byte[BLOCK];
            for (long id : now) {
                try (ThinVolume v = pool.openVolume(id, VOLUME_BYTES)) {
                    for (int b = 0; b < VOLUME_BLOCKS; b++) {
                        v.read((long) b * BLOCK, ByteBuffer.wrap(got));
                        List<byte[]> versions = new ArrayList<>();
                        versions.add(id == REUSE_DEVICE ? null : recovered.get(id)[b]);
                        if (b == id % VOLUME_BLOCKS) {
                            versions.add(REUSE_CONTENT);
                        }
                        checkBlock(got, versions, where + ": device " + id + " block " + b, t);
                    }
                }
            }
        }
    }

    /** Whole metadata images already audited and passed to thin_check: the same bytes give the same verdicts. */
    private static final java.util.Set<String> AUDITED = java.util.concurrent.ConcurrentHashMap.newKeySet();

    private static void audit(MemoryBlockDevice meta, long dataBytes, ThinCheckPool thinCheck, Totals t, String ctx) {
        if (!AUDITED.add(contentKey(meta) + "/" + dataBytes)) {
            t.auditsSkipped.incrementAndGet();
            return;
        }
        MetadataAudit a = MetadataAudit.of(meta, dataBytes);
        if (!a.problems().isEmpty()) {
            t.auditFailures.incrementAndGet();
            throw new AssertionError("metadata audit: " + String.join("; ", a.problems()));
        }
        thinCheck.submit(a.reachableKey(), () -> ThinCheckPool.image(meta), ctx);
    }

    /** A key of the whole device's bytes; chunks that are holes (most of a small pool's metadata) are skipped. */
    static String contentKey(MemoryBlockDevice dev) {
        java.util.zip.CRC32C a = new java.util.zip.CRC32C();
        java.util.zip.CRC32 b = new java.util.zip.CRC32();
        byte[] chunk = new byte[MemoryBlockDevice.CHUNK];
        for (long off = 0; off < dev.size(); off += MemoryBlockDevice.CHUNK) {
            int n = (int) Math.min(MemoryBlockDevice.CHUNK, dev.size() - off);
            if (dev.readsAsZeros(off, n)) {
                continue;
            }
            dev.read(off, ByteBuffer.wrap(chunk, 0, n));
            a.update(ByteBuffer.allocate(8).putLong(0, off).array());
            a.update(chunk, 0, n);
            b.update(chunk, 0, n);
        }
        return Long.toHexString(a.getValue()) + Long.toHexString(b.getValue()) + ":" + dev.size();
    }

    /** Old or new, block by block; failing that (reordered or torn unsynced writes), sector by sector; never garbage. */
    private static void checkBlock(byte[] got, List<byte[]> versions, String what, Totals t) {
        for (byte[] v : versions) {
            if (Arrays.equals(got, v == null ? ZERO : v)) {
                t.exactBlocks.incrementAndGet();
                return;
            }
        }
        if (versions.size() == 1) {
            throw new AssertionError(what + " was flushed and not written since, but reads back different bytes"
                    + " (first difference at byte " + Arrays.mismatch(got, versions.get(0) == null ? ZERO
                            : versions.get(0)) + ")");
        }
        for (int s = 0; s < BLOCK; s += SECTOR) {
            boolean ok = false;
            for (byte[] v : versions) {
                if (Arrays.equals(got, s, s + SECTOR, v == null ? ZERO : v, s, s + SECTOR)) {
                    ok = true;
                    break;
                }
            }
            if (!ok) {
                throw new AssertionError(what + ": sector " + s / SECTOR + " holds bytes it never had (" + versions.size()
                        + " versions since the last flush)");
            }
        }
        t.mixedBlocks.incrementAndGet();
    }

    static final long REUSE_DEVICE = 1000;
    static final byte[] REUSE_CONTENT = CrashWorkload.content(REUSE_DEVICE, BLOCK);

    /** The recovered pool works: new device, new and overwritten blocks, a commit, all read back. */
    private static void reuse(ThinPool pool, Set<Long> ids, AtomicLong writes) {
        long fresh = REUSE_DEVICE;
        pool.createThin(fresh);
        byte[] a = REUSE_CONTENT;
        List<Long> all = new ArrayList<>(ids);
        all.add(fresh);
        for (long id : all) {
            try (ThinVolume v = pool.openVolume(id, VOLUME_BYTES)) {
                try {
                    v.write((long) (id % VOLUME_BLOCKS) * BLOCK, ByteBuffer.wrap(a));
                    if (writes != null) {
                        writes.incrementAndGet();
                    }
                } catch (OutOfDataSpaceException e) {
                    continue; // a full pool is fine
                }
                byte[] back = new byte[BLOCK];
                v.read((long) (id % VOLUME_BLOCKS) * BLOCK, ByteBuffer.wrap(back));
                assertTrue(Arrays.equals(a, back), "a write after recovery reads back");
            }
        }
        pool.commit();
    }

    // ---- the sweep ------------------------------------------------------------------------------

    @Test
    void everyCrashPointRecoversToTheLastFlush() throws Exception {
        long start = System.nanoTime();
        Long one = Long.getLong("jthin.crash.seed");
        List<long[]> workloads = new ArrayList<>(); // {seed, writes}
        long planned = 0;
        for (long seed = one != null ? one : 1; planned < POINTS || workloads.isEmpty(); seed++) {
            long writes = dryRun(seed);
            workloads.add(new long[] {seed, writes});
            planned += writes;
            if (one != null) {
                break;
            }
        }
        Totals t = new Totals();
        int threads = Math.max(1, Runtime.getRuntime().availableProcessors());
        ExecutorService exec = Executors.newFixedThreadPool(threads);
        try (ThinCheckPool thinCheck = new ThinCheckPool(dir, 6)) {
            List<Future<?>> futures = new ArrayList<>();
            for (long[] wl : workloads) {
                futures.add(exec.submit(() -> {
                    for (long n = 0; n < wl[1]; n++) {
                        crashPoint(wl[0], n, thinCheck, t);
                    }
                }));
            }
            for (Future<?> f : futures) {
                f.get();
            }
            thinCheck.await();
            long secs = (System.nanoTime() - start) / 1_000_000_000L;
            List<String> checkFailures = thinCheck.failures();
            System.out.println("crash: " + workloads.size() + " workloads of " + OPS + " ops, seeds "
                    + workloads.get(0)[0] + ".." + workloads.get(workloads.size() - 1)[0] + "; faults: "
                    + t.byFault[0] + " dropped, " + t.byFault[1] + " torn, " + t.byFault[2]
                    + " landed whole; " + t.metaPoints + " on metadata writes; " + t.landed
                    + " recoveries found the in-flight commit landed; " + t.unformatted
                    + " crashed before the first commit; blocks checked: " + t.exactBlocks + " whole-block match, "
                    + t.mixedBlocks + " sector-mixed (reordered/torn unsynced writes); " + t.recoveredWrites
                    + " writes after recovery; " + t.secondCrashes + " second crashes during a recovery; " + t.auditsSkipped + " audits skipped (metadata image seen before); " + secs
                    + " s");
            System.out.println("crash timing (thread-seconds): replay " + t.nanos[0].get() / 1_000_000_000.0 + ", audit "
                    + t.nanos[1].get() / 1_000_000_000.0 + ", open+compare " + t.nanos[2].get() / 1_000_000_000.0
                    + ", reuse " + t.nanos[3].get() / 1_000_000_000.0);
            t.failures.forEach(s -> System.out.println("  FAILED " + s));
            checkFailures.stream().limit(10).forEach(s -> System.out.println("  THIN_CHECK " + s));
            System.out.println("crash: " + t.points + " points, " + t.lost + " lost, " + checkFailures.size()
                    + " thin_check failures (" + thinCheck.runs() + " thin_check runs, one per distinct metadata image of "
                    + (thinCheck.submitted() + t.auditsSkipped.get()) + " checked), " + t.auditFailures
                    + " refcount-audit failures");
            assertEquals(0, t.lost.get(), "crash points that lost or garbled data: " + t.failures.peek());
            assertEquals(0, checkFailures.size(), "thin_check failures: " + checkFailures.stream().findFirst().orElse(""));
            assertTrue(t.points.get() >= POINTS || one != null, "only " + t.points + " crash points");
        } finally {
            exec.shutdownNow();
        }
    }
}

