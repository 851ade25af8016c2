package io.jthin.engine.bench;

import java.util.SplittableRandom;

/**
 * The offsets of a run's requests, handed out to any number of worker threads.
 *
 * <p>Sequential: request 0 at the start offset, then qemu-img bench's rule — {@code offset += step;
 * offset %= size − requestBytes} (or 0 when the device is no larger than one request) — so
 * {@code -s 4k -S $((65536*10127))} touches each 64 KiB cluster of a 1 GiB device once in scattered
 * order, exactly as qemu-img does. Random: uniform offsets aligned to the request size (fio's rule),
 * one {@link SplittableRandom} stream per worker split from the seed.
 *
 * <p>Thread-safety: {@link #next} is synchronized for the sequential pattern (its order is the
 * contract); random workers each own a {@link Worker} and share only the request counter.
 */
final class RequestGenerator {
    private final BenchOptions o;
    private final long deviceBytes;
    private final long modulus;
    private final long slots;
    private final SplittableRandom root;
    private long issued;
    private long nextOffset;

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
        this.nextOffset = o.startOffset();
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

    private synchronized long nextSequential() {
        if (issued == o.count()) {
            return -1;
        }
        issued++;
        long offset = nextOffset;
        nextOffset = modulus <= 0 ? 0 : Math.floorMod(nextOffset % modulus + o.step() % modulus, modulus);
        return offset;
    }

    private long nextRandom(SplittableRandom rnd) {
        synchronized (this) {
            if (issued == o.count()) {
                return -1;
            }
            issued++;
        }
        return rnd.nextLong(slots) * o.requestBytes();
    }

    long deviceBytes() {
        return deviceBytes;
    }
}
