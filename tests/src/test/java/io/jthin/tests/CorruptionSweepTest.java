package io.jthin.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jthin.btree.ChecksumException;
import io.jthin.btree.CorruptMetadataException;
import io.jthin.engine.PoolOptions;
import io.jthin.engine.ThinPool;
import io.jthin.engine.ThinVolume;
import io.jthin.loopfile.MemoryBlockDevice;
import io.jthin.snapshot.MetadataVisitor;
import io.jthin.snapshot.PoolMetadata;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 6, corruption sweep: in a pool with several devices, snapshots, 300 snapshots sharing one
 * tree, a metadata snapshot and a data space map big enough for an index tree with an internal
 * node, single bits are flipped in a sample of every kind of used metadata block (superblock and
 * its snapshot copy, metadata space map index and bitmap, data space map bitmaps, internal and
 * leaf nodes of the top-level and bottom-level mapping trees, the device-details tree, the data
 * space map index tree and both overflow ref-count trees). After each flip the pool is opened and
 * read: all its metadata walked (live and snapshot) and every virtual block below the damaged node
 * read. Every flip must be refused with a {@link ChecksumException} naming the flipped block's type
 * and number; every read that returns must return the right bytes; nothing is written to either
 * device. Flips in unused (free) metadata blocks must be harmless. thin_check agrees on a sample.
 */
class CorruptionSweepTest {
    private static final int BLOCK = 64 * 1024;
    private static final int STAMP = 4096;
    /** 170 data bitmaps: more index entries than one leaf of 16-byte values holds (168). */
    private static final long DATA_BLOCKS = 170L * 16320;
    private static final long VOLUME_BLOCKS = 1024;
    private static final int FLIPS_PER_KIND = Integer.getInteger("jthin.corruption.flipsPerKind", 300);
    private static final int UNUSED_FLIPS = 300;

    private static MemoryBlockDevice data;
    private static MemoryBlockDevice meta;
    /** Device → virtual block → the first 4 KiB it must read. */
    private static final Map<Long, Map<Long, byte[]>> model = new TreeMap<>();

    @TempDir
    Path dir;

    static PoolOptions options() {
        return PoolOptions.defaults().withCommitInterval(Duration.ZERO).withMetadataCacheBytes(4L << 20);
    }

    private static void write(ThinPool pool, long dev, long vblock, long seed) {
        byte[] stamp = CrashWorkload.content(seed * 7919 + dev * 1_000_003 + vblock, STAMP);
        try (ThinVolume v = pool.openVolume(dev, VOLUME_BLOCKS * BLOCK)) {
            v.write(vblock * BLOCK, ByteBuffer.wrap(stamp));
        }
        model.computeIfAbsent(dev, k -> new TreeMap<>()).put(vblock, stamp);
    }

    private static void snapshot(ThinPool pool, long id, long origin) {
        pool.createSnap(id, origin);
        model.put(id, new TreeMap<>(model.get(origin)));
    }

    @BeforeAll
    static void buildPool() {
        data = new MemoryBlockDevice("data", DATA_BLOCKS * BLOCK);
        meta = new MemoryBlockDevice("metadata", 8L << 20);
        try (ThinPool pool = ThinPool.create(data, meta, options())) {
            pool.createThin(0);
            for (long b = 0; b < 600; b++) {
                write(pool, 0, b, 1);
            }
            pool.commit();
            for (int round = 1; round <= 3; round++) {
                snapshot(pool, 1000 + round, 0); // then break sharing: leaves copied 3 times give data counts ≥ 3
                for (long b = round; b < 600; b += 60) { // one block in every leaf of device 0
                    write(pool, 0, b, 10 + round);
                }
                pool.commit();
            }
            pool.createThin(1);
            pool.createThin(2);
            for (long b = 0; b < 30; b++) {
                write(pool, 1, 3 * b, 20);
                write(pool, 2, 5 * b, 30);
            }
            for (long id = 10; id < 310; id++) {
                snapshot(pool, id, 1); // 301 owners of device 1's root: a metadata count ≥ 3
            }
            for (long id = 2000; id < 2340; id++) { // 340 trees with 3 owners each: an overflow tree with an internal node
                pool.createThin(id);
                model.put(id, new TreeMap<>());
                snapshot(pool, id + 1000, id);
                snapshot(pool, id + 2000, id);
            }
            pool.reserveMetadataSnap();
        }
        data.reopen();
        meta.reopen();
    }

