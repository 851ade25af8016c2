package io.jthin.benchmarks.compare;

import io.jthin.engine.PoolOptions;
import io.jthin.engine.ThinPool;
import io.jthin.engine.ThinVolume;
import io.jthin.loopfile.LoopLvmLayout;
import io.jthin.loopfile.SparseFile;
import io.jthin.snapshot.PoolMetadata;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryUsage;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Pool set-up and in-process measurements for {@code benchmarks/compare} (not a user tool; the CLI
 * replaces the set-up verbs once it has them). Usage: {@code java -cp benchmarks.jar
 * io.jthin.benchmarks.compare.Fixtures VERB ARGS}:
 * <pre>
 * create DIR DATA_BYTES META_BYTES     a pool directory with thin device 0
 * thin DIR ID                           create_thin
 * snap DIR ID ORIGIN                    create_snap
 * delete DIR ID                         delete
 * map DIR ID N [scattered]              maps blocks 0..N-1 of ID to new data blocks (metadata only; no data written);
 *                                       scattered: in random order, so that no two neighbours are contiguous in the
 *                                       data device (an aged pool: thin_dump prints N single mappings, not one range)
 * snaptime DIR ORIGIN REPS [DIR2...]    REPS × (create_snap of ORIGIN incl. its commit); prints the median and all times in µs;
 *                                       with more pools, all open in one process and their snapshots taken in turn (one
 *                                       line each, in order): the disk's drift between runs then weighs on them alike
 * heap DIR ID VOLUME_BYTES              opens the pool with default options, looks up every mapped block of a
 *                                       VOLUME_BYTES volume (reads every 64th), then prints the heap in use after GC
 *                                       (run with -Xmx256m)
 * </pre>
 */
public final class Fixtures {
    private Fixtures() {}

    public static void main(String[] args) throws Exception {
        if (args.length < 2) {
            System.err.println("usage: Fixtures create|thin|snap|delete|map|snaptime|heap DIR ...");
            System.exit(2);
        }
        Path dir = Path.of(args[1]);
        switch (args[0]) {
            case "create" -> create(dir, Long.parseLong(args[2]), Long.parseLong(args[3]));
            case "thin" -> withPool(dir, p -> p.createThin(Long.parseLong(args[2])));
            case "snap" -> withPool(dir, p -> p.createSnap(Long.parseLong(args[2]), Long.parseLong(args[3])));
            case "delete" -> withPool(dir, p -> p.delete(Long.parseLong(args[2])));
            case "map" -> map(dir, Long.parseLong(args[2]), Long.parseLong(args[3]),
                    args.length > 4 && args[4].equals("scattered"));
            case "snaptime" -> {
                List<Path> dirs = new ArrayList<>(List.of(dir));
                for (int i = 4; i < args.length; i++) {
                    dirs.add(Path.of(args[i]));
                }
                snapTime(dirs, Long.parseLong(args[2]), Integer.parseInt(args[3]));
            }
            case "heap" -> heap(dir, Long.parseLong(args[2]), Long.parseLong(args[3]));
            default -> {
                System.err.println("unknown verb " + args[0]);
                System.exit(2);
            }
        }
    }

    private static PoolOptions quiet() {
        return PoolOptions.defaults().withCommitInterval(Duration.ZERO);
    }

    static void create(Path dir, long dataBytes, long metaBytes) {
        LoopLvmLayout l = LoopLvmLayout.of(dir).createDirectories();
        try (ThinPool p = ThinPool.create(SparseFile.create(l.dataFile(), dataBytes),
                SparseFile.create(l.metadataFile(), metaBytes), quiet())) {
            p.createThin(0);
        }
    }

    interface PoolOp {
        void run(ThinPool p) throws Exception;
    }

    static void withPool(Path dir, PoolOp op) throws Exception {
        LoopLvmLayout l = LoopLvmLayout.of(dir);
        try (ThinPool p = ThinPool.open(SparseFile.open(l.dataFile()), SparseFile.open(l.metadataFile()), quiet())) {
            op.run(p);
            p.commit();
        }
    }

