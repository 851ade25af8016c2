package io.jthin.tests;

import io.jthin.allocator.DiskSpaceMap;
import io.jthin.allocator.MetadataSpaceMap;
import io.jthin.engine.tools.CheckReport;
import io.jthin.engine.tools.MetadataChecker;
import io.jthin.loopfile.MemoryBlockDevice;
import io.jthin.snapshot.DeviceDetails;
import io.jthin.snapshot.MetadataVisitor;
import io.jthin.snapshot.PoolMetadata;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.CRC32C;

/**
 * The checks thin_check 0.9.0 leaves out (TOOLS-NOTES, dm-thin-format §9), done in process on a
 * metadata image opened read-only:
 * <ul>
 *   <li>every data block's count in the data space map equals the recount from the mapping trees
 *       (one per distinct bottom leaf and entry, live and held roots, §5.6): no leak, no block
 *       referenced more often than counted, none referenced while free;
 *   <li>no mapping points past the end of the data device;
 *   <li>each device's {@code mapped_blocks} equals its number of mappings;
 *   <li>the engine's strict {@link MetadataChecker} (thin_check plus data counts, nr_allocated,
 *       index hints) reports no error and no warning, with the data device's size.
 * </ul>
 * It also yields the bytes thin_check can reach (superblock and every block the metadata space map
 * counts), the key under which {@link ThinCheckPool} deduplicates runs.
 */
record MetadataAudit(List<String> problems, String reachableKey, long dataBlocksInUse) {

    /** Audits {@code meta} (left open and unchanged); {@code dataBytes} is the data device's size, −1 if unknown. */
    static MetadataAudit of(MemoryBlockDevice meta, long dataBytes) {
        List<String> problems = new ArrayList<>();
        CheckReport report = MetadataChecker.check(meta, new MetadataChecker.Options(false, false, dataBytes));
        if (!report.clean() || report.warnings() > 0 || !report.countsChecked()) {
            problems.add("MetadataChecker: " + report.summary() + " " + report.problems());
        }
        String key = null;
        long inUse = 0;
        PoolMetadata md = PoolMetadata.open(meta, 1 << 20, false);
        try {
            DiskSpaceMap dataSm = md.dataSpaceMap();
            Map<Long, Long> expected = md.recountDataReferences();
            long nrData = dataSm.nrBlocks();
            for (var e : expected.entrySet()) {
                if (e.getKey() >= nrData) {
                    problems.add("data block " + e.getKey() + " is mapped " + e.getValue()
                            + " time(s) but the data device has " + nrData + " blocks");
                }
            }
            for (long b = 0; b < nrData; b++) {
                long want = expected.getOrDefault(b, 0L);
                long have = dataSm.refCount(b);
                if (want != have) {
                    problems.add("data block " + b + ": space map count " + have + ", mapping trees reference it "
                            + want + " time(s)" + (want > have ? " (doubly referenced / counted too low)" : " (leaked)"));
                    if (problems.size() > 20) {
                        break;
                    }
                }
                if (have > 0) {
                    inUse++;
                }
            }
            long[] mappings = {0};
            List<String> mappedProblems = new ArrayList<>();
            md.accept(new MetadataVisitor() {
                long declared;

                @Override
                public boolean device(long devId, DeviceDetails d) {
                    declared = d.mappedBlocks();
                    mappings[0] = 0;
                    return true;
                }

                @Override
                public void mapping(long devId, long virtualBlock, long dataBlock, long time) {
                    mappings[0]++;
                }

                @Override
                public void endDevice(long devId) {
                    if (mappings[0] != declared) {
                        mappedProblems.add("device " + devId + ": mapped_blocks " + declared + " but " + mappings[0]
                                + " mappings");
                    }
                }
            }, false, null);
            problems.addAll(mappedProblems);
            key = reachableKey(meta, md.metadataSpaceMap());
        } finally {
            md.close();
            meta.reopen();
        }
        return new MetadataAudit(problems, key, inUse);
    }

    private static String reachableKey(MemoryBlockDevice meta, MetadataSpaceMap sm) {
        CRC32C a = new CRC32C();
        CRC32 b = new CRC32();
        byte[] block = new byte[4096];
        long n = Math.min(sm.nrBlocks(), meta.size() / 4096);
        long used = 0;
        for (long nr = 0; nr < n; nr++) {
            if (nr == 0 || sm.refCount(nr) > 0) {
                meta.read(nr * 4096, ByteBuffer.wrap(block));
                a.update(block);
                b.update(block);
                used++;
            }
        }
        return Long.toHexString(a.getValue()) + Long.toHexString(b.getValue()) + ":" + used + ":" + meta.size() + "/"
                + sm.nrBlocks();
    }
}