    /** How each flip ended, by block kind. */
    static final class Tally {
        final AtomicLong flips = new AtomicLong();
        final AtomicLong detected = new AtomicLong();
        final Map<String, AtomicLong> atStage = new ConcurrentHashMap<>();
    }

    private final Map<String, Tally> tallies = new ConcurrentHashMap<>();
    private final AtomicLong readsOk = new AtomicLong();
    private final AtomicLong wrongReads = new AtomicLong();
    private final AtomicLong refusedReads = new AtomicLong();
    private final ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();

    private record Flip(long block, int bit, MetadataBlockMap.Kind kind) {
    }

    @Test
    void everyFlipIsDetectedNamingTheBlockAndNoReadReturnsWrongBytes() throws Exception {
        long start = System.nanoTime();
        MetadataBlockMap map = new MetadataBlockMap(meta.reopen());
        meta.reopen();
        Map<String, List<Long>> byKind = map.byKind();
        System.out.println("corruption: pool of " + model.size() + " devices; metadata blocks by kind: " + byKind.entrySet()
                .stream().map(e -> e.getKey() + " " + e.getValue().size()).toList());
        for (String required : List.of("superblock", "metadata snapshot superblock", "metadata space map index",
                "metadata space map bitmap", "data space map bitmap", "top-level mapping tree internal node",
                "top-level mapping tree leaf", "bottom-level mapping tree internal node", "bottom-level mapping tree leaf",
                "device details tree internal node", "device details tree leaf", "data space map index tree internal node",
                "data space map index tree leaf", "data space map overflow tree internal node",
                "data space map overflow tree leaf", "metadata space map overflow tree internal node",
                "metadata space map overflow tree leaf")) {
            assertTrue(byKind.containsKey(required), "the pool has no " + required + ": " + byKind.keySet());
        }
        List<Long> unused = unusedBlocks(map);
        assertTrue(unused.size() > 100, "free metadata blocks to flip: " + unused.size());

        SplittableRandom rnd = new SplittableRandom(42);
        List<Flip> flips = new ArrayList<>();
        for (var e : byKind.entrySet()) {
            // Up to 8 blocks of the kind, spread over it; bottom-level nodes with mappings below them first.
            List<Long> blocks = new ArrayList<>(e.getValue());
            blocks.sort(java.util.Comparator.comparing(b -> map.vblocksBelow.getOrDefault(b, List.of()).isEmpty()));
            long withMappings = blocks.stream().filter(b -> !map.vblocksBelow.getOrDefault(b, List.of()).isEmpty()).count();
            if (withMappings > 6) {
                List<Long> spread = new ArrayList<>();
                for (int k = 0; k < 6; k++) {
                    spread.add(blocks.get((int) (k * withMappings / 6)));
                }
                spread.add(blocks.get((int) withMappings));
                spread.add(blocks.get(blocks.size() - 1));
                blocks = spread;
            }
            int nBlocks = Math.min(blocks.size(), 8);
            MetadataBlockMap.Kind kind = map.kinds.get(blocks.get(0));
            for (int i = 0; i < FLIPS_PER_KIND; i++) {
                long block = blocks.get((int) ((long) (i % nBlocks) * blocks.size() / nBlocks));
                // Half in the header (checksum, flags, block number, counts), half anywhere.
                int bit = i % 2 == 0 ? rnd.nextInt(64 * 8) : rnd.nextInt(4096 * 8);
                flips.add(new Flip(block, bit, kind));
            }
        }
        for (int i = 0; i < UNUSED_FLIPS; i++) {
            flips.add(new Flip(unused.get(rnd.nextInt(unused.size())), rnd.nextInt(4096 * 8), null));
        }

        int threads = Math.max(1, Math.min(4, Runtime.getRuntime().availableProcessors()));
        ExecutorService exec = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int from = t;
                futures.add(exec.submit(() -> {
                    MemoryBlockDevice myMeta = meta.copy();
                    MemoryBlockDevice myData = data.copy();
                    for (int i = from; i < flips.size(); i += threads) {
                        probe(flips.get(i), myMeta, myData, map);
                    }
                }));
            }
            for (Future<?> f : futures) {
                f.get();
            }
        } finally {
            exec.shutdownNow();
        }
        int thinCheckRuns = thinCheckAgrees(flips, unused);

        long usedFlips = 0;
        long detected = 0;
        StringBuilder kinds = new StringBuilder();
        for (var e : new TreeMap<>(tallies).entrySet()) {
            Tally t = e.getValue();
            if (!e.getKey().equals("unused")) {
                usedFlips += t.flips.get();
                detected += t.detected.get();
            }
            kinds.append("\n  ").append(e.getKey()).append(": ").append(t.flips).append(" flips, ").append(t.detected)
                    .append(" detected ").append(new TreeMap<>(t.atStage));
        }
        long secs = (System.nanoTime() - start) / 1_000_000_000L;
        System.out.println("corruption: by block kind (detected at stage):" + kinds);
        failures.stream().limit(20).forEach(f -> System.out.println("  FAILED " + f));
        System.out.println("corruption: " + usedFlips + " flips, " + detected + " detected (ChecksumException naming "
                + "block type and number), " + wrongReads + " reads returned wrong bytes (" + readsOk
                + " right, " + refusedReads + " refused); " + tallies.get("unused").flips + " flips in unused blocks, " + tallies.get("unused").detected
                + " refused (harmless: 0 expected); thin_check agreed on " + thinCheckRuns + " samples; " + secs + " s");
        assertTrue(failures.isEmpty(), failures.size() + " failures; first: " + failures.peek());
        assertEquals(usedFlips, detected);
        assertEquals(0, wrongReads.get());
    }

    /** Blocks the metadata space map says are free. */
    private static List<Long> unusedBlocks(MetadataBlockMap map) {
        List<Long> free = new ArrayList<>();
        PoolMetadata md = PoolMetadata.open(meta, 1 << 20, false);
        try {
            for (long b = 0; b < md.metadataSpaceMap().nrBlocks(); b++) {
                if (md.metadataSpaceMap().refCount(b) == 0) {
                    free.add(b);
                    assertTrue(!map.kinds.containsKey(b), "block " + b + " is free but used as " + map.kinds.get(b));
                } else {
                    assertTrue(map.kinds.containsKey(b), "block " + b + " is counted but the walk did not reach it");
                }
            }
        } finally {
            md.close();
            meta.reopen();
        }
        return free;
    }

    private static void flipBit(MemoryBlockDevice dev, long block, int bit) {
        long at = block * 4096 + bit / 8;
        ByteBuffer one = ByteBuffer.allocate(1);
        dev.read(at, one);
        dev.write(at, ByteBuffer.wrap(new byte[] {(byte) (one.get(0) ^ (1 << (bit % 8)))}));
    }

    private void probe(Flip flip, MemoryBlockDevice myMeta, MemoryBlockDevice myData, MetadataBlockMap map) {
        String kindName = flip.kind() == null ? "unused" : flip.kind().name();
        Tally tally = tallies.computeIfAbsent(kindName, k -> new Tally());
        tally.flips.incrementAndGet();
        String what = kindName + " at block " + flip.block() + ", bit " + flip.bit();
        flipBit(myMeta, flip.block(), flip.bit());
        long metaWrites = myMeta.writeCount();
        long dataWrites = myData.writeCount();
        String[] stage = {"open"};
        try (ThinPool pool = ThinPool.open(myData.reopen(), myMeta.reopen(), options())) {
            stage[0] = "read";
            ChecksumException refused = readAffected(pool, flip, map, what);
            if (refused != null) {
                throw refused;
            }
            stage[0] = "metadata walk";
            pool.accept(new MetadataVisitor() { }, false, null);
            if (map.heldRoot != 0) {
                stage[0] = "metadata snapshot walk";
                pool.accept(new MetadataVisitor() { }, true, null);
            }
            if (flip.kind() != null) {
                failures.add(what + ": not detected");
            }
        } catch (ChecksumException e) {
            if (flip.kind() == null) {
                failures.add(what + ": a flip in a free block was refused: " + e.getMessage());
            } else if (e.blockNr() != flip.block() || e.blockType() != flip.kind().type()
                    || !e.getMessage().contains(" " + flip.block()) || !e.getMessage().contains(e.blockType().displayName())) {
                failures.add(what + ": detected but misattributed: " + e.getMessage());
            } else {
                tally.detected.incrementAndGet();
                tally.atStage.computeIfAbsent(stage[0], k -> new AtomicLong()).incrementAndGet();
            }
        } catch (CorruptMetadataException e) {
            failures.add(what + ": refused, but not by a checksum: " + e);
        } catch (RuntimeException e) {
            failures.add(what + ": unexpected " + e);
        } finally {
            if (myMeta.writeCount() != metaWrites || myData.writeCount() != dataWrites) {
                failures.add(what + ": the probe wrote " + (myMeta.writeCount() - metaWrites) + " metadata and "
                        + (myData.writeCount() - dataWrites) + " data writes");
            }
            flipBit(myMeta.reopen(), flip.block(), flip.bit());
            myData.reopen();
        }
    }

    /**
     * Reads a sample of blocks of two devices, then every virtual block below a damaged bottom-level
     * node on (up to four of) the devices reaching it. Each read returns the right bytes or is
     * refused with a ChecksumException; returns the first refusal (null if none).
     */
    private ChecksumException readAffected(ThinPool pool, Flip flip, MetadataBlockMap map, String what) {
        Map<Long, List<Long>> reads = new java.util.LinkedHashMap<>();
        reads.put(2L, new ArrayList<>(model.get(2L).keySet()));
        reads.put(1001L, List.of(0L, 40L, 599L));
        if (flip.kind() != null && map.reachedBy.containsKey(flip.block())) {
            List<Long> devs = new ArrayList<>(map.reachedBy.get(flip.block()));
            if (devs.size() > 4) { // 301 devices share device 1's tree: read through the first three and the last
                devs = List.of(devs.get(0), devs.get(1), devs.get(2), devs.get(devs.size() - 1));
            }
            for (long dev : devs) {
                List<Long> below = map.vblocksBelow.getOrDefault(flip.block(), List.of());
                if (below.size() > 16) { // a spread of them: every one goes through the damaged node
                    List<Long> some = new ArrayList<>();
                    for (int k = 0; k < 16; k++) {
                        some.add(below.get(k * (below.size() - 1) / 15));
                    }
                    below = some;
                }
                reads.put(dev, below);
            }
        }
        ChecksumException first = null;
        byte[] got = new byte[STAMP];
        for (var e : reads.entrySet()) {
            Map<Long, byte[]> expected = model.get(e.getKey());
            ThinVolume v;
            try {
                v = pool.openVolume(e.getKey(), VOLUME_BLOCKS * BLOCK);
            } catch (ChecksumException refused) {
                first = first == null ? refused : first;
                continue;
            }
            try (v) {
                for (long vb : e.getValue()) {
                    try {
                        v.read(vb * BLOCK, ByteBuffer.wrap(got));
                    } catch (ChecksumException refused) {
                        refusedReads.incrementAndGet();
                        first = first == null ? refused : first;
                        continue;
                    }
                    byte[] want = expected.get(vb);
                    if (want != null && Arrays.equals(got, want)) {
                        readsOk.incrementAndGet();
                    } else {
                        wrongReads.incrementAndGet();
                        failures.add(what + ": device " + e.getKey() + " block " + vb + " read wrong bytes");
                    }
                }
            }
        }
        return first;
    }

    /** thin_check on a few images: one flip of each kind must fail it, flips in free blocks must not. */
    private int thinCheckAgrees(List<Flip> flips, List<Long> unused) throws Exception {
        Map<String, Flip> onePerKind = new TreeMap<>();
        List<Flip> free = new ArrayList<>();
        for (Flip f : flips) {
            if (f.kind() == null) {
                if (free.size() < 5) {
                    free.add(f);
                }
            } else {
                onePerKind.putIfAbsent(f.kind().name(), f);
            }
        }
        int runs = 0;
        List<Flip> all = new ArrayList<>(onePerKind.values());
        all.addAll(free);
        for (Flip f : all) {
            MemoryBlockDevice copy = meta.copy();
            flipBit(copy, f.block(), f.bit());
            Path file = dir.resolve("flip-" + runs + ".meta");
            Files.write(file, ThinCheckPool.image(copy));
            ThinTools.Result r = ThinTools.run("thin_check", file.toString());
            boolean isFree = f.kind() == null;
            // thin_check 0.9.0 does not read the metadata snapshot's superblock copy unless asked (-m).
            if (!isFree && MetadataBlockMap.HELD_SUPERBLOCK.equals(f.kind())) {
                r = ThinTools.run("thin_check", "-m", file.toString());
            }
            if (isFree != (r.exitCode() == 0)) {
                failures.add("thin_check exited " + r.exitCode() + " on a flip in " + (isFree ? "free block " : f.kind()
                        + " ") + f.block() + ": " + r.stderr());
            }
            runs++;
        }
        return runs;
    }
}
