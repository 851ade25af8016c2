package io.jthin.btree;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.jthin.loopfile.BlockDevice;
import java.io.File;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Golden vectors: metadata written by the real {@code thin_restore} (thin-provisioning-tools,
 * installed by scripts/test; this test fails when it is missing) must read back through our
 * BTree and TwoLevelBTree exactly as the XML says — every mapping (§4.4 block/time), every
 * device-details record — and the trees satisfy §4.8. Also: the shared fixture tpt-small.meta, and
 * leaves we write are byte-identical to the tools' leaves.
 */
class GoldenFormatTest {
    private static final long META_BYTES = 16L << 20;

    @TempDir
    Path dir;

    /** The 24-byte device-details value of §4.4. */
    static final ValueType<ThinXml.Details> DETAILS = new ValueType<>() {
        @Override
        public int size() {
            return 24;
        }

        @Override
        public ThinXml.Details read(ReadBlock b, int offset) {
            return new ThinXml.Details(b.getLong(offset), b.getLong(offset + 8), b.getInt(offset + 16), b.getInt(offset + 20));
        }

        @Override
        public void write(WriteBlock b, int offset, ThinXml.Details d) {
            b.putLong(offset, d.mappedBlocks());
            b.putLong(offset + 8, d.transactionId());
            b.putInt(offset + 16, d.creationTime());
            b.putInt(offset + 20, d.snapshottedTime());
        }
    };

    static Path fixtures() {
        String p = System.getProperty("jthin.fixtures");
        Path dir = p != null ? Path.of(p) : Path.of("../../shared/fixtures");
        assertTrue(Files.isDirectory(dir), "fixtures directory " + dir.toAbsolutePath() + " is missing");
        return dir;
    }

