package io.jthin.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.jthin.engine.PoolOptions;
import io.jthin.engine.ThinPool;
import io.jthin.engine.ThinVolume;
import io.jthin.loopfile.SparseFile;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 4, must-show 6: 8 writer threads on shared and distinct blocks while another thread takes
 * and deletes snapshots and another flushes; checked against a model at the end, within a bounded
 * time (no deadlock).
 *
 * <p>Every data block of the volume is cut into 16 slots of 4 KiB; writer t owns slots t and t+8
 * of every block, so many threads write into the same block at once (they must never both
 * allocate or both copy it: a lost write shows as a stale slot) while the final content stays
 * exactly predictable: each slot holds its owner's last write. Each write stamps (thread, seq).
 */
class ConcurrencyTest {
    private static final int BLOCK = 64 * 1024;
    private static final int SLOT = 4096;
    private static final int SLOTS = BLOCK / SLOT;
    private static final int THREADS = 8;
    private static final int BLOCKS = 48;
    private static final long RUN_MILLIS = Long.getLong("jthin.concurrency.millis", 6000);

    @TempDir
    Path dir;

    private static ByteBuffer stamp(int thread, long seq) {
        ByteBuffer b = ByteBuffer.allocate(SLOT);
        while (b.hasRemaining()) {
            b.putInt(thread + 1).putLong(seq).putInt(0x5EED);
        }
        return b.flip();
    }

    @Test
    void writersSnapshotsAndFlushesRaceWithoutLostWrites() {
        assertTimeoutPreemptively(Duration.ofSeconds(120), this::run, "deadlock: the workload did not finish");
    }

    private void run() throws Exception {
        PoolOptions opts = PoolOptions.defaults().withCommitInterval(Duration.ofMillis(200));
        try (ThinPool pool = ThinPool.create(SparseFile.create(dir.resolve("data"), 256L << 20),
                SparseFile.create(dir.resolve("metadata"), 16L << 20), opts)) {
            pool.createThin(1);
            ThinVolume vol = pool.openVolume(1, (long) BLOCKS * BLOCK);
            long[][] last = new long[BLOCKS * SLOTS][];
            Object[] slotLocks = new Object[THREADS];
            for (int i = 0; i < THREADS; i++) {
                slotLocks[i] = new Object();
            }
            AtomicBoolean stop = new AtomicBoolean();
            ConcurrentLinkedQueue<Throwable> errors = new ConcurrentLinkedQueue<>();
            AtomicLong writes = new AtomicLong();
            AtomicLong snapshots = new AtomicLong();
            List<Thread> threads = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                int thread = t;
                threads.add(Thread.ofPlatform().name("writer-" + t).start(() -> {
                    SplittableRandom rnd = new SplittableRandom(thread);
                    long seq = 0;
                    try {
                        while (!stop.get()) {
                            int block = rnd.nextInt(BLOCKS);
                            int slot = rnd.nextBoolean() ? thread : thread + THREADS;
                            seq++;
                            vol.write((long) block * BLOCK + (long) slot * SLOT, stamp(thread, seq));
                            last[block * SLOTS + slot] = new long[] {thread, seq};
                            writes.incrementAndGet();
                            if (rnd.nextInt(50) == 0) {
                                ByteBuffer back = ByteBuffer.allocate(SLOT);
                                vol.read((long) block * BLOCK + (long) slot * SLOT, back);
                                if (!back.flip().equals(stamp(thread, seq))) {
                                    throw new AssertionError("thread " + thread + " does not read its own write back");
                                }
                            }
                        }
                    } catch (Throwable e) {
                        errors.add(e);
                    }
                }));
            }
            threads.add(Thread.ofPlatform().name("snapshotter").start(() -> {
                long id = 100;
                List<Long> live = new ArrayList<>();
                try {
                    while (!stop.get()) {
                        pool.createSnap(id, 1);
                        live.add(id++);
                        snapshots.incrementAndGet();
                        if (live.size() > 3) {
                            pool.delete(live.remove(0));
                        }
                        Thread.sleep(20);
                    }
                } catch (Throwable e) {
                    errors.add(e);
                }
            }));
            threads.add(Thread.ofPlatform().name("flusher").start(() -> {
                try {
                    while (!stop.get()) {
                        vol.flush();
                        Thread.sleep(50);
                    }
                } catch (Throwable e) {
                    errors.add(e);
                }
            }));
            Thread.sleep(RUN_MILLIS);
            stop.set(true);
            for (Thread th : threads) {
                th.join();
            }
            if (!errors.isEmpty()) {
                Throwable first = errors.peek();
                throw new AssertionError(errors.size() + " thread(s) failed; first: " + first, first);
            }
            for (int block = 0; block < BLOCKS; block++) {
                for (int slot = 0; slot < SLOTS; slot++) {
                    ByteBuffer got = ByteBuffer.allocate(SLOT);
                    vol.read((long) block * BLOCK + (long) slot * SLOT, got);
                    long[] w = last[block * SLOTS + slot];
                    ByteBuffer expected = w == null ? ByteBuffer.allocate(SLOT) : stamp((int) w[0], w[1]);
                    if (!got.flip().equals(expected)) {
                        fail("block " + block + " slot " + slot + " lost its last write " + (w == null ? "(none)"
                                : "(thread " + w[0] + " seq " + w[1] + ")"));
                    }
                }
            }
            vol.flush();
            vol.close();
            System.out.println("concurrency: " + writes.get() + " writes by " + THREADS + " threads, " + snapshots.get()
                    + " snapshots, no lost write");
            assertTrue(snapshots.get() > 10, "snapshots were taken during the run");
            assertEquals(0, errors.size());
        }
        ThinTools.assertCheckClean(dir.resolve("metadata"), "after the concurrent run");
    }
}
