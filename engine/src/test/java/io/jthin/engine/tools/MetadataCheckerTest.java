package io.jthin.engine.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jthin.btree.BlockType;
import io.jthin.engine.PoolOptions;
import io.jthin.engine.ThinPool;
import io.jthin.engine.ThinVolume;
import io.jthin.loopfile.SparseFile;
import io.jthin.snapshot.PoolMetadata;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * MetadataChecker on clean metadata (the engine's, thin_restore's) and on hand-made corruptions:
 * each one must be named. Where 0.9.0 thin_check misses a corruption (dm-thin-format §9), the test
 * shows it, since that is why our checker exists.
 */
class MetadataCheckerTest {
    private static final long BLOCK = 64 * 1024;
    private static final long DATA_BLOCKS = 1024;

    @TempDir
    static Path shared;

    @TempDir
    Path tmp;

    /** A pool with four devices sharing data (counts of 4: the overflow tree is used), a discard and a later write. */
    static Path template;

    @BeforeAll
    static void buildTemplate() {
        template = shared.resolve("template.meta");
        try (ThinPool pool = ThinPool.create(SparseFile.create(shared.resolve("data"), DATA_BLOCKS * BLOCK),
                SparseFile.create(template, 16L << 20), PoolOptions.defaults().withCommitInterval(Duration.ZERO))) {
            pool.createThin(1);
            try (ThinVolume v = pool.openVolume(1, 8L << 20)) {
                for (int b = 0; b < 10; b++) {
                    v.write(b * BLOCK, filled(BLOCK, b + 1));
                }
            }
            for (long snap = 2; snap <= 4; snap++) {
                pool.createSnap(snap, 1);
                try (ThinVolume v = pool.openVolume(snap, 8L << 20)) {
                    v.write(9 * BLOCK, filled(4096, (int) snap * 10));
                }
            }
            try (ThinVolume v = pool.openVolume(1, 8L << 20)) {
                v.write(20 * BLOCK, filled(BLOCK, 99));
                v.discard(5 * BLOCK, BLOCK);
            }
            pool.commit();
        }
    }

    private static ByteBuffer filled(long n, int value) {
        byte[] b = new byte[(int) n];
        Arrays.fill(b, (byte) value);
        return ByteBuffer.wrap(b);
    }

    private static CheckReport check(Path meta) {
        try (SparseFile f = SparseFile.openReadOnly(meta)) {
            return MetadataChecker.check(f, MetadataChecker.Options.full());
        }
    }

    private static String text(CheckReport r) {
        return r.problems().stream().map(Object::toString).collect(Collectors.joining("\n")) + "\n" + r.summary();
    }

    private static void assertClean(Path meta, int warnings) {
        CheckReport r = check(meta);
        assertTrue(r.clean(), () -> text(r));
        assertEquals(warnings, r.warnings(), () -> text(r));
        assertTrue(r.countsChecked(), () -> text(r));
        ThinTools.run("thin_check", List.of(meta.toString())).assertSuccess("thin_check " + meta);
    }

    /** A copy of the template with {@code corruption} applied; the checker must name it. */
    private Path corrupt(String name, Corruption corruption) throws IOException {
        Path meta = tmp.resolve(name + ".meta");
        Files.copy(template, meta);
        corruption.apply(meta);
        return meta;
    }

    @FunctionalInterface
    interface Corruption {
        void apply(Path meta) throws IOException;
    }

    private static void assertFound(Path meta, String... phrases) {
        CheckReport r = check(meta);
        assertFalse(r.clean(), () -> "not detected:\n" + text(r));
        String all = text(r);
        for (String p : phrases) {
            assertTrue(all.contains(p), () -> "expected '" + p + "' in:\n" + all);
        }
    }

    private static int thinCheck(Path meta) {
        return ThinTools.run("thin_check", List.of("-q", meta.toString())).exitCode();
    }