    static String thinRestore() {
        List<String> dirs = new ArrayList<>(List.of(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)));
        dirs.addAll(List.of("/usr/sbin", "/sbin", "/usr/local/sbin"));
        for (String d : dirs) {
            Path p = Path.of(d.isEmpty() ? "." : d, "thin_restore");
            if (Files.isExecutable(p)) {
                return p.toString();
            }
        }
        fail("thin_restore not found: install Debian's thin-provisioning-tools (scripts/test does so as root)");
        return null;
    }

    /** Runs thin_restore on {@code xml} into a fresh 16 MiB file; returns the file. */
    Path restore(Path xml) throws IOException, InterruptedException {
        Path meta = dir.resolve("meta");
        Files.deleteIfExists(meta);
        try (RandomAccessFile f = new RandomAccessFile(meta.toFile(), "rw")) {
            f.setLength(META_BYTES);
        }
        Process p = new ProcessBuilder(thinRestore(), "-i", xml.toString(), "-o", meta.toString())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "thin_restore did not finish");
        assertEquals(0, p.exitValue(), "thin_restore failed: " + out);
        return meta;
    }

    /** A TransactionManager over a copy of {@code meta} in memory (reads only). */
    static TransactionManager open(Path meta) throws IOException {
        byte[] bytes = Files.readAllBytes(meta);
        BlockDevice dev = TestMetadata.newDevice(bytes.length);
        dev.write(0, ByteBuffer.wrap(bytes));
        return new TransactionManager(new BlockManager(dev), new InMemorySpaceMap(bytes.length / MetadataBlock.SIZE));
    }

    /** Every device, detail and mapping of {@code expected} is in the metadata, and nothing else. */
    static void assertMetadataHolds(TransactionManager tm, ThinXml.Pool expected) {
        ReadBlock sb = tm.read(0, BlockType.SUPERBLOCK);
        long mappingRoot = sb.getLong(SuperblockOffsets.DATA_MAPPING_ROOT);
        long detailsRoot = sb.getLong(SuperblockOffsets.DEVICE_DETAILS_ROOT);
        TwoLevelBTree<Long> mappings = new TwoLevelBTree<>(tm, ValueType.u64());
        BTree<ThinXml.Details> details = new BTree<>(tm, DETAILS);
        TreeInvariants.check(mappings.top(), mappingRoot, "top-level mapping tree");
        TreeInvariants.check(details, detailsRoot, "device details tree");

        List<Long> topIds = new ArrayList<>();
        mappings.top().forEach(mappingRoot, 0, Long.MAX_VALUE, (id, sub) -> topIds.add(id));
        List<Long> detailIds = new ArrayList<>();
        details.forEach(detailsRoot, 0, Long.MAX_VALUE, (id, d) -> detailIds.add(id));
        assertEquals(new ArrayList<>(expected.devices().keySet()), topIds, "devices in the mapping tree");
        assertEquals(topIds, detailIds, "devices in the details tree");

        SplittableRandom rnd = new SplittableRandom(1);
        for (Map.Entry<Long, ThinXml.Device> e : expected.devices().entrySet()) {
            long id = e.getKey();
            TreeMap<Long, ThinXml.Mapping> m = e.getValue().mappings();
            assertEquals(e.getValue().details(), details.lookup(detailsRoot, id), "details of device " + id);
            long sub = mappings.top().lookup(mappingRoot, id);
            TreeInvariants.Shape shape = TreeInvariants.check(mappings.bottom(), sub, "device " + id);
            assertEquals(m.size(), shape.entries(), "mappings of device " + id);
            assertEquals(m.size(), mappings.bottom().count(sub));
            var it = m.entrySet().iterator();
            mappings.bottom().forEach(sub, 0, Long.MAX_VALUE, (vb, raw) -> {
                var x = it.next();
                assertEquals((long) x.getKey(), vb, "device " + id + " order");
                assertMapping(x.getValue(), raw, id, vb);
                return true;
            });
            for (Map.Entry<Long, ThinXml.Mapping> x : m.entrySet()) {
                Long raw = mappings.lookup(mappingRoot, id, x.getKey());
                assertNotNull(raw, "device " + id + " vblock " + x.getKey());
                assertMapping(x.getValue(), raw, id, x.getKey());
            }
            for (int i = 0; i < 200; i++) {
                long k = m.isEmpty() ? rnd.nextLong(1000) : rnd.nextLong(m.lastKey() + 2);
                assertEquals(m.containsKey(k), mappings.lookup(mappingRoot, id, k) != null, "presence of " + k);
                var ge = m.ceilingEntry(k);
                var tge = mappings.bottom().lookupGe(sub, k);
                assertEquals(ge == null ? null : ge.getKey(), tge == null ? null : tge.key(), "lookupGe " + k);
                var le = m.floorEntry(k);
                var tle = mappings.bottom().lookupLe(sub, k);
                assertEquals(le == null ? null : le.getKey(), tle == null ? null : tle.key(), "lookupLe " + k);
            }
        }
        assertNull(mappings.lookup(mappingRoot, expected.devices().lastKey() + 1, 0));
    }

    private static void assertMapping(ThinXml.Mapping expected, long raw, long dev, long vb) {
        assertEquals(expected.dataBlock(), raw >>> 24, "data block of " + dev + ":" + vb);
        assertEquals(expected.time(), (int) (raw & 0xFFFFFF), "time of " + dev + ":" + vb);
    }

    /** A pool with several devices, shared and unshared ranges, both mapping kinds, > 10,000 mappings. */
    static ThinXml.Pool generatedPool() {
        SplittableRandom rnd = new SplittableRandom(2024);
        long nrData = 1_000_000;
        TreeMap<Long, ThinXml.Device> devices = new TreeMap<>();
        // Device 0: runs and singles, sequentially allocated data with jumps.
        TreeMap<Long, ThinXml.Mapping> d0 = new TreeMap<>();
        long vb = 0;
        long data = 0;
        while (d0.size() < 7_000) {
            vb += rnd.nextInt(40);
            data += rnd.nextInt(3) == 0 ? rnd.nextInt(500) : 0;
            int len = rnd.nextBoolean() ? 1 : 2 + rnd.nextInt(250);
            int time = rnd.nextInt(4);
            for (int i = 0; i < len; i++) {
                d0.put(vb++, new ThinXml.Mapping(data++, time));
            }
            vb++;
            data++;
        }
        devices.put(0L, device(d0, 1, 0, 3));
        // Device 1: a snapshot of 0 (same data blocks) that rewrote part of it.
        TreeMap<Long, ThinXml.Mapping> d1 = new TreeMap<>(d0);
        for (int i = 0; i < 1_500; i++) {
            long k = rnd.nextLong(d0.lastKey() + 1000);
            d1.put(k, new ThinXml.Mapping(data++, 3));
        }
        d1.keySet().removeIf(k -> k % 97 == 5);
        devices.put(1L, device(d1, 2, 3, 3));
        // Device 7: scattered singles over a 32-bit virtual space, times up to 2^24 - 1.
        TreeMap<Long, ThinXml.Mapping> d7 = new TreeMap<>();
        while (d7.size() < 3_000) {
            d7.put(rnd.nextLong(1L << 32), new ThinXml.Mapping(rnd.nextLong(nrData), rnd.nextInt(1 << 24)));
        }
        d7.put(0xFFFF_FFFFL, new ThinXml.Mapping(nrData - 1, 0xFFFFFF));
        devices.put(7L, device(d7, 5, 2, 2));
        // Device 12: empty. Device 1000000: one leaf.
        devices.put(12L, device(new TreeMap<>(), 6, 4, 4));
        TreeMap<Long, ThinXml.Mapping> big = new TreeMap<>();
        for (long k = 0; k < 200; k++) {
            big.put(k * 3, new ThinXml.Mapping(900_000 + k, 4));
        }
        devices.put(1_000_000L, device(big, 7, 4, 4));
        return new ThinXml.Pool(5, 9, nrData, devices);
    }

    private static ThinXml.Device device(TreeMap<Long, ThinXml.Mapping> m, long trans, int ctime, int stime) {
        return new ThinXml.Device(new ThinXml.Details(m.size(), trans, ctime, stime), m);
    }

    @Test
    void whatThinRestoreWritesReadsBackExactly() throws Exception {
        ThinXml.Pool pool = generatedPool();
        assertTrue(pool.nrMappings() > 10_000);
        Path xml = dir.resolve("pool.xml");
        Files.writeString(xml, ThinXml.write(pool));
        String text = Files.readString(xml);
        assertTrue(text.contains("<range_mapping") && text.contains("<single_mapping"));
        assertEquals(pool.devices(), ThinXml.parse(xml).devices(), "the XML says what we meant");

        TransactionManager tm = open(restore(xml));
        assertMetadataHolds(tm, pool);
        ReadBlock sb = tm.read(0, BlockType.SUPERBLOCK);
        long sub0 = new TwoLevelBTree<>(tm, ValueType.u64()).top().lookup(sb.getLong(SuperblockOffsets.DATA_MAPPING_ROOT), 0L);
        assertTrue(TreeInvariants.check(new BTree<>(tm, ValueType.u64()), sub0, "device 0").height() >= 2,
                "device 0 has internal nodes");
    }

    @Test
    void theSharedFixtureReadsRight() throws Exception {
        Path dirPath = fixtures();
        ThinXml.Pool pool = ThinXml.parse(dirPath.resolve("tpt-small.xml"));
        assertEquals(2, pool.devices().size());
        assertEquals(33, pool.nrMappings());
        TransactionManager tm = open(dirPath.resolve("tpt-small.meta"));
        assertMetadataHolds(tm, pool);
        // §11.2: dev 0's leaf is block 10, dev 1's block 11; vblock 100 → data 20, time 1.
        ReadBlock sb = tm.read(0, BlockType.SUPERBLOCK);
        TwoLevelBTree<Long> t = new TwoLevelBTree<>(tm, ValueType.u64());
        long top = sb.getLong(SuperblockOffsets.DATA_MAPPING_ROOT);
        assertEquals(7, top);
        assertEquals(6, sb.getLong(SuperblockOffsets.DEVICE_DETAILS_ROOT));
        assertEquals(10L, t.top().lookup(top, 0));
        assertEquals(11L, t.top().lookup(top, 1));
        assertEquals(0x0000000014000001L, t.lookup(top, 0, 100));
    }

    private static byte[] bytesOf(ReadBlock b) {
        byte[] out = new byte[MetadataBlock.SIZE];
        b.getBytes(0, out, 0, out.length);
        return out;
    }

    /** Bytes 16..4095 and the flags: all but checksum and block number, which depend on placement. */
    private static void assertSameNode(byte[] theirs, byte[] ours, String what) {
        assertArrayEquals(java.util.Arrays.copyOfRange(theirs, 4, 8), java.util.Arrays.copyOfRange(ours, 4, 8), what + " flags");
        assertArrayEquals(java.util.Arrays.copyOfRange(theirs, 16, 4096), java.util.Arrays.copyOfRange(ours, 16, 4096), what);
    }

    @Test
    void leavesWeWriteAreByteIdenticalToTheTools() throws Exception {
        Path dirPath = fixtures();
        ThinXml.Pool pool = ThinXml.parse(dirPath.resolve("tpt-small.xml"));
        TransactionManager theirs = open(dirPath.resolve("tpt-small.meta"));

        TestMetadata md = new TestMetadata(64);
        BTree<Long> u64 = new BTree<>(md.tm, ValueType.u64());
        BTree<ThinXml.Details> details = new BTree<>(md.tm, DETAILS);
        long top = u64.createEmpty();
        long det = details.createEmpty();
        long[] leaves = new long[2];
        for (Map.Entry<Long, ThinXml.Device> e : pool.devices().entrySet()) {
            long r = u64.createEmpty();
            for (Map.Entry<Long, ThinXml.Mapping> m : e.getValue().mappings().entrySet()) {
                r = u64.insert(r, m.getKey(), (m.getValue().dataBlock() << 24) | m.getValue().time()).root();
            }
            leaves[Math.toIntExact(e.getKey())] = r;
            top = u64.insert(top, e.getKey(), 10 + e.getKey()).root();
            det = details.insert(det, e.getKey(), e.getValue().details()).root();
        }
        md.commit(top, det);
        assertSameNode(bytesOf(theirs.read(10, BlockType.BTREE_NODE)), bytesOf(md.tm.read(leaves[0], BlockType.BTREE_NODE)),
                "device 0 leaf");
        assertSameNode(bytesOf(theirs.read(11, BlockType.BTREE_NODE)), bytesOf(md.tm.read(leaves[1], BlockType.BTREE_NODE)),
                "device 1 leaf");
        assertSameNode(bytesOf(theirs.read(7, BlockType.BTREE_NODE)), bytesOf(md.tm.read(top, BlockType.BTREE_NODE)),
                "top-level leaf");
        assertSameNode(bytesOf(theirs.read(6, BlockType.BTREE_NODE)), bytesOf(md.tm.read(det, BlockType.BTREE_NODE)),
                "details leaf");
    }
}
