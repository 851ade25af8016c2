package io.jthin.allocator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.jthin.btree.BTree;
import io.jthin.btree.ReadBlock;
import io.jthin.btree.ValueType;
import io.jthin.btree.WriteBlock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Metadata written from scratch by the B-tree and both space maps, under a minimal superblock,
 * must pass the real {@code thin_check} after many transactions: thin devices and snapshots
 * (shared bottom trees, so metadata counts ≥ 3 in the metadata overflow tree, and data counts
 * ≥ 3 once sharing breaks), mappings written, overwritten, discarded, devices deleted (freeing
 * data and metadata blocks that later transactions reuse), the data and metadata devices grown
 * across a bitmap boundary. After each commit the counts are also compared with a walk of the
 * trees (data counts strictly, as tools 1.x do), and {@code thin_dump}'s mappings with the model.
 */
class ThinCheckTest {
    @TempDir
    Path dir;

    private Harness h;
    private BTree<Long> top;
    private BTree<Long> topOwning;
    private BTree<Long> bottom;
    private BTree<long[]> details;
    /** Model: device → vblock → data block. */
    private final TreeMap<Integer, TreeMap<Long, Long>> model = new TreeMap<>();
    private final Map<Integer, long[]> detailsModel = new HashMap<>();

    /** Mapping value: (data block << 24) | time; inc/dec go to the data space map. */
    private ValueType<Long> blockTime() {
        return new ValueType<>() {
            @Override
            public int size() {
                return 8;
            }

            @Override
            public Long read(ReadBlock b, int offset) {
                return b.getLong(offset);
            }

            @Override
            public void write(WriteBlock b, int offset, Long value) {
                b.putLong(offset, value);
            }

            @Override
            public void inc(Long value) {
                h.dsm.inc(value >>> 24);
            }

            @Override
            public void dec(Long value) {
                h.dsm.dec(value >>> 24);
            }
        };
    }

    /** Top-level value: a bottom-tree root; dropping it deletes (dec's) the subtree. */
    private ValueType<Long> subtreeRoot() {
        return new ValueType<>() {
            @Override
            public int size() {
                return 8;
            }

            @Override
            public Long read(ReadBlock b, int offset) {
                return b.getLong(offset);
            }

            @Override
            public void write(WriteBlock b, int offset, Long value) {
                b.putLong(offset, value);
            }

            @Override
            public void inc(Long value) {
                h.tm.inc(value);
            }

            @Override
            public void dec(Long value) {
                bottom.delete(value);
            }
        };
    }

    /** Device details, 24 bytes: mapped_blocks u64, transaction_id u64, creation_time u32, snapshotted_time u32. */
    private static final ValueType<long[]> DETAILS = new ValueType<>() {
        @Override
        public int size() {
            return 24;
        }

        @Override
        public long[] read(ReadBlock b, int offset) {
            return new long[] {b.getLong(offset), b.getLong(offset + 8), b.getUnsignedInt(offset + 16),
                    b.getUnsignedInt(offset + 20)};
        }

        @Override
        public void write(WriteBlock b, int offset, long[] v) {
            b.putLong(offset, v[0]);
            b.putLong(offset + 8, v[1]);
            b.putInt(offset + 16, (int) v[2]);
            b.putInt(offset + 20, (int) v[3]);
        }

        @Override
        public boolean equal(long[] a, long[] b) {
            return java.util.Arrays.equals(a, b);
        }
    };

    private void trees() {
        top = new BTree<>(h.tm, ValueType.u64());
        topOwning = new BTree<>(h.tm, subtreeRoot());
        bottom = new BTree<>(h.tm, blockTime());
        details = new BTree<>(h.tm, DETAILS);
    }

    @Test
    void manyTransactionsOfDevicesSnapshotsAndDeletesPassThinCheck() throws Exception {
        h = Harness.format(4096, 20_000);
        trees();
        h.mappingRoot = top.createEmpty();
        h.detailsRoot = details.createEmpty();
        commitAndCheck(0, true);
        ThinTools.assertCheckPasses(save("fresh"), "freshly formatted");

        SplittableRandom rnd = new SplittableRandom(42);
        int nextDev = 0;
        for (int txn = 1; txn <= 60; txn++) {
            int actions = 1 + rnd.nextInt(4);
            for (int a = 0; a < actions; a++) {
                int r = rnd.nextInt(100);
                if (model.isEmpty() || r < 12 && model.size() < 10) {
                    createThin(nextDev++);
                } else if (r < 25 && model.size() < 10) {
                    createSnap(nextDev++, anyDevice(rnd));
                } else if (r < 32 && model.size() > 2) {
                    deleteDevice(anyDevice(rnd));
                } else if (r < 45) {
                    discard(anyDevice(rnd), rnd);
                } else {
                    writes(anyDevice(rnd), rnd, 20 + rnd.nextInt(200));
                }
            }
            if (txn == 25) {
                h.dsm.extend(20_000); // 40000 data blocks: a third bitmap
            }
            if (txn == 40) {
                h.extendMetadata(20_000 - 4096); // past 16320: a second metadata bitmap
            }
            commitAndCheck(txn, txn % 5 == 0);
        }
        assertTrue(h.msm.nrBitmaps() == 2 && h.dsm.nrBitmaps() == 3);
        // a cold reopen sees the same counts, and one more transaction on top still checks
        h = h.reopen();
        trees();
        writes(anyDevice(rnd), rnd, 300);
        commitAndCheck(61, true);
    }

