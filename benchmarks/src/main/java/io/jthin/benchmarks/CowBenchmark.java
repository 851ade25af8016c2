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
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * 4 KiB writes into blocks shared with a snapshot (the W5 path: allocate, copy 64 KiB, write,
 * insert): before each invocation (untimed) a new snapshot of the {@link VolumeState} volume is
 * taken; the invocation writes 4 KiB into {@value #BATCH} distinct blocks of the snapshot in random
 * order, each breaking sharing; afterwards the snapshot is deleted and the pool committed.
 * Score: copy-on-write writes per second.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
@Fork(1)
public class CowBenchmark {
    static final int BATCH = 2048;

    private ThinVolume snap;
    private long snapId = 1_000_000;
    private long[] order;
    private final ByteBuffer buf = ByteBuffer.allocateDirect(4096);
    private final SplittableRandom rnd = new SplittableRandom(5);

    @Setup(Level.Invocation)
    public void snapshot(VolumeState s) {
        if (order == null) {
            order = PoolFixture.permutation(s.blocks, rnd);
        }
        snapId++;
        s.fixture.pool.createSnap(snapId, s.devId);
        snap = s.fixture.pool.openVolume(snapId, s.blocks * PoolFixture.BLOCK);
    }

    @TearDown(Level.Invocation)
    public void dropSnapshot(VolumeState s) {
        snap.close();
        s.fixture.pool.delete(snapId);
        s.fixture.pool.commit();
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public void breakSharing(VolumeState s) {
        int start = rnd.nextInt(order.length - BATCH + 1);
        for (int i = start; i < start + BATCH; i++) {
            buf.clear();
            snap.write(order[i] * PoolFixture.BLOCK + 4096L * (i & 15), buf);
        }
    }
}
