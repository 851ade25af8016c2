package io.jthin.engine;

/**
 * A thin device's status as dmsetup prints it (dm-thin-format §7.4): {@code <mapped sectors>
 * <highest mapped sector>}, the latter {@code -} when nothing is mapped; {@code Fail} if the pool failed.
 */
public record ThinStatus(long mappedSectors, long highestMappedSector, boolean failed) {

    public static ThinStatus of(long mappedBlocks, long highestMappedBlock, long dataBlockSectors) {
        return new ThinStatus(mappedBlocks * dataBlockSectors,
                highestMappedBlock < 0 ? -1 : (highestMappedBlock + 1) * dataBlockSectors - 1, false);
    }

    @Override
    public String toString() {
        if (failed) {
            return "Fail";
        }
        return mappedSectors + " " + (highestMappedSector < 0 ? "-" : Long.toString(highestMappedSector));
    }
}