    @Test
    void metadataCountsAboveTwoLiveInTheMetadataOverflowTree() throws Exception {
        h = Harness.format(4096, 1000);
        trees();
        h.mappingRoot = top.createEmpty();
        h.detailsRoot = details.createEmpty();
        createThin(0);
        writes(0, new SplittableRandom(1), 50);
        commitAndCheck(1, true);
        for (int s = 1; s <= 4; s++) {
            createSnap(s, 0);
        }
        long sharedRoot = top.lookup(h.mappingRoot, 0);
        assertEquals(5, h.msm.refCount(sharedRoot));
        commitAndCheck(2, true);
        BTree<Integer> overflow = new BTree<>(h.tm, ValueType.u32());
        assertEquals(5, overflow.lookup(h.msm.root().refCountRoot(), sharedRoot));
        // writing to the origin breaks sharing: its leaf is copied, the data blocks gain a reference
        // (counts are per distinct leaf: 2); a write to a snapshot copies the shared leaf again (3)
        long firstData = model.get(0).firstEntry().getValue();
        writes(0, new SplittableRandom(2), 5);
        commitAndCheck(3, true);
        assertEquals(4, overflow.lookup(h.msm.root().refCountRoot(), sharedRoot));
        writes(1, new SplittableRandom(3), 5);
        commitAndCheck(4, true);
        assertEquals(3, overflow.lookup(h.msm.root().refCountRoot(), sharedRoot));
        if (model.get(0).containsValue(firstData) && model.get(1).containsValue(firstData)) {
            assertEquals(3, h.dsm.refCount(firstData));
        }
        assertTrue(overflow.count(h.dsm.root().refCountRoot()) > 0, "data counts of 3 in the data overflow tree");
        for (int s = 1; s <= 4; s++) {
            deleteDevice(s);
        }
        commitAndCheck(5, true);
        assertEquals(0, overflow.count(h.msm.root().refCountRoot()));
        assertEquals(0, overflow.count(h.dsm.root().refCountRoot()));
    }

    private int anyDevice(SplittableRandom rnd) {
        List<Integer> ids = new ArrayList<>(model.keySet());
        return ids.get(rnd.nextInt(ids.size()));
    }

    private void createThin(int dev) {
        long root = bottom.createEmpty();
        h.mappingRoot = top.insert(h.mappingRoot, dev, root).root();
        model.put(dev, new TreeMap<>());
        detailsModel.put(dev, new long[] {0, h.transId, h.time, h.time});
        h.detailsRoot = details.insert(h.detailsRoot, dev, detailsModel.get(dev)).root();
    }

    private void createSnap(int dev, int origin) {
        long root = top.lookup(h.mappingRoot, origin);
        bottom.share(root);
        h.mappingRoot = top.insert(h.mappingRoot, dev, root).root();
        h.time++;
        model.put(dev, new TreeMap<>(model.get(origin)));
        detailsModel.put(dev, new long[] {model.get(origin).size(), h.transId, h.time, h.time});
        detailsModel.get(origin)[3] = h.time;
        h.detailsRoot = details.insert(h.detailsRoot, dev, detailsModel.get(dev)).root();
        h.detailsRoot = details.insert(h.detailsRoot, origin, detailsModel.get(origin).clone()).root();
    }

    private void deleteDevice(int dev) {
        BTree.Remove<Long> r = topOwning.remove(h.mappingRoot, dev);
        assertNotNull(r.removed());
        h.mappingRoot = r.root();
        h.detailsRoot = details.remove(h.detailsRoot, dev).root();
        model.remove(dev);
        detailsModel.remove(dev);
    }

    private void writes(int dev, SplittableRandom rnd, int n) {
        long root = top.lookup(h.mappingRoot, dev);
        TreeMap<Long, Long> m = model.get(dev);
        for (int i = 0; i < n; i++) {
            if (h.dsm.nrFree() == 0) {
                break;
            }
            long vblock = rnd.nextInt(3) == 0 ? rnd.nextLong(100_000) : rnd.nextLong(2_000);
            long d = h.dsm.newBlock();
            root = bottom.insert(root, vblock, (d << 24) | h.time).root();
            m.put(vblock, d);
        }
        h.mappingRoot = top.insert(h.mappingRoot, dev, root).root();
    }

