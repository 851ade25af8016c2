package io.jthin.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.jthin.allocator.OutOfDataSpaceException;
import io.jthin.engine.PoolOptions;
import io.jthin.engine.ThinPool;
import io.jthin.engine.ThinVolume;
import io.jthin.loopfile.MemoryBlockDevice;
import io.jthin.loopfile.SparseFile;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.stream.LongStream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Model-based test of the whole pool (issue 4, must-show 1): random create / snapshot (chains of
 * snapshots of snapshots, depth ≥ 10) / write / overwrite / discard / delete / flush / reopen
 * against a {@code Map<id, byte[]>}, with the pool running close to full. Every read equals the
 * model; after every flush {@code thin_check} exits 0 on the metadata file and the parsed
 * {@code thin_dump} output equals the pool's own view. Odd seeds run without discard passdown, so
 * freed blocks keep their bytes and a partial write into a reused block must zero the rest. Replay
 * one seed with {@code -Djthin.seed=N}.
 */
class PoolModelTest {
    private static final long BLOCK = 64 * 1024;
    private static final long VOLUME_BLOCKS = 24;
    private static final long VOLUME_BYTES = VOLUME_BLOCKS * BLOCK;
    private static final long DATA_BLOCKS = 96;
    private static final int STEPS = Integer.getInteger("jthin.pool.steps", 300);

    @TempDir
    Path dir;

    static LongStream seeds() {
        Long one = Long.getLong("jthin.seed");
        return one != null ? LongStream.of(one) : LongStream.rangeClosed(1, 20);
    }

    private final Map<Long, byte[]> model = new TreeMap<>();
    private final Map<Long, Integer> depth = new HashMap<>();
    private final Map<Long, ThinVolume> volumes = new HashMap<>();
    private MemoryBlockDevice data;
    private Path metaPath;
    private ThinPool pool;
    private long nextId;
    private int maxDepth;
    private int checks;

    /** Odd seeds run without discard passdown: freed blocks keep their old bytes, and reused ones must be zeroed. */
    private boolean passdown;