    /** Opens the metadata with the engine, lets {@code change} break an invariant, commits. */
    private static void viaEngine(Path meta, Consumer<PoolMetadata> change) {
        try (PoolMetadata md = PoolMetadata.open(SparseFile.open(meta), 1 << 20, true)) {
            change.accept(md);
            md.commit();
        }
    }

    private static long superblockLong(Path meta, int offset) throws IOException {
        return BlockPatcher.read(meta, 0).getLong(offset);
    }

    /** The bottom-tree root (a leaf here) of device {@code devId}. */
    private static long deviceLeaf(Path meta, long devId) throws IOException {
        ByteBuffer top = BlockPatcher.read(meta, superblockLong(meta, BlockPatcher.SB_DATA_MAPPING_ROOT));
        for (int i = 0; i < top.getInt(BlockPatcher.NODE_NR_ENTRIES); i++) {
            if (top.getLong(BlockPatcher.NODE_KEYS + 8 * i) == devId) {
                return top.getLong(BlockPatcher.valueOffset(top, i, 8));
            }
        }
        throw new AssertionError("device " + devId + " not in the top-level leaf");
    }

    // ---- clean metadata --------------------------------------------------------------------------

    @Test
    void engineOutputIsClean() {
        ThinTools.requireVersion090();
        assertClean(template, 0);
        CheckReport r = check(template);
        assertEquals(4, r.devices());
        assertEquals(10 + 10 + 10 + 10, r.mappings(), "device 1 lost block 5 and gained 20; the snapshots 10 each");
    }

    /**
     * Three-level mapping trees, one shared by a snapshot that then diverged: the walk reads each
     * node into a buffer it reuses once the node is done, so a parent that read its children's
     * pointers from a reused buffer, or a leaf callback handed another node's keys, would show here
     * as wrong counts or structure errors on sound metadata.
     */
    @Test
    void deepSharedTreesAreWalkedWithReusedBuffers() throws IOException {
        ThinTools.requireVersion090();
        Path meta = tmp.resolve("deep.meta");
        long mapped = 40_000; // > 126 × 252 entries: a leaf level, two internal levels
        java.util.Set<Long> keys = new java.util.HashSet<>();
        long added = 0;
        try (PoolMetadata md = PoolMetadata.format(SparseFile.create(meta, 64L << 20), 128, 100_000, 4 << 20)) {
            md.createThin(1);
            java.util.SplittableRandom rnd = new java.util.SplittableRandom(11);
            for (long i = 0; i < mapped; i++) {
                long v = i * 3 + rnd.nextInt(3);
                keys.add(v);
                md.insert(1, v, md.allocateDataBlock());
            }
            md.createSnap(2, 1);
            for (long v = 0; v < 600 * 50; v += 50) {
                md.insert(2, v, md.allocateDataBlock()); // a remap or a new mapping: sharing broken along its path
                added += keys.contains(v) ? 0 : 1;
            }
            md.commit();
        }
        assertClean(meta, 0);
        CheckReport r = check(meta);
        assertEquals(2, r.devices());
        assertEquals(2 * mapped + added, r.mappings(), () -> text(r));

        Path broken = tmp.resolve("deep-broken.meta");
        Files.copy(meta, broken);
        long leaf = lastLeaf(broken, deviceLeaf(broken, 1));
        BlockPatcher.patch(broken, leaf, BlockType.BTREE_NODE, b -> b.putInt(BlockPatcher.NODE_NR_ENTRIES, 1));
        assertFound(broken, "mapping tree node " + leaf + ": too few entries"); // shared: either device names it
    }

    /** The rightmost leaf under node {@code nr}. */
    private static long lastLeaf(Path meta, long nr) throws IOException {
        while (true) {
            ByteBuffer b = BlockPatcher.read(meta, nr);
            int n = b.getInt(BlockPatcher.NODE_NR_ENTRIES);
            if (b.getInt(BlockPatcher.NODE_FLAGS) == 2) { // LEAF_NODE
                return nr;
            }
            nr = b.getLong(BlockPatcher.valueOffset(b, n - 1, 8));
        }
    }

