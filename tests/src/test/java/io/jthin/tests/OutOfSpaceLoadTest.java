package io.jthin.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.jthin.allocator.OutOfDataSpaceException;
import io.jthin.engine.PoolMode;
import io.jthin.engine.PoolOptions;
import io.jthin.engine.ThinPool;
import io.jthin.engine.ThinVolume;
import io.jthin.loopfile.MemoryBlockDevice;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 6, out of space under load: six writers fill a pool that also holds committed data and a
 * snapshot of it, in both modes. error_if_no_space: writes that need a block fail at once with
 * {@link OutOfDataSpaceException} and leave their block as it was; the writers keep their failed
 * writes. queue_if_no_space: the writers block in the pool, while reads, in-place overwrites of
 * mapped blocks and flushes go on. Then {@code resizeData}: every failed write is retried (error
 * mode) or every queued write completes by itself (queue mode), and every acknowledged write, the
 * committed data and the snapshot read back exactly — also after close and reopen, with thin_check
 * and the strict audits clean.
 */
class OutOfSpaceLoadTest {
    private static final int BLOCK = 64 * 1024;
    private static final int WRITERS = 6;
    private static final int BLOCKS_EACH = 16;
    /** Blocks 96..103 hold committed data, shared with snapshot 2. */
    private static final int COMMITTED_FROM = WRITERS * BLOCKS_EACH;
    private static final int COMMITTED = 8;
    private static final long VOLUME_BYTES = (long) (COMMITTED_FROM + COMMITTED) * BLOCK;
    private static final long SMALL_POOL = 40;
    private static final long GROWN_POOL = 160;

    @TempDir
    Path dir;

    private static byte[] content(int writer, int block, int version) {
        return CrashWorkload.content(((long) writer << 32) ^ ((long) block << 8) ^ version, BLOCK);
    }

    @Test
    void errorIfNoSpaceWritersFailThenCompleteAfterResize() throws Exception {
        run(true);
    }

    @Test
    void queueIfNoSpaceWritersWaitThenCompleteAfterResize() throws Exception {
        run(false);
    }

    private void run(boolean errorMode) throws Exception {
        String mode = errorMode ? "error_if_no_space" : "queue_if_no_space";
        MemoryBlockDevice data = new MemoryBlockDevice("data", SMALL_POOL * BLOCK);
        MemoryBlockDevice meta = new MemoryBlockDevice("metadata", 4L << 20);
        PoolOptions opts = PoolOptions.defaults().withCommitInterval(Duration.ofMillis(100)).withErrorIfNoSpace(errorMode)
                .withNoSpaceTimeout(Duration.ofSeconds(120));
        byte[][] model = new byte[COMMITTED_FROM + COMMITTED][];
        byte[][] snapModel = new byte[COMMITTED_FROM + COMMITTED][];
        ThinPool pool = ThinPool.create(data, meta, opts);
        pool.createThin(1);
        ThinVolume vol = pool.openVolume(1, VOLUME_BYTES);
        for (int b = COMMITTED_FROM; b < COMMITTED_FROM + COMMITTED; b++) {
            model[b] = content(99, b, 0);
            snapModel[b] = model[b];
            vol.write((long) b * BLOCK, ByteBuffer.wrap(model[b]));
        }
        pool.createSnap(2, 1); // commits; blocks 96..103 are now shared: overwriting them needs a new block too

        AtomicInteger inWrite = new AtomicInteger();
        AtomicInteger failedWrites = new AtomicInteger();
        AtomicLong acknowledged = new AtomicLong();
        CountDownLatch resized = new CountDownLatch(1);
        ConcurrentLinkedQueue<Throwable> errors = new ConcurrentLinkedQueue<>();
        List<Thread> writers = new ArrayList<>();
        for (int w = 0; w < WRITERS; w++) {
            int writer = w;
            writers.add(Thread.ofPlatform().daemon(true).name("writer-" + w).start(() -> {
                try {
                    List<Integer> failed = new ArrayList<>();
                    for (int i = 0; i < BLOCKS_EACH; i++) {
                        int b = writer * BLOCKS_EACH + i;
                        byte[] c = content(writer, b, 1);
                        inWrite.incrementAndGet();
                        try {
                            vol.write((long) b * BLOCK, ByteBuffer.wrap(c));
                            model[b] = c;
                            acknowledged.incrementAndGet();
                        } catch (OutOfDataSpaceException e) {
                            if (!errorMode) {
                                throw e;
                            }
                            failedWrites.incrementAndGet();
                            failed.add(b);
                            byte[] back = new byte[BLOCK];
                            vol.read((long) b * BLOCK, ByteBuffer.wrap(back));
                            assertArrayEquals(new byte[BLOCK], back, "a failed write leaves its block as it was");
                        } finally {
                            inWrite.decrementAndGet();
                        }
                    }
                    if (!failed.isEmpty()) {
                        assertTrue(resized.await(60, TimeUnit.SECONDS), "the pool was grown");
                        for (int b : failed) {
                            byte[] c = content(writer, b, 2);
                            vol.write((long) b * BLOCK, ByteBuffer.wrap(c));
                            model[b] = c;
                            acknowledged.incrementAndGet();
                        }
                    }
                } catch (Throwable e) {
                    errors.add(e);
                }
            }));
        }

        // Wait until the pool is full and every writer is stuck: failed (error mode) or queued.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (true) {
            boolean stuck = errorMode ? writers.stream().allMatch(t -> t.getState() == Thread.State.WAITING
                    || t.getState() == Thread.State.TIMED_WAITING || !t.isAlive())
                    : inWrite.get() == writers.stream().filter(Thread::isAlive).count() && inWrite.get() > 0;
            if (pool.mode() == PoolMode.OUT_OF_DATA_SPACE && stuck) {
                long before = acknowledged.get();
                Thread.sleep(300);
                if (acknowledged.get() == before) {
                    break;
                }
            }
            if (System.nanoTime() > deadline || !errors.isEmpty()) {
                fail(mode + ": the writers never all got stuck on the full pool (mode " + pool.mode() + ", in write "
                        + inWrite.get() + ", errors " + errors + ")");
            }
            Thread.sleep(20);
        }
        long ackedWhileFull = acknowledged.get();
        int stuckWriters = errorMode ? failedWrites.get() : inWrite.get();
        assertEquals(PoolMode.OUT_OF_DATA_SPACE, pool.mode());
        assertTrue(ackedWhileFull < WRITERS * BLOCKS_EACH, "the pool cannot hold every write");
        // While full: committed data reads back, a mapped unshared block is overwritten in place, flush works.
        byte[] back = new byte[BLOCK];
        for (int b = COMMITTED_FROM; b < COMMITTED_FROM + COMMITTED; b++) {
            vol.read((long) b * BLOCK, ByteBuffer.wrap(back));
            assertArrayEquals(model[b], back, mode + ": committed block " + b + " while full");
        }
        int inPlace = -1;
        for (int b = 0; b < COMMITTED_FROM && inPlace < 0; b++) {
            if (model[b] != null && pool.mapping(1, b) != null && !pool.mapping(1, b).shared()) {
                inPlace = b;
            }
        }
        if (inPlace >= 0) {
            synchronized (model) {
                // the writer of this block is done with it (acknowledged), so the controller may overwrite it
                model[inPlace] = content(77, inPlace, 3);
                vol.write((long) inPlace * BLOCK, ByteBuffer.wrap(model[inPlace]));
            }
        }
        pool.commit();
        if (!errorMode) {
            assertEquals(stuckWriters, writers.stream().filter(Thread::isAlive).count(),
                    "queued writes have not completed before the resize");
        }

