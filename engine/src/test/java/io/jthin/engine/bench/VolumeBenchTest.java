package io.jthin.engine.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jthin.engine.PoolOptions;
import io.jthin.engine.ThinPool;
import io.jthin.engine.ThinVolume;
import io.jthin.loopfile.ForwardingBlockDevice;
import io.jthin.loopfile.MemoryBlockDevice;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.TreeSet;
import java.util.stream.LongStream;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** VolumeBench and PoolBench on memory devices: counts, flushes, written bytes, warm-up hygiene. */
class VolumeBenchTest {
    private static final long MIB = 1 << 20;

    @Test
    void writesEveryRequestWithTheFillByteAndFlushesOnInterval() {
        MemoryBlockDevice d = new MemoryBlockDevice(16 * MIB);
        BenchOptions o = BenchOptions.defaults().withWrite(true).withCount(256).withRequestBytes(65536)
                .withDepth(4).withFlushInterval(32).withFill((byte) 0x5a);
        BenchResult r = VolumeBench.once(BenchTarget.of(d), o);
        assertEquals(256, r.requests());
        assertEquals(8, r.flushes());
        assertEquals(8, d.syncCount());
        ByteBuffer all = ByteBuffer.allocate((int) (16 * MIB));
        d.read(0, all);
        for (int i = 0; i < all.capacity(); i++) {
            // qemu-img's rule wraps at size − request size: request 255 goes to offset 0, not to the last 64 KiB
            assertEquals(i < 16 * MIB - 65536 ? 0x5a : 0, all.get(i), "byte " + i);
        }
        assertTrue(r.summary().startsWith("Sending 256 write requests, 65536 bytes each, 4 in parallel "
                + "(starting at offset 0, step size 65536)\nSending flush every 32 requests\nRun completed in "),
                r.summary());
        assertTrue(r.json().contains("\"requests\":256"), r.json());
    }

    @Test
    void aFailureStopsTheRunAndIsRethrown() {
        MemoryBlockDevice d = new MemoryBlockDevice(MIB);
        d.close();
        assertThrows(RuntimeException.class,
                () -> VolumeBench.once(BenchTarget.of(d), BenchOptions.defaults().withDepth(3).withCount(100)));
    }