    private void discard(int dev, SplittableRandom rnd) {
        long root = top.lookup(h.mappingRoot, dev);
        long begin = rnd.nextLong(2_000);
        long end = begin + 1 + rnd.nextInt(300);
        while (true) {
            BTree.Entry<Long> next = bottom.lookupGe(root, begin);
            if (next == null || next.key() >= end) {
                break;
            }
            BTree.RemoveRange rr = bottom.removeRange(root, begin, end);
            assertTrue(rr.removed() > 0, "removeRange made progress");
            root = rr.root();
        }
        model.get(dev).subMap(begin, end).clear();
        h.mappingRoot = top.insert(h.mappingRoot, dev, root).root();
    }

    private Path save(String name) {
        Path p = dir.resolve(name + ".meta");
        h.device.saveTo(p);
        return p;
    }

    private void commitAndCheck(int txn, boolean runThinCheck) throws Exception {
        // mapped_blocks is exact (tools 1.x check it); written into the details tree at commit like the kernel
        for (Map.Entry<Integer, long[]> e : detailsModel.entrySet()) {
            long mapped = model.get(e.getKey()).size();
            if (e.getValue()[0] != mapped) {
                e.getValue()[0] = mapped;
                h.detailsRoot = details.insert(h.detailsRoot, e.getKey(), e.getValue().clone()).root();
            }
        }
        h.transId++;
        MinimalSuperblock sb = h.commit();
        MetadataRefs refs = MetadataRefs.of(h.tm, sb);
        for (int b = 0; b < refs.metadata.length; b++) {
            if (refs.metadata[b] != h.msm.refCount(b)) {
                fail("txn " + txn + ": metadata block " + b + ": walk says " + refs.metadata[b] + ", space map "
                        + h.msm.refCount(b));
            }
        }
        long[] wantData = new long[(int) h.dsm.nrBlocks()];
        Map<Long, Integer> byBlock = new HashMap<>();
        for (TreeMap<Long, Long> m : model.values()) {
            for (long d : m.values()) {
                byBlock.merge(d, 1, Integer::sum);
            }
        }
        for (int d = 0; d < wantData.length; d++) {
            if (refs.data[d] != h.dsm.refCount(d)) {
                fail("txn " + txn + ": data block " + d + ": the trees reference it " + refs.data[d]
                        + " times, the data space map says " + h.dsm.refCount(d));
            }
            if ((refs.data[d] > 0) != byBlock.containsKey((long) d)) {
                fail("txn " + txn + ": data block " + d + " mapped in the trees: " + refs.data[d] + ", in the model: "
                        + byBlock.get((long) d));
            }
        }
        if (runThinCheck) {
            Path p = save("txn" + txn);
            ThinTools.assertCheckPasses(p, "after transaction " + txn);
            compareDump(p, txn);
        }
    }

    private void compareDump(Path meta, int txn) throws Exception {
        ThinTools.Result r = ThinTools.run("thin_dump", meta.toString());
        assertEquals(0, r.exitCode(), r::describe);
        Map<Integer, TreeMap<Long, Long>> dumped = new TreeMap<>();
        Matcher dev = Pattern.compile("<device dev_id=\"(\\d+)\" mapped_blocks=\"(\\d+)\"").matcher(r.stdout());
        Pattern mapping = Pattern.compile(
                "<(range|single)_mapping origin_(?:begin|block)=\"(\\d+)\" data_(?:begin|block)=\"(\\d+)\"(?: length=\"(\\d+)\")?");
        String[] parts = r.stdout().split("<device ");
        for (int i = 1; i < parts.length; i++) {
            String part = "<device " + parts[i];
            assertTrue(dev.reset(part).find());
            int id = Integer.parseInt(dev.group(1));
            TreeMap<Long, Long> m = new TreeMap<>();
            Matcher mm = mapping.matcher(part);
            while (mm.find()) {
                long o = Long.parseLong(mm.group(2));
                long d = Long.parseLong(mm.group(3));
                long len = mm.group(4) == null ? 1 : Long.parseLong(mm.group(4));
                for (long k = 0; k < len; k++) {
                    m.put(o + k, d + k);
                }
            }
            assertEquals(m.size(), Long.parseLong(dev.group(2)), "txn " + txn + " device " + id + " mapped_blocks");
            dumped.put(id, m);
        }
        assertEquals(model, dumped, "txn " + txn + ": thin_dump's mappings vs the model");
        Files.deleteIfExists(meta);
    }
}
