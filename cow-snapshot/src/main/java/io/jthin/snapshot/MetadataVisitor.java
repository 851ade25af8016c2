package io.jthin.snapshot;

/**
 * One walk over superblock, devices and mappings, in the order thin_dump prints them (devices by
 * increasing id, mappings by increasing virtual block). dump, check, ls and delta compose it.
 */
public interface MetadataVisitor {

    /** Called once, first. {@code nrDataBlocks} is 0 for a metadata snapshot (its space-map roots are zero). */
    default void superblock(Superblock sb, long nrDataBlocks) {
    }

    /** Called for each device; return false to skip its mappings. */
    default boolean device(long devId, DeviceDetails details) {
        return true;
    }

    /** One mapping of the current device. */
    default void mapping(long devId, long virtualBlock, long dataBlock, long time) {
    }

    /**
     * {@code length} mappings of the current device at once: virtual blocks from
     * {@code virtualBegin} to data blocks from {@code dataBegin}, all at {@code time}. The default
     * gives them to {@link #mapping} one by one; a walk may call either.
     */
    default void mappingRun(long devId, long virtualBegin, long dataBegin, long length, long time) {
        for (long i = 0; i < length; i++) {
            mapping(devId, virtualBegin + i, dataBegin + i, time);
        }
    }

    /** After the last mapping of a device (also when its mappings were skipped). */
    default void endDevice(long devId) {
    }

    /** Called once, last. */
    default void end() {
    }
}
