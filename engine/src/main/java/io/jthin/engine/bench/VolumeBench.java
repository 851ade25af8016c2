package io.jthin.engine.bench;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.StampedLock;

/**
 * The engine of {@code jthin bench}: {@code qemu-img bench} on a {@link BenchTarget}. DEPTH platform
 * threads each keep one request in flight (a synchronous engine's queue depth is its thread count),
 * taking offsets from one {@link RequestGenerator}; every {@code flushInterval} completed requests,
 * the one that completes the interval drains the others and flushes (qemu-img's default
 * drain-on-flush). The clock runs from releasing the workers to the last completion, as qemu-img's.
 *
 * <p>Each worker owns a 4 KiB-aligned direct buffer (so an O_DIRECT device can use it without a
 * copy). The first failure stops every worker and is rethrown. Stateless between runs.
 */
public final class VolumeBench {
    private VolumeBench() {}

    /** Runs {@code o} on {@code target} and returns what it measured. */
    public static BenchResult run(BenchTarget target, BenchOptions o) {
        RequestGenerator gen = new RequestGenerator(o, target.size());
        boolean flushing = o.flushInterval() > 0;
        ReadWriteLock drain = new StampedLock().asReadWriteLock();
        AtomicLong completed = new AtomicLong();
        AtomicLong flushes = new AtomicLong();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        CountDownLatch start = new CountDownLatch(1);
        CountDownLatch done = new CountDownLatch(o.depth());
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < o.depth(); t++) {
            RequestGenerator.Worker w = gen.worker();
            ByteBuffer buf = ByteBuffer.allocateDirect(o.requestBytes() + 8192).alignedSlice(4096);
            buf.limit(o.requestBytes());
            if (o.write()) {
                for (int i = 0; i < o.requestBytes(); i++) {
                    buf.put(i, o.fill());
                }
            }
            Thread th = Thread.ofPlatform().name("jthin-bench-" + t).daemon().unstarted(() -> {
                try {
                    start.await();
                    long offset;
                    while (failure.get() == null && (offset = w.next()) >= 0) {
                        buf.clear().limit(o.requestBytes());
                        if (flushing) {
                            drain.readLock().lock();
                        }
                        try {
                            if (o.write()) {
                                target.write(offset, buf);
                            } else {
                                target.read(offset, buf);
                            }
                        } finally {
                            if (flushing) {
                                drain.readLock().unlock();
                            }
                        }
                        long n = completed.incrementAndGet();
                        if (flushing && n % o.flushInterval() == 0) {
                            drain.writeLock().lock();
                            try {
                                target.flush();
                                flushes.incrementAndGet();
                            } finally {
                                drain.writeLock().unlock();
                            }
                        }
                    }
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                } finally {
                    done.countDown();
                }
            });
            threads.add(th);
        }
        threads.forEach(Thread::start);
        long t0 = System.nanoTime();
        start.countDown();
        try {
            done.await();
        } catch (InterruptedException e) {
            failure.compareAndSet(null, e);
            Thread.currentThread().interrupt();
        }
        long nanos = System.nanoTime() - t0;
        Throwable f = failure.get();
        if (f != null) {
            if (f instanceof RuntimeException r) {
                throw r;
            }
            if (f instanceof Error e) {
                throw e;
            }
            throw new IllegalStateException("benchmark interrupted", f);
        }
        return new BenchResult(o, completed.get(), nanos, flushes.get());
    }
}
