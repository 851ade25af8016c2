package io.jthin.benchmarks;

import io.jthin.engine.ThinVolume;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Discard of a mapped range of {@code rangeBlocks} 64 KiB blocks (1, 16 = 1 MiB, 1024 = 64 MiB) in
 * a volume whose other blocks stay mapped (16,384 blocks): the unmapping and the data reference
 * drops (passdown's punches run at the next commit, untimed here). Before each invocation
 * (untimed) the range is written again and committed. {@code device} as in {@link VolumeState}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
@Fork(1)
public class DiscardBenchmark {
    static final long VOLUME_BLOCKS = 16_384;

    @Param({"1", "16", "1024"})
    public long rangeBlocks;

    @Param({"null", "file"})
    public String device;

    private PoolFixture fixture;
    private ThinVolume volume;
    private final ByteBuffer buf = ByteBuffer.allocateDirect(4096);
    private long first;
    private long round;

    @Setup(Level.Trial)
    public void build() {
        fixture = PoolFixture.create(PoolFixture.Kind.of(device), 2 * VOLUME_BLOCKS * PoolFixture.BLOCK, 256L << 20);
        fixture.mapMetadataOnly(0, 0, VOLUME_BLOCKS, 1);
        volume = fixture.pool.openVolume(0, VOLUME_BLOCKS * PoolFixture.BLOCK);
    }

    @Setup(Level.Invocation)
    public void remap() {
        first = (round++ * 7919 * rangeBlocks) % (VOLUME_BLOCKS - rangeBlocks);
        for (long b = first; b < first + rangeBlocks; b++) {
            if (fixture.pool.mapping(0, b) == null) {
                buf.clear();
                volume.write(b * PoolFixture.BLOCK, buf);
            }
        }
        fixture.pool.commit();
    }

    @TearDown(Level.Trial)
    public void close() {
        volume.close();
        fixture.close();
    }

    @Benchmark
    public long discard() {
        return volume.discard(first * PoolFixture.BLOCK, rangeBlocks * PoolFixture.BLOCK);
    }
}
