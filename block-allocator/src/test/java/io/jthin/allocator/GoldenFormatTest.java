package io.jthin.allocator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jthin.btree.BTree;
import io.jthin.btree.ValueType;
import io.jthin.btree.WriteBlock;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Golden vectors: the space maps of metadata written by the real {@code thin_restore} (0.9.0) decode
 * to the counts its XML implies (data) and to the reference counts of dm-thin-format §5.6 (metadata,
 * recomputed by walking the trees). Then a transaction of ours on top must still pass {@code thin_check}.
 */
class GoldenFormatTest {
    private static final long META_BYTES = 16L << 20;

    @TempDir
    Path dir;

    /** Data counts implied by an XML: thin_restore shares no nodes, so one reference per mapping. */
    static long[] dataCountsOf(String xml, long nrDataBlocks) {
        long[] counts = new long[Math.toIntExact(nrDataBlocks)];
        Matcher range = Pattern.compile("<range_mapping origin_begin=\"\\d+\" data_begin=\"(\\d+)\" length=\"(\\d+)\"").matcher(xml);
        while (range.find()) {
            long begin = Long.parseLong(range.group(1));
            long len = Long.parseLong(range.group(2));
            for (long d = begin; d < begin + len; d++) {
                counts[(int) d]++;
            }
        }
        Matcher single = Pattern.compile("<single_mapping origin_block=\"\\d+\" data_block=\"(\\d+)\"").matcher(xml);
        while (single.find()) {
            counts[Integer.parseInt(single.group(1))]++;
        }
        return counts;
    }

    /** Opens {@code meta}, checks both maps against the XML and the tree walk; returns the harness. */
    private Harness checkGolden(Path meta, String xml, long nrDataBlocks) {
        Harness h = Harness.open(RamDevice.load(meta));
        MinimalSuperblock sb = h.lastCommit;
        assertEquals(nrDataBlocks, h.dsm.nrBlocks());
        long[] want = dataCountsOf(xml, nrDataBlocks);
        long allocated = 0;
        for (int d = 0; d < want.length; d++) {
            assertEquals(want[d], h.dsm.refCount(d), "data block " + d + " of " + meta.getFileName());
            allocated += want[d] > 0 ? 1 : 0;
        }
        assertEquals(allocated, h.dsm.nrAllocated());
        assertEquals(allocated, sb.dataSm().nrAllocated(), "data nr_allocated on disk");
        MetadataRefs refs = MetadataRefs.of(h.tm, sb);
        long metaAllocated = 0;
        for (int b = 0; b < refs.metadata.length; b++) {
            assertEquals(refs.metadata[b], h.msm.refCount(b), "metadata block " + b + " of " + meta.getFileName());
            metaAllocated += refs.metadata[b] > 0 ? 1 : 0;
        }
        assertEquals(metaAllocated, h.msm.nrAllocated(), "metadata nr_allocated is recounted at open");
        for (int d = 0; d < want.length; d++) {
            assertEquals(want[d], refs.data[d], "tree walk vs XML, data block " + d);
        }
        return h;
    }

    @Test
    void fixtureDecodesToTheDocumentedCounts() throws IOException {
        Path meta = ThinTools.fixtures().resolve("tpt-small.meta");
        String xml = Files.readString(ThinTools.fixtures().resolve("tpt-small.xml"));
        Harness h = checkGolden(meta, xml, 1024);
        assertEquals(21, h.dsm.nrAllocated());
        assertEquals(11, h.msm.nrAllocated(), "true count (block 8 is a freed scratch node)");
        assertEquals(12, h.msm.allocatedOnDisk(), "thin_restore's quirk (§5.3)");
        assertEquals(0, h.msm.refCount(8));
        assertEquals(1024 - 21, h.dsm.nrFree());
        Path copy = dir.resolve("fixture-after.meta");
        afterOurTransactions(h, copy, 1);
    }

    @Test
    void fourDevicesSharingBlocksUseTheOverflowTree() throws IOException {
        StringBuilder xml = new StringBuilder(header(1024));
        for (int dev = 0; dev < 4; dev++) {
            xml.append(device(dev, dev < 3 ? 2 : 1));
            xml.append("    <range_mapping origin_begin=\"0\" data_begin=\"5\" length=\"").append(dev < 3 ? 2 : 1)
                    .append("\" time=\"0\"/>\n");
            xml.append("    <single_mapping origin_block=\"10\" data_block=\"").append(20 + dev).append("\" time=\"0\"/>\n");
            xml.append("  </device>\n");
        }
        xml.append("</superblock>\n");
        Path meta = ThinTools.restore(dir, "four", xml.toString(), META_BYTES);
        Harness h = checkGolden(meta, xml.toString(), 1024);
        assertEquals(4, h.dsm.refCount(5));
        assertEquals(3, h.dsm.refCount(6));
        BTree<Integer> overflow = new BTree<>(h.tm, ValueType.u32());
        assertEquals(4, overflow.lookup(h.lastCommit.dataSm().refCountRoot(), 5));
        assertEquals(3, overflow.lookup(h.lastCommit.dataSm().refCountRoot(), 6));
        assertEquals(2, overflow.count(h.lastCommit.dataSm().refCountRoot()));
        afterOurTransactions(h, dir.resolve("four-after.meta"), 2);
    }

