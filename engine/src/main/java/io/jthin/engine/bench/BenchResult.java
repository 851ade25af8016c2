package io.jthin.engine.bench;

import java.util.Locale;

/**
 * What a {@link VolumeBench} run measured: the requests completed, the wall time from the first
 * submission to the last completion, and the flushes issued. Immutable.
 *
 * @param options  the run's options
 * @param requests requests completed
 * @param nanos    wall time of the run
 * @param flushes  flushes issued
 */
public record BenchResult(BenchOptions options, long requests, long nanos, long flushes) {

    public double seconds() {
        return nanos / 1e9;
    }

    public double opsPerSecond() {
        return nanos == 0 ? 0 : requests / seconds();
    }

    public double mibPerSecond() {
        return opsPerSecond() * options.requestBytes() / (1 << 20);
    }

    /** Mean time a request spent in flight: depth ÷ throughput, in microseconds. */
    public double meanLatencyMicros() {
        return requests == 0 ? 0 : options.depth() * 1e6 / opsPerSecond();
    }

    /**
     * qemu-img bench's summary ("Sending … requests, … bytes each, … in parallel (…)", the flush
     * line, "Run completed in … seconds.") and a throughput line.
     */
    public String summary() {
        BenchOptions o = options;
        StringBuilder s = new StringBuilder();
        String where = o.pattern() == BenchOptions.Pattern.SEQ
                ? "starting at offset " + o.startOffset() + ", step size " + o.step()
                : "random offsets aligned to " + o.requestBytes() + " bytes, seed " + o.seed();
        s.append(String.format(Locale.ROOT, "Sending %d %s requests, %d bytes each, %d in parallel (%s)%n",
                o.count(), o.write() ? "write" : "read", o.requestBytes(), o.depth(), where));
        if (o.flushInterval() > 0) {
            s.append(String.format(Locale.ROOT, "Sending flush every %d requests%n", o.flushInterval()));
        }
        s.append(String.format(Locale.ROOT, "Run completed in %.3f seconds.%n", seconds()));
        s.append(String.format(Locale.ROOT, "Throughput: %.0f ops/s, %.2f MiB/s (mean latency %.1f us)%n",
                opsPerSecond(), mibPerSecond(), meanLatencyMicros()));
        return s.toString();
    }

    /** One line of JSON with the same figures (for scripts). */
    public String json() {
        BenchOptions o = options;
        return String.format(Locale.ROOT,
                "{\"requests\":%d,\"request_bytes\":%d,\"write\":%b,\"pattern\":\"%s\",\"depth\":%d,"
                        + "\"flush_interval\":%d,\"flushes\":%d,\"seconds\":%.6f,\"ops_per_s\":%.1f,\"mib_per_s\":%.3f}",
                requests, o.requestBytes(), o.write(), o.pattern().name().toLowerCase(Locale.ROOT), o.depth(),
                o.flushInterval(), flushes, seconds(), opsPerSecond(), mibPerSecond());
    }
}
