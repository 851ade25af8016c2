package io.jthin.benchmarks;

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
import org.openjdk.jmh.annotations.Warmup;

/**
 * Inserts into a u64 B-tree, committing every 10,000 (one invocation = 10,000 inserts + commit,
 * so the score is inserts per second including copy-on-write and the commit's writes). Keys are
 * sequential (provisioning a device front to back) or random in a 2^40 space (scattered writes).
 * Each iteration starts from an empty tree, so the tree grows to the iteration's insert count.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 3)
@Fork(1)
public class BTreeInsertBenchmark {
    static final int BATCH = 10_000;

    @Param({"sequential", "random"})
    public String keys;

    private BTreeFixture f;
    private SplittableRandom rnd;
    private long nextKey;

    @Setup(Level.Iteration)
    public void freshTree() {
        f = new BTreeFixture(8L << 30, 256L << 20);
        rnd = new SplittableRandom(7);
        nextKey = 0;
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public long insertAndCommit() {
        boolean sequential = keys.equals("sequential");
        long root = f.root;
        for (int i = 0; i < BATCH; i++) {
            long k = sequential ? nextKey++ : rnd.nextLong(1L << 40);
            root = f.tree.insert(root, k, k).root();
        }
        f.root = root;
        f.commit();
        return root;
    }
}
