package io.jthin.benchmarks;

import io.jthin.engine.ThinVolume;
import java.nio.ByteBuffer;
import java.util.SplittableRandom;
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
 * A commit (flush) of a transaction holding {@code dirty} mapping changes at random places of a
 * 64 GiB volume that already maps 65,536 blocks: 1, 100 or 10,000. Before each invocation
 * (untimed) the changes are made — alternately {@code dirty} 4 KiB first writes and the discard of
 * those blocks, so the pool returns to its start every two invocations. {@code fsync}: false =
 * metadata in memory and a null data device (the commit's own work: device details, space maps,
 * writing the shadowed nodes); true = sparse files with the data sync and the metadata
 * {@code fdatasync}s, and the punches of discard passdown.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
@Fork(1)
public class CommitBenchmark {
    static final long VOLUME_BLOCKS = 1L << 20;
    static final long BASE_MAPPINGS = 65_536;

    @Param({"1", "100", "10000"})
    public int dirty;

    @Param({"false", "true"})
    public boolean fsync;

    private PoolFixture fixture;
    private ThinVolume volume;
    private final SplittableRandom rnd = new SplittableRandom(3);
    private final ByteBuffer buf = ByteBuffer.allocateDirect(4096);
    private long[] changed;
    private boolean mapped;

    @Setup(Level.Trial)
    public void build() {
        fixture = PoolFixture.create(fsync ? PoolFixture.Kind.FILE : PoolFixture.Kind.NULL,
                (BASE_MAPPINGS + 2L * dirty + 1024) * PoolFixture.BLOCK, 1L << 30);
        fixture.mapMetadataOnly(0, 0, BASE_MAPPINGS, VOLUME_BLOCKS / BASE_MAPPINGS); // every 16th block
        volume = fixture.pool.openVolume(0, VOLUME_BLOCKS * PoolFixture.BLOCK);
        changed = new long[dirty];
    }

    @Setup(Level.Invocation)
    public void makeDirty() {
        if (!mapped) {
            for (int i = 0; i < dirty; i++) {
                long b;
                do {
                    b = rnd.nextLong(VOLUME_BLOCKS);
                } while (b % (VOLUME_BLOCKS / BASE_MAPPINGS) == 0);
                changed[i] = b;
                buf.clear();
                volume.write(b * PoolFixture.BLOCK, buf);
            }
        } else {
            for (long b : changed) {
                volume.discard(b * PoolFixture.BLOCK, PoolFixture.BLOCK);
            }
        }
        mapped = !mapped;
    }

    @TearDown(Level.Trial)
    public void close() {
        volume.close();
        fixture.close();
    }

    @Benchmark
    public void commit() {
        fixture.pool.commit();
    }
}
