package io.jthin.benchmarks;

import io.jthin.engine.PoolOptions;
import io.jthin.engine.ThinPool;
import io.jthin.engine.ThinVolume;
import io.jthin.loopfile.BlockDevice;
import io.jthin.loopfile.MemoryBlockDevice;
import io.jthin.loopfile.SparseFile;
import io.jthin.snapshot.PoolMetadata;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.SplittableRandom;
import java.util.stream.Stream;

/**
 * The shared pool fixture of the engine benchmarks: a {@link ThinPool} (64 KiB blocks, no
 * background commit, so a benchmark's commits are its own) over one of three device kinds —
 * <ul>
 *   <li>{@code null}: data writes vanish ({@link NullDevice}), metadata in memory: the engine alone;
 *   <li>{@code memory}: both devices in memory ({@link MemoryBlockDevice}): the engine plus copying;
 *   <li>{@code file}: sparse files in a fresh directory under {@code java.io.tmpdir} (ext4 here):
 *       the engine plus the system calls, through the page cache, with real {@code fdatasync}.
 * </ul>
 * Shapes: an empty pool, a volume provisioned by writing it ({@link #provision}), one mapped
 * through {@link PoolMetadata} without writing data ({@link #mapMetadataOnly}: 1 M mappings in a few
 * seconds), and the aged pool ({@link #aged}). Not thread-safe to build; the pool it holds is.
 */
final class PoolFixture implements AutoCloseable {
    static final long BLOCK = 64 * 1024;

    enum Kind {
        NULL, MEMORY, FILE;

        static Kind of(String s) {
            return valueOf(s.toUpperCase(java.util.Locale.ROOT));
        }
    }

    final Kind kind;
    private final Path dir;
    private BlockDevice data;
    private BlockDevice meta;
    ThinPool pool;

