package io.jthin.benchmarks;

import io.jthin.allocator.DiskSpaceMap;
import io.jthin.allocator.MetadataSpaceMap;
import io.jthin.btree.BlockManager;
import io.jthin.btree.TransactionManager;
import io.jthin.loopfile.BlockDevice;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Data space-map allocation on a large pool: a {@link DiskSpaceMap} of {@code blocks} data blocks
 * (10 M = 610 GiB at 64 KiB), {@code fill} of them allocated at random (the worst case for the
 * free-set containers), over a metadata device in memory.
 *
 * <ul>
 *   <li>{@link #allocateAndFree}: one {@code newBlock()} plus one {@code dec()} of a block allocated
 *       1024 operations earlier, and the pool's commit sequence every {@code commitEvery}
 *       operations (amortised into the score: data bitmaps, index tree, metadata space map).
 *   <li>{@link #refCount}: a random reference-count lookup.
 * </ul>
 * The trial setup prints the heap used by the map's in-memory structures (measured as the heap
 * difference around building it, after GC, and the map's own estimate).
 *
 * <p>Owns only benchmark state; single-threaded (space maps are used under the pool's lock).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class AllocatorBenchmark {
    @Param("10000000")
    public long blocks;

    @Param({"0.5", "0.99"})
    public double fill;

    @Param("4096")
    public int commitEvery;

    private TransactionManager tm;
    private MetadataSpaceMap msm;
    private DiskSpaceMap dsm;
    private final long[] fifo = new long[1024];
    private int head;
    private long ops;
    private SplittableRandom rnd;

    @Setup(Level.Trial)
    public void setup() {
        long before = usedHeapAfterGc();
        RamDevice device = new RamDevice(1L << 30); // 1 GiB sparse metadata device
        tm = new TransactionManager(new BlockManager(device), null);
        msm = MetadataSpaceMap.format(tm, Math.min(device.size() / 4096, MetadataSpaceMap.MAX_BLOCKS));
        long withMetadata = usedHeapAfterGc();
        dsm = DiskSpaceMap.format(tm, blocks);
        rnd = new SplittableRandom(42);
        for (long b = 0; b < blocks; b++) {
            if (rnd.nextDouble() < fill) {
                dsm.inc(b, 1);
            }
        }
        commit();
        long after = usedHeapAfterGc();
        System.out.printf("%n[AllocatorBenchmark] data space map of %,d blocks, %,d allocated: in-memory structures "
                + "%.1f MiB (the map's estimate); heap growth after GC %.1f MiB (also counts the block cache's and the "
                + "RAM device's copies of the %d bitmap blocks); metadata space map %.1f MiB%n",
                blocks, dsm.nrAllocated(), dsm.inMemoryBytes() / 1048576.0, (after - withMetadata) / 1048576.0,
                dsm.nrBitmaps(), (withMetadata - before) / 1048576.0);
        Arrays.fill(fifo, -1);
    }

    private void commit() {
        // the pool's sequence; the benchmark never reopens, so the superblock stays blank
        // (cow-snapshot's Superblock owns where the two roots go)
        dsm.commit();
        msm.commit();
        tm.commit(tm.superblockForUpdate(0, true));
    }

    @Benchmark
    public long allocateAndFree() {
        long b = dsm.newBlock();
        long old = fifo[head];
        fifo[head] = b;
        head = (head + 1) & (fifo.length - 1);
        if (old >= 0) {
            dsm.dec(old);
        }
        if (++ops % commitEvery == 0) {
            commit();
        }
        return b;
    }

    @Benchmark
    public long refCount() {
        return dsm.refCount(rnd.nextLong(blocks));
    }

    static long usedHeapAfterGc() {
        long used = Long.MAX_VALUE;
        for (int i = 0; i < 4; i++) {
            System.gc();
            used = Math.min(used, ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
        }
        return used;
    }

    /** A sparse in-memory metadata device (4 KiB pages, null = zeros); resizing copies no data. */
    static final class RamDevice implements BlockDevice {
        private static final int PAGE = 4096;
        private byte[][] pages;
        private long size;

        RamDevice(long sizeBytes) {
            size = sizeBytes;
            pages = new byte[Math.toIntExact(sizeBytes / PAGE)][];
        }

        @Override
        public void read(long offsetBytes, ByteBuffer dst) {
            long off = offsetBytes;
            while (dst.hasRemaining()) {
                int p = (int) (off / PAGE);
                int in = (int) (off % PAGE);
                int n = Math.min(dst.remaining(), PAGE - in);
                if (pages[p] == null) {
                    dst.put(new byte[n]);
                } else {
                    dst.put(pages[p], in, n);
                }
                off += n;
            }
        }

        @Override
        public void write(long offsetBytes, ByteBuffer src) {
            long off = offsetBytes;
            while (src.hasRemaining()) {
                int p = (int) (off / PAGE);
                int in = (int) (off % PAGE);
                int n = Math.min(src.remaining(), PAGE - in);
                if (pages[p] == null) {
                    pages[p] = new byte[PAGE];
                }
                src.get(pages[p], in, n);
                off += n;
            }
        }

        @Override
        public void sync() {
        }

        @Override
        public long size() {
            return size;
        }

        @Override
        public void resize(long newSizeBytes) {
            pages = Arrays.copyOf(pages, Math.toIntExact(newSizeBytes / PAGE));
            size = newSizeBytes;
        }

        @Override
        public void punchHole(long offsetBytes, long lengthBytes) {
            for (long p = offsetBytes / PAGE; p < (offsetBytes + lengthBytes) / PAGE; p++) {
                pages[(int) p] = null;
            }
        }

        @Override
        public long allocatedBytes() {
            return Arrays.stream(pages).filter(p -> p != null).count() * PAGE;
        }

        @Override
        public String name() {
            return "benchmark-ram";
        }

        @Override
        public void close() {
        }
    }
}
