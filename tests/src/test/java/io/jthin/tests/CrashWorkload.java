package io.jthin.tests;

import io.jthin.allocator.OutOfDataSpaceException;
import io.jthin.engine.PoolOptions;
import io.jthin.engine.ThinPool;
import io.jthin.engine.ThinVolume;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;

/**
 * The crash harness's seeded workload ({@link CrashTest}): create / snapshot / write / discard /
 * delete / flush / resize data and metadata / metadata snapshots / set_transaction_id / close and
 * reopen, on a small pool behind a {@link PowerSwitch}, with a {@link Model} of what must survive.
 * Deterministic given the seed (the pool runs without a background committer), so a crash point is
 * replayed by running the same seed again. Single-threaded.
 */
final class CrashWorkload {
    static final int BLOCK = 64 * 1024;
    static final int SECTOR = 512;
    static final int VOLUME_BLOCKS = 12;
    static final long VOLUME_BYTES = (long) VOLUME_BLOCKS * BLOCK;
    static final long INITIAL_DATA_BLOCKS = 40;
    static final long MAX_DATA_BLOCKS = 96;
    static final long INITIAL_META_BYTES = 2L << 20;
    static final long MAX_META_BYTES = 4L << 20;
    static final int MAX_DEVICES = 6;
    static final int OPS = Integer.getInteger("jthin.crash.ops", 40);
    static final byte[] ZERO = new byte[BLOCK];

    static PoolOptions options() {
        return PoolOptions.defaults().withCommitInterval(Duration.ZERO).withErrorIfNoSpace(true)
                .withMetadataCacheBytes(1 << 20);
    }

    /**
     * Device contents as arrays of immutable 64 KiB blocks (null = zeros); the state of the last
     * acknowledged commit; every content each block had since; and what the in-flight operation
     * would make of the device set if its commit lands.
     */
    static final class Model {
        final Map<Long, byte[][]> current = new TreeMap<>();
        Map<Long, byte[][]> committed = new TreeMap<>();
        final Map<Long, Map<Integer, List<byte[]>>> since = new HashMap<>();
        /** What the write in flight would make of each block it touches (it may have landed, whole or torn). */
        final Map<Long, Map<Integer, byte[]>> inFlight = new HashMap<>();
        long transactionId;
        long committedTransactionId;
        boolean snapHeld;
        boolean committedSnapHeld;
        boolean ifLandedSnapHeld;
        boolean everCommitted;
        /** Set before an operation that commits: the device set and new devices' exact content if it lands. */
        Map<Long, byte[][]> ifLanded;
        long ifLandedTransactionId;

        void commitPoint() {
            committed = new TreeMap<>();
            current.forEach((id, blocks) -> committed.put(id, blocks.clone()));
            since.clear();
            committedTransactionId = transactionId;
            committedSnapHeld = snapHeld;
            everCommitted = true;
            ifLanded = null;
        }

        void setBlock(long dev, int vblock, byte[] content) {
            byte[] c = content == null || Arrays.equals(content, ZERO) ? null : content;
            current.get(dev)[vblock] = c;
            since.computeIfAbsent(dev, k -> new HashMap<>()).computeIfAbsent(vblock, k -> new ArrayList<>()).add(c);
        }

        byte[] block(long dev, int vblock) {
            byte[] b = current.get(dev)[vblock];
            return b == null ? ZERO : b;
        }

        /** Prepares the "landed" hypothesis of a device operation. */
        Map<Long, byte[][]> landing() {
            ifLanded = new TreeMap<>();
            current.forEach((id, blocks) -> ifLanded.put(id, null)); // null: check against versions
            ifLandedTransactionId = transactionId;
            ifLandedSnapHeld = snapHeld;
            return ifLanded;
        }
    }

    final long seed;
    final PowerSwitch sw;
    final Model model = new Model();
    final Map<Long, ThinVolume> volumes = new TreeMap<>();
    ThinPool pool;
    long nextId;
    long dataBlocks = INITIAL_DATA_BLOCKS;
    long metaBytes = INITIAL_META_BYTES;
    boolean metadataSnapHeld;
    String lastOp = "(none)";
    final List<String> log = new ArrayList<>();
    int opsDone;
    int outOfSpace;

    CrashWorkload(long seed, PowerSwitch sw) {
        this.seed = seed;
        this.sw = sw;
    }

    /** Runs until the end or the crash; returns true when the power was cut. */
    boolean run() {
        SplittableRandom rnd = new SplittableRandom(seed);
        try {
            model.landing();
            pool = ThinPool.create(sw.plug(true), sw.plug(false), options());
            model.commitPoint();
            for (int op = 0; op < OPS; op++) {
                step(rnd, op == OPS - 1);
                log.add(lastOp);
                opsDone++;
            }
            return false;
        } catch (RuntimeException e) {
            if (sw.crashed()) {
                return true;
            }
            throw new AssertionError("seed " + seed + " op " + opsDone + " (" + lastOp + "): unexpected " + e, e);
        }
    }