    /**
     * A target that records which threads served its requests; each request waits until
     * {@code threads} distinct threads have made one, so that every worker takes part.
     */
    private static BenchTarget recording(BenchTarget inner, Set<Thread> seen, int threads) {
        CountDownLatch all = new CountDownLatch(threads);
        Runnable arrive = () -> {
            if (seen.add(Thread.currentThread())) {
                all.countDown();
            }
            try {
                assertTrue(all.await(30, TimeUnit.SECONDS), "only " + seen + " took requests");
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        };
        return new BenchTarget() {
            @Override
            public void read(long offsetBytes, ByteBuffer dst) {
                arrive.run();
                inner.read(offsetBytes, dst);
            }

            @Override
            public void write(long offsetBytes, ByteBuffer src) {
                arrive.run();
                inner.write(offsetBytes, src);
            }

            @Override
            public void flush() {
                inner.flush();
            }

            @Override
            public long size() {
                return inner.size();
            }
        };
    }

    @Test
    void everyPhaseRunsOnTheSameWorkerThreadsWhichCloseStops() {
        MemoryBlockDevice d = new MemoryBlockDevice(MIB);
        BenchOptions o = BenchOptions.defaults().withDepth(4).withCount(400).withPattern(BenchOptions.Pattern.RAND);
        Set<Thread> warm = ConcurrentHashMap.newKeySet();
        Set<Thread> measured = ConcurrentHashMap.newKeySet();
        try (VolumeBench bench = new VolumeBench(4, 4096)) {
            assertEquals(100, bench.run(recording(BenchTarget.of(d), warm, 4), o.withCount(100)).requests());
            BenchResult r = bench.run(recording(BenchTarget.of(d), measured, 4), o.withWrite(true));
            assertEquals(400, r.requests());
            assertThrows(IllegalArgumentException.class, () -> bench.run(BenchTarget.of(d), o.withDepth(2)));
            assertThrows(IllegalArgumentException.class, () -> bench.run(BenchTarget.of(d), o.withRequestBytes(8192)));
        }
        assertEquals(4, measured.size(), "all four workers served the measured phase");
        assertEquals(warm, measured, "the warm-up ran on the measured phase's threads");
        for (Thread t : measured) {
            assertFalse(t.isAlive(), t + " stopped at close");
        }
    }

    @Test
    void aFailedPhaseLeavesTheBenchUsable() {
        MemoryBlockDevice closed = new MemoryBlockDevice(MIB);
        closed.close();
        MemoryBlockDevice open = new MemoryBlockDevice(MIB);
        BenchOptions o = BenchOptions.defaults().withDepth(3).withCount(90);
        try (VolumeBench bench = new VolumeBench(3, 4096)) {
            assertThrows(RuntimeException.class, () -> bench.run(BenchTarget.of(closed), o));
            assertEquals(90, bench.run(BenchTarget.of(open), o).requests());
        }
    }

    private static ThinPool pool() {
        return ThinPool.create(new MemoryBlockDevice("data", 64 * MIB), new MemoryBlockDevice("meta", 16 * MIB),
                PoolOptions.defaults().withCommitInterval(Duration.ZERO));
    }

    @Test
    void firstWritesWarmUpOnAScratchSnapshotThatIsGoneAfterwards() {
        try (ThinPool p = pool()) {
            p.createThin(1);
            BenchOptions o = BenchOptions.defaults().withWrite(true).withCount(64).withStepBytes(65536);
            BenchResult r = PoolBench.run(p, 1, 8 * MIB, o, 32);
            assertEquals(64, r.requests());
            assertEquals(List.of(1L), p.deviceIds(), "the scratch device was deleted");
            assertEquals(64, p.thinStatus(1).mappedSectors() / 128, "the measured run did all 64 first writes");
            assertEquals(64 * 65536, p.dataAllocatedBytes(),
                    "the warm-up's blocks were discarded and punched: only the measured run's remain");
        }
    }

    @Test
    void overwritesAndReadsWarmUpOnTheDeviceItself() {
        try (ThinPool p = pool()) {
            p.createThin(1);
            try (ThinVolume v = p.openVolume(1, 4 * MIB)) {
                v.write(0, ByteBuffer.allocate((int) (4 * MIB)));
            }
            BenchOptions o = BenchOptions.defaults().withWrite(true).withCount(100).withPattern(BenchOptions.Pattern.RAND);
            assertTrue(PoolBench.overwrites(p, 1, 4 * MIB, o));
            PoolBench.run(p, 1, 4 * MIB, o, 50);
            PoolBench.run(p, 1, 4 * MIB, o.withWrite(false), 50);
            assertEquals(List.of(1L), p.deviceIds());
            p.createSnap(2, 1);
            assertTrue(!PoolBench.overwrites(p, 1, 4 * MIB, o), "after a snapshot the blocks are shared");
        }
    }

    /** A copy-on-write warm-up from another offset reads other shared blocks than the measured run. */
    @Test
    void aWarmUpFromAnotherOffsetCopiesOtherBlocks() {
        Set<Long> readBlocks = ConcurrentHashMap.newKeySet();
        ForwardingBlockDevice data = new ForwardingBlockDevice(new MemoryBlockDevice("data", 64 * MIB)) {
            @Override
            public void read(long offsetBytes, ByteBuffer dst) {
                readBlocks.add(offsetBytes / 65536);
                super.read(offsetBytes, dst);
            }
        };
        try (ThinPool p = ThinPool.create(data, new MemoryBlockDevice("meta", 16 * MIB),
                PoolOptions.defaults().withCommitInterval(Duration.ZERO))) {
            p.createThin(1);
            try (ThinVolume v = p.openVolume(1, 4 * MIB)) {
                v.write(0, ByteBuffer.allocate((int) (4 * MIB)));
            }
            p.createSnap(2, 1);
            readBlocks.clear();
            BenchOptions o = BenchOptions.defaults().withWrite(true).withCount(16).withStepBytes(65536);
            BenchResult r = PoolBench.run(p, 2, 4 * MIB, o, o.withCount(8).withStartOffset(32 * 65536), Duration.ZERO);
            assertEquals(16, r.requests());
            Set<Long> expected = new TreeSet<>();
            LongStream.concat(LongStream.range(0, 16), LongStream.range(32, 40))
                    .forEach(vb -> expected.add(p.mapping(1, vb).dataBlock()));
            assertEquals(expected, new TreeSet<>(readBlocks),
                    "the run copied virtual blocks 0-15, the warm-up 32-39 (origin's data blocks)");
        }
    }

    @Test
    void theSettlePauseComesBeforeTheTimedRunAndIsNotMeasured() {
        try (ThinPool p = pool()) {
            p.createThin(1);
            BenchOptions o = BenchOptions.defaults().withWrite(true).withCount(16).withStepBytes(65536);
            long t0 = System.nanoTime();
            BenchResult r = PoolBench.run(p, 1, 4 * MIB, o, 8, java.time.Duration.ofMillis(300));
            double wall = (System.nanoTime() - t0) / 1e9;
            assertTrue(wall >= 0.3, "the pause was taken: " + wall + " s");
            assertTrue(r.seconds() < wall - 0.29, "the pause is not in the measured time: " + r.seconds() + " of " + wall + " s");
            assertEquals(16, p.thinStatus(1).mappedSectors() / 128);
        }
    }
}
