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
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * First writes (allocate on demand, the W3/W4 path): one invocation writes {@value #BATCH} distinct
 * unmapped blocks of a new thin device in scattered order — {@code writeBytes} 4096 (a partial
 * first write: allocate, zero the block unless it is a hole, write, insert) or 65536 (a whole
 * block: no zeroing). Between invocations (untimed) the device is discarded, committed (the
 * blocks are punched: holes again) and deleted, so every invocation starts from the same state.
 * Score: first writes per second.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
@Fork(1)
public class ProvisionBenchmark {
    static final int BATCH = 4096;

    @Param({"null", "file"})
    public String device;

    @Param({"4096", "65536"})
    public int writeBytes;

    private PoolFixture fixture;
    private ThinVolume volume;
    private long devId;
    private long[] order;
    private ByteBuffer buf;

    @Setup(Level.Trial)
    public void build() {
        fixture = PoolFixture.create(PoolFixture.Kind.of(device), 3L * BATCH * PoolFixture.BLOCK, 256L << 20);
        fixture.pool.delete(0);
        order = PoolFixture.permutation(BATCH, new SplittableRandom(9));
        buf = ByteBuffer.allocateDirect(writeBytes);
        devId = 0;
    }

    @Setup(Level.Invocation)
    public void newDevice() {
        devId++;
        fixture.pool.createThin(devId);
        volume = fixture.pool.openVolume(devId, BATCH * PoolFixture.BLOCK);
    }

    @TearDown(Level.Invocation)
    public void dropDevice() {
        volume.discard(0, volume.size());
        volume.close();
        fixture.pool.commit();
        fixture.pool.delete(devId);
    }

    @TearDown(Level.Trial)
    public void close() {
        fixture.close();
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public void firstWrites() {
        for (long b : order) {
            buf.clear();
            volume.write(b * PoolFixture.BLOCK, buf);
        }
    }
}