    private long pick(SplittableRandom rnd) {
        List<Long> ids = new ArrayList<>(model.current.keySet());
        return ids.get(rnd.nextInt(ids.size()));
    }

    private void step(SplittableRandom rnd, boolean last) {
        int op = last ? 99 : rnd.nextInt(100);
        if (model.current.isEmpty() && op >= 45) {
            op = 30; // something to write to first
        }
        if (op < 45 && !model.current.isEmpty()) {
            write(rnd);
        } else if (op < 45 || op < 50) {
            createThin();
        } else if (op < 58) {
            discard(rnd);
        } else if (op < 67) {
            snapshot(rnd);
        } else if (op < 74) {
            delete(rnd);
        } else if (op < 79) {
            resizeData(rnd);
        } else if (op < 81) {
            resizeMetadata();
        } else if (op < 85) {
            metadataSnap();
        } else if (op < 87) {
            reopen();
        } else if (op < 89) {
            lastOp = "set_transaction_id";
            model.landing();
            model.ifLandedTransactionId = model.transactionId + 1;
            pool.setTransactionId(model.transactionId, model.transactionId + 1);
            model.transactionId++;
            model.commitPoint();
        } else {
            lastOp = "flush";
            model.landing();
            pool.commit();
            model.commitPoint();
        }
    }

    /** Closes the pool (which commits) and opens it again on the same devices. */
    private void reopen() {
        lastOp = "close and reopen";
        model.landing();
        volumes.values().forEach(ThinVolume::close);
        volumes.clear();
        pool.close();
        model.commitPoint();
        sw.data.reopen();
        sw.meta.reopen();
        pool = ThinPool.open(sw.plug(true), sw.plug(false), options());
        for (long id : model.current.keySet()) {
            volumes.put(id, pool.openVolume(id, VOLUME_BYTES));
        }
    }

    private void createThin() {
        if (model.current.size() >= MAX_DEVICES) {
            return;
        }
        long id = nextId++;
        lastOp = "create_thin " + id;
        model.landing().put(id, new byte[VOLUME_BLOCKS][]);
        pool.createThin(id);
        model.current.put(id, new byte[VOLUME_BLOCKS][]);
        volumes.put(id, pool.openVolume(id, VOLUME_BYTES));
        model.commitPoint();
    }

    private void snapshot(SplittableRandom rnd) {
        if (model.current.size() >= MAX_DEVICES) {
            return;
        }
        long origin = pick(rnd);
        long id = nextId++;
        lastOp = "create_snap " + id + " " + origin;
        model.landing().put(id, model.current.get(origin).clone());
        pool.createSnap(id, origin);
        model.current.put(id, model.current.get(origin).clone());
        volumes.put(id, pool.openVolume(id, VOLUME_BYTES));
        model.commitPoint();
    }

    private void delete(SplittableRandom rnd) {
        if (model.current.size() <= 1) {
            return;
        }
        long id = pick(rnd);
        lastOp = "delete " + id;
        volumes.remove(id).close();
        model.landing().remove(id);
        pool.delete(id);
        model.current.remove(id);
        model.commitPoint();
    }

    private void resizeData(SplittableRandom rnd) {
        if (dataBlocks >= MAX_DATA_BLOCKS) {
            return;
        }
        long grow = 8 + rnd.nextInt(9);
        dataBlocks = Math.min(MAX_DATA_BLOCKS, dataBlocks + grow);
        lastOp = "resize data to " + dataBlocks + " blocks";
        model.landing();
        pool.resizeData(dataBlocks * BLOCK);
        model.commitPoint();
    }

    private void resizeMetadata() {
        if (metaBytes >= MAX_META_BYTES) {
            return;
        }
        metaBytes += 1L << 20;
        lastOp = "resize metadata to " + metaBytes + " bytes";
        model.landing();
        pool.resizeMetadata(metaBytes);
        model.commitPoint();
    }

    private void metadataSnap() {
        model.landing();
        model.ifLandedSnapHeld = !metadataSnapHeld;
        if (metadataSnapHeld) {
            lastOp = "release_metadata_snap";
            pool.releaseMetadataSnap();
        } else {
            lastOp = "reserve_metadata_snap";
            pool.reserveMetadataSnap();
        }
        metadataSnapHeld = !metadataSnapHeld;
        model.snapHeld = metadataSnapHeld;
        model.commitPoint();
    }

