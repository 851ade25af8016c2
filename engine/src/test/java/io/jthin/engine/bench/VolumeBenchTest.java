package io.jthin.engine.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jthin.engine.PoolOptions;
import io.jthin.engine.ThinPool;
import io.jthin.engine.ThinVolume;
import io.jthin.loopfile.MemoryBlockDevice;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** VolumeBench and PoolBench on memory devices: counts, flushes, written bytes, warm-up hygiene. */
class VolumeBenchTest {
    private static final long MIB = 1 << 20;

    @Test
    void writesEveryRequestWithTheFillByteAndFlushesOnInterval() {
        MemoryBlockDevice d = new MemoryBlockDevice(16 * MIB);
        BenchOptions o = BenchOptions.defaults().withWrite(true).withCount(256).withRequestBytes(65536)
                .withDepth(4).withFlushInterval(32).withFill((byte) 0x5a);
        BenchResult r = VolumeBench.run(BenchTarget.of(d), o);
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
                () -> VolumeBench.run(BenchTarget.of(d), BenchOptions.defaults().withDepth(3).withCount(100)));
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
