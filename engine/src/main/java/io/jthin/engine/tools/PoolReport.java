package io.jthin.engine.tools;

import com.google.gson.JsonObject;
import io.jthin.engine.PoolDirectory;
import io.jthin.engine.PoolStatus;
import io.jthin.engine.ThinPool;
import java.nio.file.Path;

/**
 * A pool directory's status as one value: the dmsetup thin-pool status line (dm-thin-format §7.4)
 * and the {@code docker info} "Storage Driver: devicemapper" figures — data and metadata space
 * used/total/available (available also capped by the host file system's free space, as Docker
 * does for loop files), the minimum free space Docker keeps (10% of the data space, its
 * {@code dm.min_free_space} default) — plus what the sparse files really occupy on disk.
 * Immutable; {@link #text} and {@link #json} render it.
 */
public record PoolReport(PoolStatus status, long dataBlockBytes, Path dataFile, Path metadataFile, int devices,
        long dataUsedBytes, long dataTotalBytes, long dataAvailableBytes, long metadataUsedBytes,
        long metadataTotalBytes, long metadataAvailableBytes, long minFreeSpaceBytes,
        PoolDirectory.DiskUsage diskUsage) {
    /** Docker's default {@code dm.min_free_space}: percent of the data space kept free. */
    public static final int MIN_FREE_SPACE_PERCENT = 10;
    private static final long METADATA_BLOCK = 4096;

    public static PoolReport of(PoolDirectory dir) {
        ThinPool pool = dir.pool();
        PoolStatus s = pool.status();
        long block = pool.dataBlockBytes();
        long dataUsed = s.usedDataBlocks() * block;
        long dataTotal = s.totalDataBlocks() * block;
        long metaUsed = s.usedMetadataBlocks() * METADATA_BLOCK;
        long metaTotal = s.totalMetadataBlocks() * METADATA_BLOCK;
        long dataAvail = Math.min(dataTotal - dataUsed, dir.fileSystemAvailableBytes(false));
        long metaAvail = Math.min(metaTotal - metaUsed, dir.fileSystemAvailableBytes(true));
        long minFree = s.totalDataBlocks() * MIN_FREE_SPACE_PERCENT / 100 * block;
        return new PoolReport(s, block, dir.layout().dataFile().toAbsolutePath(),
                dir.layout().metadataFile().toAbsolutePath(), pool.deviceIds().size(), dataUsed, dataTotal, dataAvail,
                metaUsed, metaTotal, metaAvail, minFree, dir.diskUsage());
    }

    /** The dmsetup status line: {@code 0 <data sectors> thin-pool <status>}. */
    public String dmsetupLine() {
        return "0 " + status.totalDataBlocks() * dataBlockBytes / 512 + " thin-pool " + status;
    }

    /** The status line, then the docker-info block, then the on-disk figures. */
    public String text() {
        StringBuilder s = new StringBuilder(dmsetupLine()).append('\n');
        line(s, "Pool Blocksize", DockerUnits.humanSize(dataBlockBytes));
        line(s, "Data file", dataFile.toString());
        line(s, "Metadata file", metadataFile.toString());
        line(s, "Data Space Used", DockerUnits.humanSize(dataUsedBytes));
        line(s, "Data Space Total", DockerUnits.humanSize(dataTotalBytes));
        line(s, "Data Space Available", DockerUnits.humanSize(dataAvailableBytes));
        line(s, "Metadata Space Used", DockerUnits.humanSize(metadataUsedBytes));
        line(s, "Metadata Space Total", DockerUnits.humanSize(metadataTotalBytes));
        line(s, "Metadata Space Available", DockerUnits.humanSize(metadataAvailableBytes));
        line(s, "Thin Pool Minimum Free Space", DockerUnits.humanSize(minFreeSpaceBytes));
        line(s, "Data loop file", dataFile.toString());
        line(s, "Metadata loop file", metadataFile.toString());
        line(s, "Thin devices", Integer.toString(devices));
        line(s, "Data file on disk", SizeParser.format(diskUsage.dataAllocatedBytes()) + " (sparse; apparent size "
                + SizeParser.format(diskUsage.dataBytes()) + ")");
        line(s, "Metadata file on disk", SizeParser.format(diskUsage.metadataAllocatedBytes())
                + " (sparse; apparent size " + SizeParser.format(diskUsage.metadataBytes()) + ")");
        return s.toString();
    }

    private static void line(StringBuilder s, String name, String value) {
        s.append(' ').append(name).append(": ").append(value).append('\n');
    }

    public JsonObject json() {
        JsonObject o = new JsonObject();
        o.addProperty("dmsetupStatus", dmsetupLine());
        o.addProperty("transactionId", status.transactionId());
        o.addProperty("mode", status.mode().name());
        o.addProperty("usedMetadataBlocks", status.usedMetadataBlocks());
        o.addProperty("totalMetadataBlocks", status.totalMetadataBlocks());
        o.addProperty("usedDataBlocks", status.usedDataBlocks());
        o.addProperty("totalDataBlocks", status.totalDataBlocks());
        o.addProperty("heldMetadataRoot", status.heldRoot());
        o.addProperty("discardPassdown", status.discardPassdown());
        o.addProperty("errorIfNoSpace", status.errorIfNoSpace());
        o.addProperty("needsCheck", status.needsCheck());
        o.addProperty("metadataLowWatermark", status.metadataLowWatermark());
        o.addProperty("poolBlocksize", dataBlockBytes);
        o.addProperty("dataFile", dataFile.toString());
        o.addProperty("metadataFile", metadataFile.toString());
        o.addProperty("thinDevices", devices);
        o.addProperty("dataSpaceUsed", dataUsedBytes);
        o.addProperty("dataSpaceTotal", dataTotalBytes);
        o.addProperty("dataSpaceAvailable", dataAvailableBytes);
        o.addProperty("metadataSpaceUsed", metadataUsedBytes);
        o.addProperty("metadataSpaceTotal", metadataTotalBytes);
        o.addProperty("metadataSpaceAvailable", metadataAvailableBytes);
        o.addProperty("thinPoolMinimumFreeSpace", minFreeSpaceBytes);
        o.addProperty("dataFileBytes", diskUsage.dataBytes());
        o.addProperty("dataFileAllocatedBytes", diskUsage.dataAllocatedBytes());
        o.addProperty("metadataFileBytes", diskUsage.metadataBytes());
        o.addProperty("metadataFileAllocatedBytes", diskUsage.metadataAllocatedBytes());
        return o;
    }
}
