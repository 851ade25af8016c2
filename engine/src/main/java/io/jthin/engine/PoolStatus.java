package io.jthin.engine;

/**
 * The thin-pool status as dmsetup prints it (dm-thin-format §7.4), kernel target 1.23.0:
 * {@code <transaction id> <used meta>/<total meta> <used data>/<total data> <held root|-> rw|ro|out_of_data_space
 * [no_]discard_passdown error_if_no_space|queue_if_no_space needs_check|- <metadata low watermark>}
 * — one space between fields and a trailing space; {@code Fail} alone when the pool failed.
 *
 * @param usedMetadataBlocks counted the kernel's way: the metadata reserve is reported as used
 */
public record PoolStatus(long transactionId, long usedMetadataBlocks, long totalMetadataBlocks, long usedDataBlocks,
        long totalDataBlocks, long heldRoot, PoolMode mode, boolean discardPassdown, boolean errorIfNoSpace,
        boolean needsCheck, long metadataLowWatermark) {

    /** The kernel's metadata reserve: min(4096, total / 10) blocks, shown as used. */
    public static long metadataReserve(long totalMetadataBlocks) {
        return Math.min(4096, totalMetadataBlocks / 10);
    }

    /** The kernel's metadata low watermark: min(1024, total / 4) blocks. */
    public static long metadataLowWatermark(long totalMetadataBlocks) {
        return Math.min(1024, totalMetadataBlocks / 4);
    }

    /** Used metadata as the kernel reports it, from the real free count. */
    public static long reportedUsedMetadata(long totalMetadataBlocks, long freeMetadataBlocks) {
        long free = Math.max(0, freeMetadataBlocks - metadataReserve(totalMetadataBlocks));
        return totalMetadataBlocks - free;
    }

    @Override
    public String toString() {
        if (mode == PoolMode.FAIL) {
            return "Fail";
        }
        return transactionId + " " + usedMetadataBlocks + "/" + totalMetadataBlocks + " " + usedDataBlocks + "/"
                + totalDataBlocks + " " + (heldRoot == 0 ? "-" : Long.toString(heldRoot)) + " " + mode.statusWord()
                + " " + (discardPassdown ? "discard_passdown" : "no_discard_passdown") + " "
                + (errorIfNoSpace ? "error_if_no_space" : "queue_if_no_space") + " " + (needsCheck ? "needs_check" : "-")
                + " " + metadataLowWatermark + " ";
    }
}
