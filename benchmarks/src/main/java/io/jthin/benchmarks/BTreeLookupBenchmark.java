package io.jthin.benchmarks;

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
import org.openjdk.jmh.annotations.Warmup;

/**
 * Point lookups in a committed u64 B-tree of {@code size} keys with a hot block cache (every node
 * cached after warm-up): the path of a thin device read (mapping lookup). Keys are inserted in
 * order (a device written front to back) or at random (scattered writes), committing every 10,000
 * inserts; lookups pick present keys at random. Single thread.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 3)
@Fork(1)
public class BTreeLookupBenchmark {
    @Param({"sequential", "random"})
    public String keys;

    @Param({"1000000"})
    public int size;

    /** The BlockManager's cache bound; the default is 64 MiB. */
    @Param({"64", "256"})
    public int cacheMiB;

    private BTreeFixture f;
    private long[] probes;
    private int next;

    @Setup(Level.Trial)
    public void build() {
        f = new BTreeFixture(1L << 30, (long) cacheMiB << 20);
        SplittableRandom rnd = new SplittableRandom(42);
        long[] inserted = new long[size];
        for (int i = 0; i < size; i++) {
            long k = keys.equals("sequential") ? i : rnd.nextLong(1L << 40);
            inserted[i] = k;
            f.root = f.tree.insert(f.root, k, k ^ 0x5555).root();
            if (i % 10_000 == 9_999) {
                f.commit();
            }
        }
        f.commit();
        probes = new long[1 << 20];
        for (int i = 0; i < probes.length; i++) {
            probes[i] = inserted[rnd.nextInt(size)];
        }
    }

    @Benchmark
    public Long lookup() {
        long k = probes[next++ & (probes.length - 1)];
        return f.tree.lookup(f.root, k);
    }

    @Benchmark
    public Object lookupGe() {
        long k = probes[next++ & (probes.length - 1)] + 1;
        return f.tree.lookupGe(f.root, k);
    }
}