    private PoolOptions options() {
        return PoolOptions.defaults().withCommitInterval(Duration.ZERO).withErrorIfNoSpace(true)
                .withDiscardPassdown(passdown);
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void poolMatchesModel(long seed) throws IOException {
        SplittableRandom rnd = new SplittableRandom(seed);
        passdown = seed % 2 == 0;
        data = new MemoryBlockDevice("data", DATA_BLOCKS * BLOCK);
        metaPath = dir.resolve("metadata-" + seed);
        pool = ThinPool.create(data, SparseFile.create(metaPath, 8L << 20), options());
        int fullHits = 0;
        try {
            create(0);
            for (int step = 0; step < STEPS; step++) {
                String ctx = "seed " + seed + " step " + step;
                int op = rnd.nextInt(100);
                try {
                    if (op < 45) {
                        fullHits += write(rnd, ctx) ? 0 : 1;
                    } else if (op < 55) {
                        discard(rnd);
                    } else if (op < 63) {
                        snapshot(rnd);
                    } else if (op < 67) {
                        create(nextId);
                    } else if (op < 75) {
                        delete(rnd);
                    } else if (op < 85) {
                        flushAndCheck(ctx);
                    } else if (op < 90) {
                        reopen();
                    } else {
                        verifyAll(ctx);
                    }
                } catch (AssertionError e) {
                    throw e;
                } catch (RuntimeException e) {
                    throw new AssertionError(ctx + ": " + e, e);
                }
            }
            flushAndCheck("seed " + seed + " end");
            verifyAll("seed " + seed + " end");
            reopen();
            verifyAll("seed " + seed + " after reopen");
        } finally {
            closeAll();
        }
        assertTrue(maxDepth >= 10, "seed " + seed + ": snapshot chains reached depth " + maxDepth + " only");
        assertTrue(checks > 5, "seed " + seed + ": only " + checks + " thin_check runs");
        System.out.println("seed " + seed + ": " + STEPS + " steps, " + checks + " thin_check runs, snapshot depth "
                + maxDepth + ", " + fullHits + " writes hit a full pool");
    }

    private void create(long id) {
        pool.createThin(id);
        model.put(id, new byte[(int) VOLUME_BYTES]);
        depth.put(id, 0);
        volumes.put(id, pool.openVolume(id, VOLUME_BYTES));
        nextId = Math.max(nextId, id + 1);
    }

    private long pick(SplittableRandom rnd) {
        List<Long> ids = new ArrayList<>(model.keySet());
        return ids.get(rnd.nextInt(ids.size()));
    }

    /** Returns false when the pool was full (error_if_no_space) and the write was cut short. */
    private boolean write(SplittableRandom rnd, String ctx) {
        if (model.isEmpty()) {
            create(nextId);
        }
        long id = pick(rnd);
        long off;
        int len;
        switch (rnd.nextInt(4)) {
            case 0 -> { // small unaligned
                len = 1 + rnd.nextInt(9000);
                off = rnd.nextLong(VOLUME_BYTES - len);
            }
            case 1 -> { // whole blocks
                int n = 1 + rnd.nextInt(3);
                len = (int) (n * BLOCK);
                off = rnd.nextLong(VOLUME_BLOCKS - n + 1) * BLOCK;
            }
            case 2 -> { // 4 KiB aligned
                len = 4096;
                off = rnd.nextLong(VOLUME_BYTES / 4096) * 4096;
            }
            default -> { // spanning block boundaries
                len = (int) BLOCK + rnd.nextInt((int) BLOCK);
                off = rnd.nextLong(VOLUME_BYTES - len);
            }
        }
        byte[] buf = new byte[len];
        rnd.nextBytes(buf);
        byte[] m = model.get(id);
        try {
            volumes.get(id).write(off, ByteBuffer.wrap(buf));
            System.arraycopy(buf, 0, m, (int) off, len);
            return true;
        } catch (OutOfDataSpaceException e) {
            // Each block either took the write or kept its old bytes; adopt what the pool has, block by block.
            byte[] now = new byte[len];
            volumes.get(id).read(off, ByteBuffer.wrap(now));
            for (long b = off / BLOCK; b * BLOCK < off + len; b++) {
                long from = Math.max(off, b * BLOCK);
                long to = Math.min(off + len, (b + 1) * BLOCK);
                int a = (int) (from - off);
                int n = (int) (to - from);
                boolean isNew = Arrays.equals(now, a, a + n, buf, a, a + n);
                boolean isOld = Arrays.equals(now, a, a + n, m, (int) from, (int) to);
                if (!isNew && !isOld) {
                    fail(ctx + ": after a failed write, block " + b + " of device " + id + " is neither old nor new");
                }
                System.arraycopy(now, a, m, (int) from, n);
            }
            return false;
        }
    }

    private void discard(SplittableRandom rnd) {
        if (model.isEmpty()) {
            return;
        }
        long id = pick(rnd);
        long off = rnd.nextLong(VOLUME_BYTES);
        long len = rnd.nextLong(VOLUME_BYTES - off + 1);
        volumes.get(id).discard(off, len);
        long first = (off + BLOCK - 1) / BLOCK;
        long end = (off + len) / BLOCK;
        byte[] m = model.get(id);
        for (long b = first; b < end; b++) {
            Arrays.fill(m, (int) (b * BLOCK), (int) ((b + 1) * BLOCK), (byte) 0);
        }
    }

    private void snapshot(SplittableRandom rnd) {
        if (model.isEmpty()) {
            return;
        }
        long origin = rnd.nextInt(3) == 0 ? pick(rnd)
                : depth.entrySet().stream().max(Map.Entry.comparingByValue()).orElseThrow().getKey();
        long id = nextId++;
        pool.createSnap(id, origin);
        model.put(id, model.get(origin).clone());
        int d = depth.get(origin) + 1;
        depth.put(id, d);
        maxDepth = Math.max(maxDepth, d);
        volumes.put(id, pool.openVolume(id, VOLUME_BYTES));
    }

    private void delete(SplittableRandom rnd) {
        if (model.size() <= 1) {
            return;
        }
        // Prefer deleting shallow devices so deep chains survive.
        long id = pick(rnd);
        if (depth.get(id) == maxDepth && rnd.nextInt(4) != 0) {
            return;
        }
        volumes.remove(id).close();
        pool.delete(id);
        model.remove(id);
        depth.remove(id);
    }

    private void flushAndCheck(String ctx) throws IOException {
        pool.commit();
        ThinTools.assertCheckClean(metaPath, ctx);
        ThinTools.Result dump = ThinTools.run("thin_dump", metaPath.toString());
        assertEquals(0, dump.exitCode(), ctx + ": thin_dump failed: " + dump.stderr());
        MetadataView theirs = MetadataView.parse(dump.stdout());
        MetadataView ours = MetadataView.of(pool);
        assertEquals(ours, theirs, ctx + ": thin_dump's view differs from the pool's");
        for (var e : ours.devices().entrySet()) {
            assertEquals(e.getValue().mappings().size(), e.getValue().mappedBlocks(),
                    ctx + ": mapped_blocks of device " + e.getKey());
        }
        checks++;
    }

    private void reopen() {
        closeAll();
        pool = ThinPool.open(data.reopen(), SparseFile.open(metaPath), options());
        for (long id : model.keySet()) {
            volumes.put(id, pool.openVolume(id, VOLUME_BYTES));
        }
    }

    private void closeAll() {
        volumes.values().forEach(ThinVolume::close);
        volumes.clear();
        if (pool != null) {
            pool.close();
            pool = null;
        }
    }

    private void verifyAll(String ctx) {
        for (var e : model.entrySet()) {
            byte[] got = new byte[(int) VOLUME_BYTES];
            volumes.get(e.getKey()).read(0, ByteBuffer.wrap(got));
            if (!Arrays.equals(got, e.getValue())) {
                int i = Arrays.mismatch(got, e.getValue());
                fail(ctx + ": device " + e.getKey() + " differs from the model at byte " + i + " (block " + i / BLOCK
                        + "): got " + got[i] + ", expected " + e.getValue()[i]);
            }
        }
    }
}