        pool.resizeData(GROWN_POOL * BLOCK);
        resized.countDown();
        for (Thread t : writers) {
            t.join(60_000);
            assertTrue(!t.isAlive(), mode + ": " + t.getName() + " did not complete after the resize");
        }
        if (!errors.isEmpty()) {
            Throwable first = errors.peek();
            throw new AssertionError(mode + ": " + errors.size() + " writer(s) failed; first: " + first, first);
        }
        assertEquals(PoolMode.WRITE, pool.mode(), "growing the pool leaves out_of_data_space");
        assertEquals(WRITERS * BLOCKS_EACH, acknowledged.get(), "every write completed");
        verify(vol, model, mode + " after the resize");
        vol.close();
        pool.close();

        pool = ThinPool.open(data.reopen(), meta.reopen(), opts);
        try (ThinVolume v = pool.openVolume(1, VOLUME_BYTES); ThinVolume snap = pool.openVolume(2, VOLUME_BYTES)) {
            verify(v, model, mode + " after reopen");
            verify(snap, snapModel, mode + ": the snapshot after reopen");
        }
        pool.close();
        Path file = dir.resolve("metadata-" + mode);
        Files.write(file, ThinCheckPool.image(meta.reopen()));
        ThinTools.assertCheckClean(file, mode);
        MetadataAudit audit = MetadataAudit.of(meta, data.size());
        assertTrue(audit.problems().isEmpty(), mode + ": " + audit.problems());
        System.out.println("out of space (" + mode + "): " + WRITERS + " writers, " + ackedWhileFull + " of "
                + WRITERS * BLOCKS_EACH + " writes fit before the pool filled, " + (errorMode ? failedWrites.get()
                + " failed with OutOfDataSpaceException (retried after the resize)" : stuckWriters + " writers queued in the pool")
                + "; resizeData " + SMALL_POOL + " -> " + GROWN_POOL + " blocks, then all " + acknowledged.get()
                + " writes completed, 0 committed blocks lost, thin_check clean");
    }

    private static void verify(ThinVolume v, byte[][] model, String when) {
        byte[] got = new byte[BLOCK];
        for (int b = 0; b < model.length; b++) {
            v.read((long) b * BLOCK, ByteBuffer.wrap(got));
            assertArrayEquals(model[b] == null ? new byte[BLOCK] : model[b], got, when + ": block " + b);
        }
    }
}
