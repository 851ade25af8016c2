package io.jthin.benchmarks;

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
 * {@code create_snap} of a device with {@code mapped} blocks — 16,384 (1 GiB) or 1,048,576 (64 GiB),
 * mapped through the metadata only — including its commit, as {@code jthin thin snapshot} and
 * the kernel do it. It should not depend on {@code mapped} (O(1): one reference on the origin's
 * tree root). {@code device}: {@code null} (metadata in memory: the metadata work alone) or
 * {@code file} (sparse files: plus the commit's writes and two {@code fdatasync}s). The snapshots
 * an iteration made are deleted after it.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
@Fork(1)
public class SnapshotBenchmark {
    @Param({"16384", "1048576"})
    public long mapped;

    @Param({"null", "file"})
    public String device;

    private PoolFixture fixture;
    private long next;
    private long firstOfIteration;

    @Setup(Level.Trial)
    public void build() {
        fixture = PoolFixture.create(PoolFixture.Kind.of(device), (mapped + 1024) * PoolFixture.BLOCK, 1L << 30);
        fixture.mapMetadataOnly(0, 0, mapped, 1);
        next = 1;
    }

    @Setup(Level.Iteration)
    public void mark() {
        firstOfIteration = next;
    }

    @TearDown(Level.Iteration)
    public void deleteSnapshots() {
        for (long id = firstOfIteration; id < next; id++) {
            fixture.pool.delete(id);
        }
    }

    @TearDown(Level.Trial)
    public void close() {
        fixture.close();
    }

    @Benchmark
    public long createSnap() {
        long id = next++;
        fixture.pool.createSnap(id, 0);
        return id;
    }
}