    @Test
    void manyBitmapsManyOverflowEntriesAndDeepTrees() throws IOException {
        long nrData = 100_000;
        SplittableRandom rnd = new SplittableRandom(11);
        StringBuilder xml = new StringBuilder(header(nrData));
        // one device with 2000 scattered mappings across all 7 bitmaps
        xml.append(device(0, 2000));
        long v = 0;
        for (int i = 0; i < 2000; i++) {
            v += 1 + rnd.nextInt(40);
            xml.append("    <single_mapping origin_block=\"").append(v).append("\" data_block=\"")
                    .append(i * 49L + 3).append("\" time=\"0\"/>\n");
        }
        xml.append("  </device>\n");
        // four devices sharing 1000 blocks in the last bitmap: 1000 overflow entries (a multi-node tree)
        for (int dev = 1; dev <= 4; dev++) {
            xml.append(device(dev, 1000));
            xml.append("    <range_mapping origin_begin=\"0\" data_begin=\"98000\" length=\"1000\" time=\"0\"/>\n");
            xml.append("  </device>\n");
        }
        // two empty devices (thin_restore shares one empty leaf between them)
        xml.append(device(5, 0)).append("  </device>\n");
        xml.append(device(6, 0)).append("  </device>\n");
        xml.append("</superblock>\n");
        Path meta = ThinTools.restore(dir, "many", xml.toString(), META_BYTES);
        Harness h = checkGolden(meta, xml.toString(), nrData);
        assertEquals(7, h.dsm.nrBitmaps());
        assertEquals(4, h.dsm.refCount(98_500));
        BTree<Integer> overflow = new BTree<>(h.tm, ValueType.u32());
        assertEquals(1000, overflow.count(h.lastCommit.dataSm().refCountRoot()));
        afterOurTransactions(h, dir.resolve("many-after.meta"), 3);
    }

    /**
     * Our transactions on top of a thin_restore file: data counts change (the device trees do not,
     * thin_check 0.9.0 does not compare data counts), the space maps are rewritten copy-on-write,
     * the superblock gets the new roots; thin_check must accept every commit and a reopen must see
     * the same counts.
     */
    private void afterOurTransactions(Harness h, Path out, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        for (int txn = 0; txn < 4; txn++) {
            for (int i = 0; i < 300; i++) {
                long b = rnd.nextLong(h.dsm.nrBlocks());
                long c = h.dsm.refCount(b);
                if (c > 0 && rnd.nextBoolean()) {
                    h.dsm.dec(b);
                } else {
                    h.dsm.inc(b, 1 + rnd.nextInt(4));
                }
            }
            for (int i = 0; i < 50; i++) {
                h.dsm.newBlock();
            }
            SpaceMapRoot data = h.dsm.commitRoot();
            SpaceMapRoot metaRoot = h.msm.commitRoot();
            WriteBlock sb = h.tm.superblockForUpdate(0, false);
            data.encode(sb, MinimalSuperblock.DATA_SPACE_MAP_ROOT);
            metaRoot.encode(sb, MinimalSuperblock.METADATA_SPACE_MAP_ROOT);
            h.tm.commit(sb);
            h.device.saveTo(out);
            ThinTools.assertCheckPasses(out, "after our transaction " + txn);
            Harness again = Harness.open(RamDevice.load(out));
            assertEquals(h.dsm.nrAllocated(), again.dsm.nrAllocated());
            assertEquals(h.msm.nrAllocated(), again.msm.nrAllocated());
            assertEquals(h.msm.nrAllocated(), again.msm.allocatedOnDisk(), "nr_allocated is exact after our commit");
            for (long b = 0; b < h.dsm.nrBlocks(); b++) {
                if (h.dsm.refCount(b) != again.dsm.refCount(b)) {
                    assertEquals(h.dsm.refCount(b), again.dsm.refCount(b), "data block " + b + " after reopen");
                }
            }
            MetadataRefs refs = MetadataRefs.of(again.tm, again.lastCommit);
            for (int b = 0; b < refs.metadata.length; b++) {
                if (refs.metadata[b] != again.msm.refCount(b)) {
                    assertEquals(refs.metadata[b], again.msm.refCount(b), "metadata block " + b + " after txn " + txn);
                }
            }
        }
        assertTrue(h.msm.nrAllocated() > 0);
    }

    private static String header(long nrDataBlocks) {
        return "<superblock uuid=\"\" time=\"0\" transaction=\"1\" flags=\"0\" version=\"2\" data_block_size=\"128\" nr_data_blocks=\""
                + nrDataBlocks + "\">\n";
    }

    private static String device(int id, long mapped) {
        return "  <device dev_id=\"" + id + "\" mapped_blocks=\"" + mapped
                + "\" transaction=\"0\" creation_time=\"0\" snap_time=\"0\">\n";
    }
}
