package io.jthin.benchmarks;

import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Warmup;

/**
 * 4 KiB writes at random 4 KiB-aligned offsets into blocks the volume already owns (mapped, not
 * shared): a lookup and a data write, no metadata change — the W1 path. Run with {@code -t N} for N
 * concurrent writers.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
@Fork(1)
public class OverwriteBenchmark {
    @Benchmark
    public void overwrite4k(VolumeState s, ThreadBuffers t) {
        t.buf.clear();
        s.volume.write(t.offset(0, s.blocks), t.buf);
    }
}