    @Test
    void metadataSnapshotIsCountedAndClean() throws IOException {
        Path meta = tmp.resolve("held.meta");
        Files.copy(template, meta);
        viaEngine(meta, PoolMetadata::reserveMetadataSnap);
        viaEngine(meta, md -> md.delete(3));
        assertClean(meta, 0);
    }

    @Test
    void thinRestoreOutputIsCleanWithItsKnownQuirkAsWarnings() {
        Path fixture = Fixtures.file("tpt-small.meta");
        CheckReport r = check(fixture);
        assertTrue(r.clean(), () -> text(r));
        assertEquals(2, r.warnings(), () -> text(r));
        assertTrue(text(r).contains("nr_allocated is 12 but 11 blocks are in use"), () -> text(r));
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2, 3, 4})
    void restoredGeneratedPoolsAreClean(long seed) throws IOException {
        GeneratedPool pool = GeneratedPool.generate(seed, 6000);
        Path ours = tmp.resolve("ours.meta");
        try (SparseFile f = SparseFile.create(ours, 32L << 20)) {
            MetadataRestorer.restore(new java.io.ByteArrayInputStream(pool.xml().getBytes()), "gen", f, 8L << 20);
        }
        assertClean(ours, 0);
        assertTrue(check(ThinTools.restore(pool.xml(), tmp, "theirs" + seed)).clean());
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {11, 12, 13})
    void randomEngineWorkloadsStayClean(long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        Path meta = tmp.resolve("random.meta");
        Path data = tmp.resolve("rdata");
        PoolOptions options = PoolOptions.defaults().withCommitInterval(Duration.ZERO).withErrorIfNoSpace(true);
        long[] next = {1};
        for (int round = 0; round < 5; round++) {
            try (ThinPool pool = round == 0
                    ? ThinPool.create(SparseFile.create(data, 512 * BLOCK), SparseFile.create(meta, 8L << 20), options)
                    : ThinPool.open(SparseFile.open(data), SparseFile.open(meta), options)) {
                if (round == 0) {
                    pool.createThin(0);
                }
                for (int step = 0; step < 60; step++) {
                    randomStep(pool, rnd, next, step);
                }
                if (round == 2) {
                    pool.reserveMetadataSnap();
                }
            }
            assertClean(meta, 0);
        }
    }

    private static void randomStep(ThinPool pool, SplittableRandom rnd, long[] next, int step) {
        List<Long> ids = pool.deviceIds();
        long id = ids.get(rnd.nextInt(ids.size()));
        int op = rnd.nextInt(10);
        if (op < 6) {
            try (ThinVolume v = pool.openVolume(id, 64 * BLOCK)) {
                long b = rnd.nextInt(64);
                int n = (int) Math.min(1 + rnd.nextInt(70_000), 64 * BLOCK - b * BLOCK - 1000);
                v.write(b * BLOCK + rnd.nextInt(1000), filled(n, step));
            } catch (io.jthin.allocator.OutOfDataSpaceException full) {
                // a full pool refuses the write cleanly
            }
        } else if (op < 8 && ids.size() < 12) {
            pool.createSnap(next[0]++, id);
        } else if (op == 8) {
            try (ThinVolume v = pool.openVolume(id, 64 * BLOCK)) {
                long b = rnd.nextInt(32);
                v.discard(b * BLOCK, rnd.nextInt(20) * BLOCK);
            }
        } else if (ids.size() > 1) {
            pool.delete(id);
        }
    }

    // ---- corruptions ---------------------------------------------------------------------------------

    @Test
    void dataCountTooHighIsALeakThatThinCheckMisses() throws IOException {
        Path meta = corrupt("data-leak", m -> viaEngine(m, md -> {
            md.dataSpaceMap().inc(500);
            md.dataSpaceMap().inc(md.lookup(1, 20).dataBlock());
        }));
        assertFound(meta, "data block 500: reference count is 1, expected 0 (leaked)", "(leaked)");
        assertEquals(0, thinCheck(meta), "0.9.0 thin_check does not compare data counts (§9)");
    }

    /**
     * Whole bitmap words of count 1 (64 blocks written in a row) are compared a word at a time: a
     * second reference to one of those blocks, which the space map does not count, must still be named.
     */
    @Test
    void aMissingReferenceAmongFullWordsOfOnesIsNamed() throws IOException {
        Path meta = tmp.resolve("ones.meta");
        try (ThinPool pool = ThinPool.create(SparseFile.create(tmp.resolve("ones.data"), 128L * BLOCK),
                SparseFile.create(meta, 16L << 20), PoolOptions.defaults().withCommitInterval(Duration.ZERO))) {
            pool.createThin(1);
            try (ThinVolume v = pool.openVolume(1, 256L * BLOCK)) {
                v.write(0, filled(64L * BLOCK, 7));
            }
            pool.commit();
        }
        CheckReport clean = check(meta);
        assertTrue(clean.clean() && clean.countsChecked(), () -> text(clean));
        long[] block = new long[1];
        viaEngine(meta, md -> {
            block[0] = md.lookup(1, 37).dataBlock();
            md.insert(1, 200, block[0]); // a second mapping to it; its count stays 1
        });
        assertFound(meta, "data block " + block[0] + ": reference count is 1, expected 2 (references missing");
    }

    @Test
    void dataCountTooLowIsNamed() throws IOException {
        long[] block = new long[1];
        Path meta = corrupt("data-low", m -> viaEngine(m, md -> {
            block[0] = md.lookup(1, 20).dataBlock();
            md.dataSpaceMap().dec(block[0]);
        }));
        assertFound(meta, "data block " + block[0] + ": reference count is 0, expected 1 (references missing");
    }

    @Test
    void sharedDataCountsOfFourLiveInTheOverflowTree() throws IOException {
        Path meta = corrupt("overflow", m -> viaEngine(m, md -> md.dataSpaceMap().dec(md.lookup(2, 0).dataBlock())));
        assertFound(meta, "reference count is 3, expected 4");
    }

    @Test
    void metadataCountLeakIsNamed() throws IOException {
        long root = superblockLong(template, BlockPatcher.SB_DEVICE_DETAILS_ROOT);
        Path meta = corrupt("meta-leak", m -> viaEngine(m, md -> md.transactionManager().inc(root)));
        assertFound(meta, "metadata block " + root + ": reference count is 2, expected 1 (leaked)");
        assertEquals(1, thinCheck(meta));
    }

    @Test
    void wrongMappedBlocksIsNamed() throws IOException {
        Path meta = corrupt("mapped", m -> BlockPatcher.patch(m, superblockLong(m, BlockPatcher.SB_DEVICE_DETAILS_ROOT),
                BlockType.BTREE_NODE, b -> b.putLong(BlockPatcher.valueOffset(b, 0, 24), 77)));
        assertFound(meta, "device 1: mapped_blocks is 77 but its mapping tree holds 10 mappings");
    }

    @Test
    void mappingPastTheDataDeviceIsNamed() throws IOException {
        Path meta = corrupt("bounds", m -> BlockPatcher.patch(m, deviceLeaf(m, 1), BlockType.BTREE_NODE,
                b -> b.putLong(BlockPatcher.valueOffset(b, 0, 8), (DATA_BLOCKS + 5) << 24)));
        assertFound(meta, "maps to data block " + (DATA_BLOCKS + 5) + ", past the end of the data device (1024 blocks)");
    }

    @Test
    void superblockFieldsAreChecked() throws IOException {
        assertFound(corrupt("time", m -> BlockPatcher.patch(m, 0, BlockType.SUPERBLOCK,
                b -> b.putInt(BlockPatcher.SB_TIME, 1 << 24))), "time 16777216 does not fit");
        Path magic = corrupt("magic", m -> BlockPatcher.patch(m, 0, BlockType.SUPERBLOCK,
                b -> b.putLong(BlockPatcher.SB_MAGIC, 12345)));
        assertFound(magic, "bad magic 12345");
        assertEquals(0, thinCheck(magic), "0.9.0 thin_check ignores the magic (§2)");
        assertFound(corrupt("version", m -> BlockPatcher.patch(m, 0, BlockType.SUPERBLOCK,
                b -> b.putInt(BlockPatcher.SB_VERSION, 3))), "unknown metadata version 3");
        assertFound(corrupt("zero", m -> BlockPatcher.patch(m, 0, null, b -> b.put(new byte[4096]).clear())),
                "all zeros");
        assertFound(corrupt("checksum", m -> BlockPatcher.patch(m, 0, null, b -> b.put(100, (byte) 0x5a))),
                "bad checksum in superblock");
    }

    @Test
    void spaceMapFiguresAreChecked() throws IOException {
        assertFound(corrupt("nr-allocated", m -> BlockPatcher.patch(m, 0, BlockType.SUPERBLOCK,
                b -> b.putLong(BlockPatcher.SB_DATA_SM_ROOT + BlockPatcher.SMR_NR_ALLOCATED, 3))),
                "data space map: nr_allocated is 3 but");
        Path nrFree = corrupt("nr-free", m -> {
            long index = superblockLong(m, BlockPatcher.SB_DATA_SM_ROOT + BlockPatcher.SMR_BITMAP_ROOT);
            BlockPatcher.patch(m, index, BlockType.BTREE_NODE, b -> b.putInt(BlockPatcher.valueOffset(b, 0, 16) + 8, 0));
        });
        assertFound(nrFree, "data space map index entry 0: nr_free is 0 but the bitmap has");
    }

    @Test
    void treeStructureIsChecked() throws IOException {
        Path checksum = corrupt("leaf-checksum", m -> BlockPatcher.patch(m, deviceLeaf(m, 1), null,
                b -> b.put(200, (byte) (b.get(200) ^ 1))));
        assertFound(checksum, "bad checksum in btree node");
        assertEquals(1, thinCheck(checksum));
        Path order = corrupt("order", m -> BlockPatcher.patch(m, deviceLeaf(m, 1), BlockType.BTREE_NODE, b -> {
            long k0 = b.getLong(BlockPatcher.NODE_KEYS);
            b.putLong(BlockPatcher.NODE_KEYS, b.getLong(BlockPatcher.NODE_KEYS + 8));
            b.putLong(BlockPatcher.NODE_KEYS + 8, k0);
        }));
        assertFound(order, "keys are out of order");
        assertEquals(1, thinCheck(order));
    }

    @Test
    void devicesWithoutDetailsOrTreesAreNamed() throws IOException {
        Path meta = corrupt("ids", m -> BlockPatcher.patch(m, superblockLong(m, BlockPatcher.SB_DEVICE_DETAILS_ROOT),
                BlockType.BTREE_NODE, b -> b.putLong(BlockPatcher.NODE_KEYS + 8 * 3, 9)));
        assertFound(meta, "device 4 has a mapping tree but no device details",
                "device 9 has device details but no mapping tree");
    }

    @Test
    void optionsLimitTheWalk() throws IOException {
        Path meta = corrupt("leaf-only", m -> BlockPatcher.patch(m, deviceLeaf(m, 1), null, b -> b.put(200, (byte) 1)));
        try (SparseFile f = SparseFile.openReadOnly(meta)) {
            assertTrue(MetadataChecker.check(f, new MetadataChecker.Options(true, false, -1)).clean());
            CheckReport skip = MetadataChecker.check(f, new MetadataChecker.Options(false, true, -1));
            assertTrue(skip.clean() && !skip.countsChecked(), () -> text(skip));
            CheckReport small = MetadataChecker.check(f, new MetadataChecker.Options(false, false, 10 * BLOCK));
            assertTrue(text(small).contains("the data device holds 10 data blocks but the metadata records 1024"),
                    () -> text(small));
        }
    }
}