    /** N mappings through PoolMetadata: what 64 GiB of first writes would leave, without the data. */
    static void map(Path dir, long devId, long n, boolean scattered) {
        LoopLvmLayout l = LoopLvmLayout.of(dir);
        long[] order = new long[Math.toIntExact(n)];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        if (scattered) {
            java.util.SplittableRandom rnd = new java.util.SplittableRandom(7);
            for (int i = order.length - 1; i > 0; i--) {
                int j = rnd.nextInt(i + 1);
                long t = order[i];
                order[i] = order[j];
                order[j] = t;
            }
        }
        try (PoolMetadata md = PoolMetadata.open(SparseFile.open(l.metadataFile()), 64L << 20, true)) {
            for (int i = 0; i < order.length; i++) {
                md.insert(devId, order[i], md.allocateDataBlock());
                if (i % 100_000 == 99_999) {
                    md.commit();
                }
            }
            md.commit();
        }
    }

    static void snapTime(List<Path> dirs, long origin, int reps) throws Exception {
        List<ThinPool> pools = new ArrayList<>();
        long[][] micros = new long[dirs.size()][reps];
        try {
            for (Path dir : dirs) {
                LoopLvmLayout l = LoopLvmLayout.of(dir);
                pools.add(ThinPool.open(SparseFile.open(l.dataFile()), SparseFile.open(l.metadataFile()), quiet()));
            }
            long base = 1_000_000;
            for (int i = 0; i < 1000; i++) { // warm the code path (JIT), untimed: a pool lives long
                for (ThinPool p : pools) {
                    p.createSnap(base + i, origin);
                    p.delete(base + i);
                }
            }
            for (int i = 0; i < reps; i++) {
                for (int d = 0; d < pools.size(); d++) {
                    long t0 = System.nanoTime();
                    pools.get(d).createSnap(base + 10 + i, origin);
                    micros[d][i] = (System.nanoTime() - t0) / 1000;
                }
            }
            for (ThinPool p : pools) {
                for (int i = 0; i < reps; i++) {
                    p.delete(base + 10 + i);
                }
                p.commit();
            }
        } finally {
            for (ThinPool p : pools) {
                p.close();
            }
        }
        for (long[] m : micros) {
            long[] sorted = m.clone();
            Arrays.sort(sorted);
            System.out.printf(Locale.ROOT, "{\"median_us\":%d,\"min_us\":%d,\"max_us\":%d,\"all_us\":%s}%n",
                    sorted[reps / 2], sorted[0], sorted[reps - 1], Arrays.toString(m));
        }
    }

    /**
     * Looks up every mapped block of the volume (the read path's lookup, which fills the metadata
     * cache), reads 4 KiB of every 64th of them and writes one block at the far end, then reports
     * the heap in use after GC. (Reading all 1 M blocks would mostly measure the kernel zero-filling
     * 4 GiB of page cache for the data file's holes.)
     */
    static void heap(Path dir, long devId, long volumeBytes) {
        LoopLvmLayout l = LoopLvmLayout.of(dir);
        long t0 = System.nanoTime();
        long looked = 0;
        long read = 0;
        try (ThinPool p = ThinPool.open(SparseFile.open(l.dataFile()), SparseFile.open(l.metadataFile()),
                PoolOptions.defaults());
                ThinVolume v = p.openVolume(devId, volumeBytes)) {
            ByteBuffer buf = ByteBuffer.allocateDirect(4096);
            long blockBytes = p.dataBlockBytes();
            long blocks = volumeBytes / blockBytes;
            for (long b = 0; b < blocks; b = b + 1) {
                if (p.mapping(devId, b) == null) {
                    long next = p.nextMappedBlock(devId, b);
                    if (next < 0) {
                        break;
                    }
                    b = next - 1;
                    continue;
                }
                looked++;
                if (b % 64 == 0) {
                    buf.clear();
                    v.read(b * blockBytes, buf);
                    read++;
                }
            }
            buf.clear();
            v.write(volumeBytes - 4096, buf); // one allocation at the far end of the volume
            System.gc();
            MemoryUsage h = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
            long maxHeap = Runtime.getRuntime().maxMemory();
            System.out.printf(Locale.ROOT,
                    "{\"volume_bytes\":%d,\"mapped_blocks_looked_up\":%d,\"blocks_read\":%d,"
                            + "\"heap_used_after_gc_mib\":%.1f,\"heap_committed_mib\":%.1f,\"max_heap_mib\":%.1f,"
                            + "\"seconds\":%.1f}%n",
                    volumeBytes, looked, read, h.getUsed() / 1048576.0, h.getCommitted() / 1048576.0,
                    maxHeap / 1048576.0, (System.nanoTime() - t0) / 1e9);
        }
    }

    static boolean exists(Path p) {
        return Files.exists(p);
    }
}
