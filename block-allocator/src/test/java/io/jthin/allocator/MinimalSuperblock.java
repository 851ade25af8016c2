package io.jthin.allocator;

import io.jthin.btree.ReadBlock;
import io.jthin.btree.WriteBlock;

/**
 * Test-side layout of the dm-thin superblock (dm-thin-format §3.1), just enough to store the two
 * space-map roots and the two tree roots so that {@code thin_check} accepts a file written by
 * B-trees and space maps. cow-snapshot's {@code Superblock} will own the full layout; this class
 * keeps its offsets as named constants in one place until then.
 *
 * <pre>
 * | offset | size | field                   |
 * |--------|------|-------------------------|
 * | 0x000  | 4    | csum (salt 160774)      |
 * | 0x004  | 4    | flags                   |
 * | 0x008  | 8    | blocknr                 |
 * | 0x010  | 16   | uuid                    |
 * | 0x020  | 8    | magic = 27022010        |
 * | 0x028  | 4    | version = 2             |
 * | 0x02C  | 4    | time                    |
 * | 0x030  | 8    | trans_id                |
 * | 0x038  | 8    | held_root               |
 * | 0x040  | 128  | data_space_map_root     |
 * | 0x0C0  | 128  | metadata_space_map_root |
 * | 0x140  | 8    | data_mapping_root       |
 * | 0x148  | 8    | device_details_root     |
 * | 0x150  | 4    | data_block_size (sectors) |
 * | 0x154  | 4    | metadata_block_size = 8 |
 * | 0x158  | 8    | metadata_nr_blocks      |
 * | 0x160  | 12   | compat, compat_ro, incompat flags = 0 |
 * </pre>
 */
record MinimalSuperblock(int time, long transId, SpaceMapRoot dataSm, SpaceMapRoot metadataSm, long mappingRoot,
        long detailsRoot, int dataBlockSize, long metadataNrBlocks) {
    static final int FLAGS = 0x004;
    static final int MAGIC = 0x020;
    static final int VERSION = 0x028;
    static final int TIME = 0x02C;
    static final int TRANS_ID = 0x030;
    static final int HELD_ROOT = 0x038;
    static final int DATA_SPACE_MAP_ROOT = 0x040;
    static final int METADATA_SPACE_MAP_ROOT = 0x0C0;
    static final int DATA_MAPPING_ROOT = 0x140;
    static final int DEVICE_DETAILS_ROOT = 0x148;
    static final int DATA_BLOCK_SIZE = 0x150;
    static final int METADATA_BLOCK_SIZE = 0x154;
    static final int METADATA_NR_BLOCKS = 0x158;
    static final int COMPAT_FLAGS = 0x160;
    static final int END = 0x16C;

    static final long MAGIC_VALUE = 27022010L;
    static final int VERSION_VALUE = 2;
    static final int METADATA_BLOCK_SIZE_SECTORS = 8;

    /** Writes every field into {@code sb} (a zeroed or existing superblock block). */
    void encode(WriteBlock sb) {
        sb.putInt(FLAGS, 0);
        sb.putLong(MAGIC, MAGIC_VALUE);
        sb.putInt(VERSION, VERSION_VALUE);
        sb.putInt(TIME, time);
        sb.putLong(TRANS_ID, transId);
        sb.putLong(HELD_ROOT, 0);
        dataSm.encode(sb, DATA_SPACE_MAP_ROOT);
        metadataSm.encode(sb, METADATA_SPACE_MAP_ROOT);
        sb.putLong(DATA_MAPPING_ROOT, mappingRoot);
        sb.putLong(DEVICE_DETAILS_ROOT, detailsRoot);
        sb.putInt(DATA_BLOCK_SIZE, dataBlockSize);
        sb.putInt(METADATA_BLOCK_SIZE, METADATA_BLOCK_SIZE_SECTORS);
        sb.putLong(METADATA_NR_BLOCKS, metadataNrBlocks);
        sb.zero(COMPAT_FLAGS, END - COMPAT_FLAGS);
    }

    static MinimalSuperblock decode(ReadBlock sb) {
        if (sb.getLong(MAGIC) != MAGIC_VALUE) {
            throw new IllegalStateException("not a dm-thin superblock: magic " + sb.getLong(MAGIC));
        }
        return new MinimalSuperblock(sb.getInt(TIME), sb.getLong(TRANS_ID),
                SpaceMapRoot.decode(sb, DATA_SPACE_MAP_ROOT), SpaceMapRoot.decode(sb, METADATA_SPACE_MAP_ROOT),
                sb.getLong(DATA_MAPPING_ROOT), sb.getLong(DEVICE_DETAILS_ROOT), sb.getInt(DATA_BLOCK_SIZE),
                sb.getLong(METADATA_NR_BLOCKS));
    }
}