    private void discard(SplittableRandom rnd) {
        if (model.current.isEmpty()) {
            return;
        }
        long id = pick(rnd);
        long off = rnd.nextLong(VOLUME_BYTES / SECTOR) * SECTOR;
        long len = rnd.nextLong((VOLUME_BYTES - off) / SECTOR + 1) * SECTOR;
        if (rnd.nextBoolean()) { // whole blocks
            off = off / BLOCK * BLOCK;
            len = Math.max(BLOCK, len / BLOCK * BLOCK);
            len = Math.min(len, VOLUME_BYTES - off);
        }
        lastOp = "discard dev " + id + " [" + off + ", +" + len + ")";
        volumes.get(id).discard(off, len);
        for (long b = (off + BLOCK - 1) / BLOCK; b < (off + len) / BLOCK; b++) {
            model.setBlock(id, (int) b, null);
        }
    }

    private void write(SplittableRandom rnd) {
        long id = pick(rnd);
        long off;
        int len;
        switch (rnd.nextInt(4)) {
            case 0 -> { // small, sector aligned
                len = SECTOR * (1 + rnd.nextInt(24));
                off = rnd.nextLong((VOLUME_BYTES - len) / SECTOR + 1) * SECTOR;
            }
            case 1 -> { // whole blocks
                int n = 1 + rnd.nextInt(3);
                len = n * BLOCK;
                off = rnd.nextLong(VOLUME_BLOCKS - n + 1) * BLOCK;
            }
            case 2 -> { // 4 KiB
                len = 4096;
                off = rnd.nextLong(VOLUME_BYTES / 4096) * 4096;
            }
            default -> { // spanning block boundaries
                len = BLOCK + SECTOR * rnd.nextInt(BLOCK / SECTOR);
                off = rnd.nextLong((VOLUME_BYTES - len) / SECTOR + 1) * SECTOR;
            }
        }
        byte[] buf = content(rnd.nextLong(), len);
        lastOp = "write dev " + id + " [" + off + ", +" + len + ")";
        for (long b = off / BLOCK; b * BLOCK < off + len; b++) {
            model.inFlight.computeIfAbsent(id, k -> new HashMap<>()).put((int) b, overlay(id, b, off, buf));
        }
        try {
            volumes.get(id).write(off, ByteBuffer.wrap(buf));
            model.inFlight.clear();
            apply(id, off, buf, null);
        } catch (OutOfDataSpaceException e) {
            if (sw.crashed()) {
                throw e;
            }
            // Each block took the write or kept its old bytes: adopt what the pool has, block by block.
            outOfSpace++;
            model.inFlight.clear();
            byte[] now = new byte[len];
            volumes.get(id).read(off, ByteBuffer.wrap(now));
            apply(id, off, buf, now);
        }
    }

    /** Block {@code b} of device {@code id} with the part of {@code buf} (written at {@code off}) that falls in it. */
    private byte[] overlay(long id, long b, long off, byte[] buf) {
        long from = Math.max(off, b * BLOCK);
        long to = Math.min(off + buf.length, (b + 1) * BLOCK);
        byte[] next = model.block(id, (int) b).clone();
        System.arraycopy(buf, (int) (from - off), next, (int) (from - b * BLOCK), (int) (to - from));
        return next;
    }

    /** Records a write of {@code buf} at {@code off}; with {@code readBack}, each block must be all old or all new. */
    private void apply(long id, long off, byte[] buf, byte[] readBack) {
        for (long b = off / BLOCK; b * BLOCK < off + buf.length; b++) {
            long from = Math.max(off, b * BLOCK);
            long to = Math.min(off + buf.length, (b + 1) * BLOCK);
            byte[] old = model.block(id, (int) b);
            byte[] next = overlay(id, b, off, buf);
            if (readBack != null) {
                int a = (int) (from - off);
                int n = (int) (to - from);
                boolean isNew = Arrays.equals(readBack, a, a + n, buf, a, a + n);
                boolean isOld = Arrays.equals(readBack, a, a + n, old, (int) (from - b * BLOCK),
                        (int) (to - b * BLOCK));
                if (!isNew && !isOld) {
                    throw new AssertionError("seed " + seed + ": after a write that ran out of space, block " + b
                            + " of device " + id + " is neither old nor new");
                }
                if (!isNew) {
                    continue;
                }
            }
            model.setBlock(id, (int) b, next);
        }
    }

    /** {@code len} bytes no other write produces: a cheap mix of a random base and the position (faster than nextBytes). */
    static byte[] content(long base, int len) {
        byte[] b = new byte[len];
        ByteBuffer bb = ByteBuffer.wrap(b);
        long x = base;
        while (bb.remaining() >= 8) {
            x += 0x9E3779B97F4A7C15L;
            long z = (x ^ (x >>> 30)) * 0xBF58476D1CE4E5B9L;
            bb.putLong(z ^ (z >>> 27));
        }
        while (bb.hasRemaining()) {
            bb.put((byte) x++);
        }
        return b;
    }

}
