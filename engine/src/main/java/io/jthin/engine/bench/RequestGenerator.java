package io.jthin.engine.bench;

import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The offsets of a run's requests, handed out to any number of worker threads.
 *
 * <p>Sequential: request 0 at the start offset, then qemu-img bench's rule — {@code offset += step;
 * offset %= size − requestBytes} (or 0 when the device is no larger than one request) — so
 * {@code -s 4k -S $((65536*10127))} touches each 64 KiB cluster of a 1 GiB device once in scattered
 * order, exactly as qemu-img does. Random: uniform offsets aligned to the request size (fio's rule),
 * one {@link SplittableRandom} stream per worker split from the seed.
 *
 * <p>Thread-safety: lock-free. Workers share only the request counter (one atomic increment per
 * request); request i of the sequential pattern is computed from i ({@code (start + i × step) mod
 * (size − requestBytes)}, the closed form of qemu-img's rule), so no thread waits for another. (A
 * synchronized counter made 16 workers on 2 cores queue on its monitor: threads parked while one
 * holding it was descheduled, and the harness, not the engine, limited throughput.)
 */
final class RequestGenerator {
    private final BenchOptions o;
    private final long deviceBytes;
    private final long modulus;
    private final long slots;
    private final SplittableRandom root;
    private final AtomicLong issued = new AtomicLong();

    RequestGenerator(BenchOptions o, long deviceBytes) {
        if (o.requestBytes() > deviceBytes) {
            throw new IllegalArgumentException("request size " + o.requestBytes() + " is larger than the device ("
                    + deviceBytes + " bytes)");
        }
        if (o.pattern() == BenchOptions.Pattern.SEQ && o.startOffset() > deviceBytes - o.requestBytes()) {
            throw new IllegalArgumentException("start offset " + o.startOffset() + " leaves no room for a request of "
                    + o.requestBytes() + " bytes on a device of " + deviceBytes + " bytes");
        }
        this.o = o;
        this.deviceBytes = deviceBytes;
        this.modulus = deviceBytes - o.requestBytes();
        this.slots = deviceBytes / o.requestBytes();
        this.root = new SplittableRandom(o.seed());
    }

    /** One worker's view: call {@link #next()} until it returns −1. */
    final class Worker {
        private final SplittableRandom rnd;

        private Worker(SplittableRandom rnd) {
            this.rnd = rnd;
        }

        long next() {
            return o.pattern() == BenchOptions.Pattern.SEQ ? nextSequential() : nextRandom(rnd);
        }
    }

    synchronized Worker worker() {
        return new Worker(root.split());
    }

    private long nextSequential() {
        long i = issued.getAndIncrement();
        return i >= o.count() ? -1 : sequentialOffset(i);
    }

    /** The offset of request {@code i} of the sequential pattern. */
    private long sequentialOffset(long i) {
        if (i == 0) {
            return o.startOffset();
        }
        if (modulus <= 0) {
            return 0;
        }
        long start = o.startOffset() % modulus;
        return (start + mulMod(i % modulus, Math.floorMod(o.step(), modulus), modulus)) % modulus;
    }

    /**
     * The requests of {@code o} that follow its first {@code n} (up to {@code o.count()}), as options
     * of their own: sequential, they start where request {@code n} would; random, they draw from
     * another seed. For a run split into parts that together make the run.
     */
    static BenchOptions after(BenchOptions o, long n, long deviceBytes) {
        if (o.pattern() == BenchOptions.Pattern.RAND) {
            return o.withSeed(o.seed() + n);
        }
        return o.withStartOffset(new RequestGenerator(o, deviceBytes).sequentialOffset(n));
    }

    /** {@code a × b mod m} for 0 ≤ a, b < m without overflow (m < 2^62: sums of two residues fit). */
    static long mulMod(long a, long b, long m) {
        long product = a * b;
        if (Math.multiplyHigh(a, b) == 0 && product >= 0) {
            return product % m; // the usual case: the product fits in 63 bits
        }
        long result = 0;
        long x = Math.max(a, b);
        for (long y = Math.min(a, b); y > 0; y >>>= 1) {
            if ((y & 1) != 0) {
                result = (result + x) % m;
            }
            x = (x << 1) % m;
        }
        return result;
    }

    private long nextRandom(SplittableRandom rnd) {
        if (issued.getAndIncrement() >= o.count()) {
            return -1;
        }
        return rnd.nextLong(slots) * o.requestBytes();
    }

    long deviceBytes() {
        return deviceBytes;
    }
}
