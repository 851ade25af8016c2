package io.jthin.engine.bench;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
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
 * <p>One instance runs any number of phases ({@link #run}) one after another on the same DEPTH
 * threads, each with the same 4 KiB-aligned direct buffer (so an O_DIRECT device can use it without
 * a copy). That is what makes a warm-up phase warm the measured one: code the JIT compiled during the
 * warm-up meets no thread's first request (its thread-locals) and no new buffer in the measured
 * phase — cold paths through compiled code that deoptimised it at the start of a measured run on
 * fresh threads, and with 16 busy threads on 2 CPUs its recompilation took seconds.
 *
 * <p>The first failure stops every worker of its phase and is rethrown. Not thread-safe: one phase at
 * a time, from one thread. {@link #close} stops the workers.
 */
public final class VolumeBench implements AutoCloseable {
    /** Tells a worker to exit. */
    private static final Phase STOP = new Phase(null, null, List.of());

    private final int bufferBytes;
    private final List<BlockingQueue<Phase>> inboxes = new ArrayList<>();
    private final List<Thread> threads = new ArrayList<>();

    /** Starts {@code depth} workers whose buffers hold requests of up to {@code maxRequestBytes}. */
    public VolumeBench(int depth, int maxRequestBytes) {
        if (depth < 1 || maxRequestBytes < 1) {
            throw new IllegalArgumentException("depth and request size must be positive, not " + depth + " and "
                    + maxRequestBytes);
        }
        this.bufferBytes = maxRequestBytes;
        for (int t = 0; t < depth; t++) {
            BlockingQueue<Phase> inbox = new ArrayBlockingQueue<>(1);
            ByteBuffer buf = ByteBuffer.allocateDirect(maxRequestBytes + 8192).alignedSlice(4096);
            int index = t;
            Thread th = Thread.ofPlatform().name("jthin-bench-" + t).daemon().unstarted(() -> serve(index, inbox, buf));
            inboxes.add(inbox);
            threads.add(th);
        }
        threads.forEach(Thread::start);
    }

    /** Runs {@code o} on {@code target} once, on workers of its own. */
    public static BenchResult once(BenchTarget target, BenchOptions o) {
        try (VolumeBench bench = new VolumeBench(o.depth(), o.requestBytes())) {
            return bench.run(target, o);
        }
    }

    /** Runs one phase: {@code o} on {@code target}; {@code o.depth()} must be this bench's depth. */
    public BenchResult run(BenchTarget target, BenchOptions o) {
        if (o.depth() != threads.size() || o.requestBytes() > bufferBytes) {
            throw new IllegalArgumentException("this bench runs depth " + threads.size() + " with requests of up to "
                    + bufferBytes + " bytes, not depth " + o.depth() + " with " + o.requestBytes());
        }
        RequestGenerator gen = new RequestGenerator(o, target.size());
        List<RequestGenerator.Worker> streams = new ArrayList<>();
        for (int t = 0; t < o.depth(); t++) {
            streams.add(gen.worker()); // in worker order: worker t's offsets do not depend on scheduling
        }
        Phase p = new Phase(target, o, streams);
        for (BlockingQueue<Phase> inbox : inboxes) {
            if (!inbox.offer(p)) {
                throw new IllegalStateException("a bench phase is already running");
            }
        }
        return p.time();
    }

    @Override
    public void close() {
        for (BlockingQueue<Phase> inbox : inboxes) {
            inbox.offer(STOP);
        }
        boolean interrupted = false;
        for (Thread t : threads) {
            while (t.isAlive()) {
                try {
                    t.join();
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    private static void serve(int index, BlockingQueue<Phase> inbox, ByteBuffer buf) {
        try {
            for (Phase p = inbox.take(); p != STOP; p = inbox.take()) {
                p.work(index, buf);
            }
        } catch (InterruptedException e) {
            // the JVM is going down (daemon threads); nothing to hand back
        }
    }

    /** One run of the workers: its options, its offsets, its counters. */
    private static final class Phase {
        private final BenchTarget target;
        private final BenchOptions o;
        private final List<RequestGenerator.Worker> streams;
        private final ReadWriteLock drain = new StampedLock().asReadWriteLock();
        private final AtomicLong completed = new AtomicLong();
        private final AtomicLong flushes = new AtomicLong();
        private final AtomicReference<Throwable> failure = new AtomicReference<>();
        private final CountDownLatch ready;
        private final CountDownLatch start = new CountDownLatch(1);
        private final CountDownLatch done;

        /** One offset stream per worker, by worker index. */
        Phase(BenchTarget target, BenchOptions o, List<RequestGenerator.Worker> streams) {
            this.target = target;
            this.o = o;
            this.streams = streams;
            this.ready = new CountDownLatch(streams.size());
            this.done = new CountDownLatch(streams.size());
        }

        /** Worker {@code index}'s part: fill its buffer (untimed), wait for the start, run requests. */
        void work(int index, ByteBuffer buf) {
            boolean readied = false;
            try {
                buf.clear().limit(o.requestBytes());
                if (o.write()) {
                    for (int i = 0; i < o.requestBytes(); i++) {
                        buf.put(i, o.fill());
                    }
                }
                ready.countDown();
                readied = true;
                start.await();
                requests(streams.get(index), buf);
            } catch (Throwable e) {
                failure.compareAndSet(null, e);
            } finally {
                if (!readied) {
                    ready.countDown(); // failed before the start: do not leave the clock waiting
                }
                done.countDown();
            }
        }

        private void requests(RequestGenerator.Worker w, ByteBuffer buf) {
            boolean flushing = o.flushInterval() > 0;
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
        }

        /** Releases the workers once all are ready, and times them to the last completion. */
        BenchResult time() {
            long nanos;
            try {
                ready.await();
                long t0 = System.nanoTime();
                start.countDown();
                done.await();
                nanos = System.nanoTime() - t0;
            } catch (InterruptedException e) {
                failure.compareAndSet(null, e);
                start.countDown();
                Thread.currentThread().interrupt();
                nanos = 0;
            }
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
}
