package io.jthin.engine.bench;

import io.jthin.engine.ThinPool;
import io.jthin.engine.ThinVolume;
import io.jthin.snapshot.Mapping;
import io.jthin.snapshot.PoolMetadata;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;

/**
 * A {@link VolumeBench} run on a thin device of an open pool, with an optional untimed warm-up that
 * takes the same code path as the measured run without changing the state the run measures:
 * <ul>
 *   <li>reads, and writes whose blocks are already mapped and not shared (overwrites), warm up on the
 *       device itself (the run's state is unchanged by them);
 *   <li>other writes (first writes, or writes that break sharing) warm up on a scratch snapshot of
 *       the device — empty when the device is, sharing the same blocks when it shares them — which
 *       is deleted (and committed) before the measured run.
 * </ul>
 * A long-running pool pays the JVM's just-in-time compilation once; the warm-up keeps that cost out
 * of short runs. It runs on the measured run's own worker threads and buffers ({@link VolumeBench}),
 * and is followed by a wait (at most {@link #JIT_WAIT}) for the JIT to compile what it made hot
 * ({@link CompilerQueue}). The result reports only the measured run. Stateless.
 *
 * <p>The warm-up runs in {@link #WARMUP_ROUNDS} rounds, each on a volume opened for it (and, for
 * first writes and copy-on-write, on its own scratch snapshot, deleted with a commit), so that what
 * happens once at the start of the measured run — a volume just opened, the first allocation and
 * the first B-tree change of a transaction — has happened a few times while the JIT profiled. In
 * one round (a pool that commits only on flush) those paths ran once, before profiling began: the
 * compiled code treated them as never taken, the measured run's first requests hit those traps
 * (some 40 methods deoptimised at its start), and C2 recompiled them inside the measured run.
 */
public final class PoolBench {
    /** The longest wait, after a warm-up, for the JIT to compile what the warm-up queued. */
    public static final Duration JIT_WAIT = Duration.ofSeconds(10);
    /** Rounds the warm-up's requests are split into, in order (each on a volume opened for it). */
    static final int WARMUP_ROUNDS = 4;

    private PoolBench() {}

    /** Runs {@code o} on thin device {@code devId} opened as a volume of {@code volumeBytes}. */
    public static BenchResult run(ThinPool pool, long devId, long volumeBytes, BenchOptions o, long warmupRequests) {
        return run(pool, devId, volumeBytes, o, warmupRequests, Duration.ZERO);
    }

    /** As {@link #run(ThinPool, long, long, BenchOptions, long)}, pausing {@code settle} between warm-up and run. */
    public static BenchResult run(ThinPool pool, long devId, long volumeBytes, BenchOptions o, long warmupRequests,
            Duration settle) {
        return run(pool, devId, volumeBytes, o, warmupRequests > 0 ? o.withCount(warmupRequests) : null, settle);
    }

    /**
     * Runs {@code warmup} (null: none; it may start elsewhere than {@code o}), then {@code settle},
     * then {@code o}, which is timed.
     */
    public static BenchResult run(ThinPool pool, long devId, long volumeBytes, BenchOptions o, BenchOptions warmup,
            Duration settle) {
        try (VolumeBench bench = new VolumeBench(o.depth(), o.requestBytes())) {
            if (warmup != null) {
                CompilerQueue jit = CompilerQueue.connect(); // before the warm-up: see CompilerQueue
                long perRound = Math.ceilDiv(warmup.count(), WARMUP_ROUNDS);
                for (long done = 0; done < warmup.count(); done += perRound) {
                    warmUp(bench, pool, devId, volumeBytes, RequestGenerator.after(warmup, done, volumeBytes)
                            .withCount(Math.min(perRound, warmup.count() - done)));
                }
                jit.awaitIdle(JIT_WAIT);
            }
            pause(settle);
            try (ThinVolume v = pool.openVolume(devId, volumeBytes)) {
                return bench.run(BenchTarget.of(v), o);
            }
        }
    }

    private static void warmUp(VolumeBench bench, ThinPool pool, long devId, long volumeBytes, BenchOptions w) {
        if (!w.write() || overwrites(pool, devId, volumeBytes, w)) {
            try (ThinVolume v = pool.openVolume(devId, volumeBytes)) {
                bench.run(BenchTarget.of(v), w);
            }
            return;
        }
        long scratch = unusedDeviceId(pool);
        pool.createSnap(scratch, devId);
        try {
            try (ThinVolume v = pool.openVolume(scratch, volumeBytes)) {
                bench.run(BenchTarget.of(v), w);
                // Unmap what the warm-up wrote: with passdown (the default) its blocks are punched at
                // the delete's commit below, so the measured run allocates holes, as on a fresh pool,
                // rather than blocks the warm-up left allocated and in the page cache.
                v.discard(0, volumeBytes);
            }
        } finally {
            pool.delete(scratch);
            pool.commit();
        }
    }

    /** True when the first requests of the run all hit mapped, unshared blocks. */
    static boolean overwrites(ThinPool pool, long devId, long volumeBytes, BenchOptions o) {
        RequestGenerator.Worker w = new RequestGenerator(o.withCount(Math.min(o.count(), 16)), volumeBytes).worker();
        long blockBytes = pool.dataBlockBytes();
        long offset;
        while ((offset = w.next()) >= 0) {
            long last = (offset + o.requestBytes() - 1) / blockBytes;
            for (long b = offset / blockBytes; b <= last; b++) {
                Mapping m = pool.mapping(devId, b);
                if (m == null || m.shared()) {
                    return false;
                }
            }
        }
        return true;
    }

    /** Sleeps for {@code d} (the settle time between warm-up and run); an interrupt ends the bench. */
    public static void pause(Duration d) {
        if (d.isZero()) {
            return;
        }
        try {
            Thread.sleep(d);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("bench interrupted while settling", e);
        }
    }

    /** The highest device id not in use (scratch devices stay out of the way of ids people pick). */
    static long unusedDeviceId(ThinPool pool) {
        Set<Long> used = new HashSet<>(pool.deviceIds());
        for (long id = PoolMetadata.MAX_DEVICE_ID; id >= 0; id--) {
            if (!used.contains(id)) {
                return id;
            }
        }
        throw new IllegalStateException("every thin device id is in use");
    }
}
