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
 * 4 KiB reads at random 4 KiB-aligned offsets: {@link #mapped} (a lookup and a data read — the W2
 * path) and {@link #unmapped} (a lookup that finds nothing and zero-fills). Run with {@code -t N}
 * for N concurrent readers.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
@Fork(1)
public class ReadBenchmark {
    @Benchmark
    public byte mapped(VolumeState s, ThreadBuffers t) {
        t.buf.clear();
        s.volume.read(t.offset(0, s.blocks), t.buf);
        return t.buf.get(0);
    }

    @Benchmark
    public byte unmapped(VolumeState s, ThreadBuffers t) {
        t.buf.clear();
        s.volume.read(t.offset(s.blocks, s.blocks), t.buf);
        return t.buf.get(0);
    }
}
