package io.jthin.btree;

/**
 * Test-only: the two superblock fields the golden tests need to find the trees, from
 * dm-thin-format §3.1 (the real Superblock layout class belongs to cow-snapshot).
 */
final class SuperblockOffsets {
    /** §3.1 {@code data_mapping_root}: u64, root of the two-level mapping tree. */
    static final int DATA_MAPPING_ROOT = 0x140;
    /** §3.1 {@code device_details_root}: u64, root of the device-details tree. */
    static final int DEVICE_DETAILS_ROOT = 0x148;

    private SuperblockOffsets() {
    }
}
