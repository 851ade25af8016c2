package io.jthin.engine.tools;

import io.jthin.snapshot.DeviceDetails;
import io.jthin.snapshot.MetadataVisitor;
import io.jthin.snapshot.Superblock;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code thin_ls}'s figures from a metadata walk: per device its details ({@code mapped_blocks},
 * transaction, times) and how many of its mappings use a data block no other mapping uses
 * (exclusive), as {@link ThinLsReport} prints them. Sharing comes from the mappings themselves
 * ({@link DataBlockSharing}), not from the data space map's counts, as in 0.9.0. Two walks (three
 * for a metadata snapshot, whose data block count is unknown): memory is two bits per data block.
 * Stateless.
 */
public final class ThinLs {

    /** The figures and the data block size (sectors) the report needs. */
    public record Result(long dataBlockSectors, List<ThinLsReport.DeviceFigures> devices) {
        /** The report as thin_ls prints it. */
        public String render(List<ThinLsReport.Field> fields, boolean headers) {
            ThinLsReport r = new ThinLsReport(fields, headers, dataBlockSectors);
            devices.forEach(r::add);
            return r.render();
        }
    }

    private ThinLs() {
    }

    public static Result of(MetadataWalk walk, boolean metadataSnap) {
        long[] sb = new long[2]; // data block sectors, nr data blocks
        long[] maxData = {-1};
        walk.accept(new MetadataVisitor() {
            @Override
            public void superblock(Superblock s, long nrDataBlocks) {
                sb[0] = s.dataBlockSectors;
                sb[1] = nrDataBlocks;
            }

            @Override
            public void mapping(long devId, long virtualBlock, long dataBlock, long time) {
                maxData[0] = Math.max(maxData[0], dataBlock);
            }
        }, metadataSnap, null);
        DataBlockSharing sharing = new DataBlockSharing(Math.max(sb[1], maxData[0] + 1));
        walk.accept(new MetadataVisitor() {
            @Override
            public void mapping(long devId, long virtualBlock, long dataBlock, long time) {
                sharing.map(dataBlock);
            }
        }, metadataSnap, null);
        List<ThinLsReport.DeviceFigures> figures = new ArrayList<>();
        walk.accept(new MetadataVisitor() {
            private DeviceDetails details;
            private long exclusive;

            @Override
            public boolean device(long devId, DeviceDetails d) {
                details = d;
                exclusive = 0;
                return true;
            }

            @Override
            public void mapping(long devId, long virtualBlock, long dataBlock, long time) {
                if (sharing.isExclusive(dataBlock)) {
                    exclusive++;
                }
            }

            @Override
            public void endDevice(long devId) {
                figures.add(new ThinLsReport.DeviceFigures(devId, details.mappedBlocks(), exclusive,
                        details.transactionId(), details.creationTime(), details.snapshottedTime()));
            }
        }, metadataSnap, null);
        return new Result(sb[0], figures);
    }
}
