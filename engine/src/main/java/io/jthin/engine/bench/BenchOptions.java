package io.jthin.engine.bench;

/**
 * One {@code qemu-img bench}-like run: {@code count} requests of {@code requestBytes} each, reads or
 * writes, issued by {@code depth} threads, at offsets from {@link Pattern#SEQ} (qemu-img's rule: start
 * at {@code startOffset}, add {@code stepBytes} each time, wrap modulo {@code size − requestBytes})
 * or {@link Pattern#RAND} (uniform, aligned to {@code requestBytes}, from {@code seed}), with a flush
 * after every {@code flushInterval} completed requests (0 = never; in-flight requests drain first,
 * as qemu-img's default). Written bytes are all {@code fill}. Immutable.
 *
 * @param count         requests to issue (≥ 1)
 * @param requestBytes  bytes per request (≥ 1)
 * @param stepBytes     distance between consecutive sequential requests (0 = {@code requestBytes})
 * @param write         writes instead of reads
 * @param pattern       how offsets are chosen
 * @param depth         requests in flight = worker threads (≥ 1)
 * @param flushInterval flush after this many completed requests (0 = never)
 * @param startOffset   first offset of a sequential run
 * @param seed          seed of a random run
 * @param fill          the byte every written request carries
 */
public record BenchOptions(long count, int requestBytes, long stepBytes, boolean write, Pattern pattern, int depth,
        long flushInterval, long startOffset, long seed, byte fill) {

    /** How request offsets are generated. */
    public enum Pattern {
        /** qemu-img bench's: start, start + step, … modulo (size − request size). */
        SEQ,
        /** Uniform over the device, aligned to the request size (fio's randread/randwrite). */
        RAND
    }

    public BenchOptions {
        if (count < 1) {
            throw new IllegalArgumentException("request count must be at least 1: " + count);
        }
        if (requestBytes < 1) {
            throw new IllegalArgumentException("request size must be at least 1 byte: " + requestBytes);
        }
        if (stepBytes < 0 || startOffset < 0 || flushInterval < 0) {
            throw new IllegalArgumentException("step, start offset and flush interval must not be negative");
        }
        if (depth < 1 || depth > 1024) {
            throw new IllegalArgumentException("depth must be between 1 and 1024: " + depth);
        }
        if (pattern == null) {
            throw new IllegalArgumentException("pattern is required");
        }
    }

    /** qemu-img bench's defaults (75,000 sequential 4 KiB reads from offset 0), at depth 1 (qemu-img: 64). */
    public static BenchOptions defaults() {
        return new BenchOptions(75_000, 4096, 0, false, Pattern.SEQ, 1, 0, 0, 1, (byte) 0);
    }

    /** The step actually used: {@code stepBytes}, or the request size when it is 0. */
    public long step() {
        return stepBytes == 0 ? requestBytes : stepBytes;
    }

    public BenchOptions withCount(long v) {
        return new BenchOptions(v, requestBytes, stepBytes, write, pattern, depth, flushInterval, startOffset, seed, fill);
    }

    public BenchOptions withRequestBytes(int v) {
        return new BenchOptions(count, v, stepBytes, write, pattern, depth, flushInterval, startOffset, seed, fill);
    }

    public BenchOptions withStepBytes(long v) {
        return new BenchOptions(count, requestBytes, v, write, pattern, depth, flushInterval, startOffset, seed, fill);
    }

    public BenchOptions withWrite(boolean v) {
        return new BenchOptions(count, requestBytes, stepBytes, v, pattern, depth, flushInterval, startOffset, seed, fill);
    }

    public BenchOptions withPattern(Pattern v) {
        return new BenchOptions(count, requestBytes, stepBytes, write, v, depth, flushInterval, startOffset, seed, fill);
    }

    public BenchOptions withDepth(int v) {
        return new BenchOptions(count, requestBytes, stepBytes, write, pattern, v, flushInterval, startOffset, seed, fill);
    }

    public BenchOptions withFlushInterval(long v) {
        return new BenchOptions(count, requestBytes, stepBytes, write, pattern, depth, v, startOffset, seed, fill);
    }

    public BenchOptions withStartOffset(long v) {
        return new BenchOptions(count, requestBytes, stepBytes, write, pattern, depth, flushInterval, v, seed, fill);
    }

    public BenchOptions withSeed(long v) {
        return new BenchOptions(count, requestBytes, stepBytes, write, pattern, depth, flushInterval, startOffset, v, fill);
    }

    public BenchOptions withFill(byte v) {
        return new BenchOptions(count, requestBytes, stepBytes, write, pattern, depth, flushInterval, startOffset, seed, v);
    }
}
