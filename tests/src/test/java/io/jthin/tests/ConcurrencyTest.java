package io.jthin.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.jthin.engine.PoolOptions;
import io.jthin.engine.ThinPool;
import io.jthin.engine.ThinVolume;
import io.jthin.loopfile.BlockDevice;
import io.jthin.loopfile.ForwardingBlockDevice;
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
 *
 * <p>{@link #readersNeverSeeAnotherDevicesDataWhileBlocksAreDiscardedAndReused}: reads take no
 * volume lock, only their block's lock; discard takes the locks of the blocks it unmaps. In a pool
 * too small for anything but reuse, readers of one volume race discards of it and writes of another
 * that reuse its freed blocks: a read may return zeros or the volume's own data, never the other's.
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

    @Test
    void readersNeverSeeAnotherDevicesDataWhileBlocksAreDiscardedAndReused() {
        assertTimeoutPreemptively(Duration.ofSeconds(120), this::discardRace, "deadlock: the workload did not finish");
    }

    private static ByteBuffer fill(byte value, int bytes) {
        ByteBuffer b = ByteBuffer.allocateDirect(bytes);
        while (b.hasRemaining()) {
            b.put(value);
        }
        return b.flip();
    }

    private void discardRace() throws Exception {
        int blocks = 16; // per volume; the pool has room for both and 4 blocks more
        long millis = Math.max(1500, RUN_MILLIS / 2);
        BlockDevice data = new SlowReads(SparseFile.create(dir.resolve("data"), (2L * blocks + 4) * BLOCK));
        try (ThinPool pool = ThinPool.create(data, SparseFile.create(dir.resolve("metadata"), 16L << 20),
                PoolOptions.defaults())) {
            pool.createThin(1);
            pool.createThin(2);
            ThinVolume a = pool.openVolume(1, (long) blocks * BLOCK);
            ThinVolume b = pool.openVolume(2, (long) blocks * BLOCK);
            ByteBuffer aData = fill((byte) 0xAA, BLOCK);
            ByteBuffer bData = fill((byte) 0xBB, BLOCK);
            a.write(0, fill((byte) 0xAA, blocks * BLOCK));
            a.flush();
            AtomicBoolean stop = new AtomicBoolean();
            ConcurrentLinkedQueue<Throwable> errors = new ConcurrentLinkedQueue<>();
            AtomicLong reads = new AtomicLong();
            AtomicLong discards = new AtomicLong();
            List<Thread> threads = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                int seed = t;
                threads.add(Thread.ofPlatform().name("reader-" + t).start(() -> {
                    SplittableRandom rnd = new SplittableRandom(seed);
                    ByteBuffer got = ByteBuffer.allocateDirect(SLOT);
                    try {
                        while (!stop.get()) {
                            long off = (long) rnd.nextInt(blocks * SLOTS) * SLOT;
                            got.clear();
                            a.read(off, got);
                            byte first = got.get(0);
                            for (int i = 0; i < SLOT; i++) {
                                byte x = got.get(i);
                                if (x != first || (x != 0 && x != (byte) 0xAA)) {
                                    throw new AssertionError("read of thin 1 at " + off + " returned byte " + (x & 0xFF)
                                            + " at +" + i + " (first byte " + (first & 0xFF) + "): not its own data");
                                }
                            }
                            reads.incrementAndGet();
                        }
                    } catch (Throwable e) {
                        errors.add(e);
                    }
                }));
            }
            threads.add(Thread.ofPlatform().name("discarder").start(() -> {
                SplittableRandom rnd = new SplittableRandom(99);
                try {
                    while (!stop.get()) {
                        int first = rnd.nextInt(blocks - 3);
                        a.discard((long) first * BLOCK, 4L * BLOCK); // freed: thin 2 may get these blocks next
                        a.flush();
                        discards.incrementAndGet();
                        b.discard(0, (long) blocks * BLOCK);
                        b.flush();
                        for (int i = 0; i < blocks; i++) {
                            b.write((long) i * BLOCK, bData.duplicate());
                        }
                        for (int i = first; i < first + 4; i++) {
                            a.write((long) i * BLOCK, aData.duplicate());
                        }
                    }
                } catch (Throwable e) {
                    errors.add(e);
                }
            }));
            Thread.sleep(millis);
            stop.set(true);
            for (Thread th : threads) {
                th.join();
            }
            if (!errors.isEmpty()) {
                Throwable first = errors.peek();
                throw new AssertionError(errors.size() + " thread(s) failed; first: " + first, first);
            }
            System.out.println("discard race: " + reads.get() + " reads, " + discards.get() + " discards with reuse");
            assertTrue(discards.get() > 10 && reads.get() > 200, "the race ran: " + discards.get() + " discards, "
                    + reads.get() + " reads");
        }
        ThinTools.assertCheckClean(dir.resolve("metadata"), "after the discard race");
    }

    /**
     * A data device whose 4 KiB reads (the readers' reads) take 20 ms: between a reader's
     * lookup and its data read there is then time for a discard, a commit and another device's
     * write to reuse the block — the window a missing lock would leave open.
     */
    private static final class SlowReads extends ForwardingBlockDevice {
        SlowReads(BlockDevice d) {
            super(d);
        }

        @Override
        public void read(long offsetBytes, ByteBuffer dst) {
            if (dst.remaining() == SLOT) {
                try {
                    Thread.sleep(20);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException(e);
                }
            }
            super.read(offsetBytes, dst);
        }
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