    private PoolFixture(Kind kind, long dataBytes, long metaBytes) {
        this.kind = kind;
        try {
            this.dir = kind == Kind.FILE ? Files.createTempDirectory("jthin-bench-") : null;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        switch (kind) {
            case NULL -> {
                data = new NullDevice(dataBytes);
                meta = new MemoryBlockDevice("metadata", metaBytes);
            }
            case MEMORY -> {
                data = new MemoryBlockDevice("data", dataBytes);
                meta = new MemoryBlockDevice("metadata", metaBytes);
            }
            case FILE -> {
                data = SparseFile.create(dir.resolve("data"), dataBytes);
                meta = SparseFile.create(dir.resolve("metadata"), metaBytes);
            }
        }
        pool = ThinPool.create(data, meta, options());
    }

    static PoolOptions options() {
        return PoolOptions.defaults().withCommitInterval(Duration.ZERO);
    }

    /** An empty pool with thin device 0. */
    static PoolFixture create(Kind kind, long dataBytes, long metaBytes) {
        PoolFixture f = new PoolFixture(kind, dataBytes, metaBytes);
        f.pool.createThin(0);
        return f;
    }

    /** After a close: the metadata device usable again, and the data device too when {@code withData}. */
    private void reopenDevices(boolean withData) {
        switch (kind) {
            case NULL -> ((MemoryBlockDevice) meta).reopen();
            case MEMORY -> {
                if (withData) {
                    ((MemoryBlockDevice) data).reopen();
                }
                ((MemoryBlockDevice) meta).reopen();
            }
            case FILE -> {
                if (withData) {
                    data = SparseFile.open(dir.resolve("data"));
                }
                meta = SparseFile.open(dir.resolve("metadata"));
            }
        }
    }

    /**
     * Maps virtual blocks {@code first, first + stride, …} ({@code count} of them) of device
     * {@code devId} to newly allocated data blocks through {@link PoolMetadata} directly, writing no
     * data (the pool is closed and reopened around it).
     */
    void mapMetadataOnly(long devId, long first, long count, long stride) {
        pool.close();
        reopenDevices(false);
        try (PoolMetadata md = PoolMetadata.open(meta, 64L << 20, true)) {
            for (long i = 0; i < count; i++) {
                md.insert(devId, first + i * stride, md.allocateDataBlock());
                if (i % 100_000 == 99_999) {
                    md.commit();
                }
            }
            md.commit();
        }
        reopenDevices(true);
        pool = ThinPool.open(data, meta, options());
    }

    /** Writes whole blocks {@code 0 … blocks − 1} of {@code v} (each allocates), in {@code rnd}'s order, then commits. */
    void provision(ThinVolume v, long blocks, SplittableRandom rnd) {
        long[] order = permutation(blocks, rnd);
        ByteBuffer buf = ByteBuffer.allocateDirect((int) BLOCK);
        for (long b : order) {
            buf.clear();
            v.write(b * BLOCK, buf);
        }
        pool.commit();
    }

    static long[] permutation(long n, SplittableRandom rnd) {
        long[] a = new long[Math.toIntExact(n)];
        for (int i = 0; i < a.length; i++) {
            a[i] = i;
        }
        if (rnd != null) {
            for (int i = a.length - 1; i > 0; i--) {
                int j = rnd.nextInt(i + 1);
                long t = a[i];
                a[i] = a[j];
                a[j] = t;
            }
        }
        return a;
    }

    /**
     * The aged pool: device 0 provisioned in random order; then {@code generations} times a snapshot
     * of the newest device is taken and becomes the newest (a chain as deep as {@code generations}),
     * and the newest gets 4 KiB writes to 1/16 of its blocks at random (copy-on-write) and discards
     * of 1/64; finally every block of the newest device is written once, so that it owns all its
     * blocks, scattered over the data device, in a mapping tree shaped by all those generations.
     * Returns the newest device's id (= {@code generations}); the volume is closed.
     */
    long age(long blocks, int generations, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        ByteBuffer small = ByteBuffer.allocateDirect(4096);
        try (ThinVolume v = pool.openVolume(0, blocks * BLOCK)) {
            provision(v, blocks, rnd);
        }
        long head = 0;
        for (int g = 1; g <= generations; g++) {
            pool.createSnap(g, head);
            head = g;
            try (ThinVolume v = pool.openVolume(head, blocks * BLOCK)) {
                for (long i = 0; i < blocks / 16; i++) {
                    small.clear();
                    v.write(rnd.nextLong(blocks) * BLOCK + rnd.nextInt(16) * 4096L, small);
                }
                for (long i = 0; i < blocks / 64; i++) {
                    v.discard(rnd.nextLong(blocks) * BLOCK, BLOCK);
                }
            }
            pool.commit();
        }
        try (ThinVolume v = pool.openVolume(head, blocks * BLOCK)) {
            for (long b : permutation(blocks, rnd)) {
                small.clear();
                v.write(b * BLOCK + rnd.nextInt(16) * 4096L, small);
            }
        }
        pool.commit();
        return head;
    }

    /** A provisioned volume ("fresh") or the aged pool's newest device ("aged"); returns the device id. */
    static PoolFixture withVolume(Kind kind, String shape, long blocks, long[] devIdOut) {
        boolean aged = shape.equals("aged");
        int generations = 16;
        long dataBytes = (aged ? blocks * 4 : blocks * 3) * BLOCK;
        PoolFixture f = create(kind, dataBytes, 512L << 20);
        if (aged) {
            devIdOut[0] = f.age(blocks, generations, 42);
        } else {
            try (ThinVolume v = f.pool.openVolume(0, blocks * BLOCK)) {
                f.provision(v, blocks, new SplittableRandom(42));
            }
            devIdOut[0] = 0;
        }
        return f;
    }

    @Override
    public void close() {
        try {
            pool.close();
        } finally {
            if (dir != null) {
                try (Stream<Path> s = Files.walk(dir)) {
                    s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        }
    }
}
