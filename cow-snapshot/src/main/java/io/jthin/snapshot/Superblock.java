package io.jthin.snapshot;

import io.jthin.btree.BlockType;
import io.jthin.btree.CorruptMetadataException;
import io.jthin.btree.ReadBlock;
import io.jthin.btree.WriteBlock;
import java.util.Arrays;

/**
 * The thin-pool superblock, metadata block 0 (dm-thin-format §3.1), and the layout of its copy
 * made by a metadata snapshot (§6.7). Owns every superblock offset; a mutable value object that is
 * decoded from and encoded into a block.
 *
 * <pre>
 * | offset | size | type   | field                   |
 * |--------|------|--------|-------------------------|
 * | 0x000  | 4    | u32    | csum (salt 160774)      |
 * | 0x004  | 4    | u32    | flags (bit 0 NEEDS_CHECK)|
 * | 0x008  | 8    | u64    | blocknr                 |
 * | 0x010  | 16   | u8[16] | uuid                    |
 * | 0x020  | 8    | u64    | magic = 27022010        |
 * | 0x028  | 4    | u32    | version = 2             |
 * | 0x02C  | 4    | u32    | time                    |
 * | 0x030  | 8    | u64    | trans_id                |
 * | 0x038  | 8    | u64    | held_root               |
 * | 0x040  | 128  | blob   | data_space_map_root     |
 * | 0x0C0  | 128  | blob   | metadata_space_map_root |
 * | 0x140  | 8    | u64    | data_mapping_root       |
 * | 0x148  | 8    | u64    | device_details_root     |
 * | 0x150  | 4    | u32    | data_block_size (sectors)|
 * | 0x154  | 4    | u32    | metadata_block_size = 8 |
 * | 0x158  | 8    | u64    | metadata_nr_blocks      |
 * | 0x160  | 4    | u32    | compat_flags            |
 * | 0x164  | 4    | u32    | compat_ro_flags         |
 * | 0x168  | 4    | u32    | incompat_flags          |
 * </pre>
 * Checksum and blocknr are filled in by the block manager when the block is written.
 */
public final class Superblock {
    static final int FLAGS = 0x004;
    static final int UUID = 0x010;
    static final int MAGIC_OFFSET = 0x020;
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
    static final int COMPAT_RO_FLAGS = 0x164;
    static final int INCOMPAT_FLAGS = 0x168;
    /** Bytes covered by the structure; the rest of the block is zero. */
    static final int STRUCT_SIZE = 0x16C;

    public static final int UUID_SIZE = 16;
    public static final int SPACE_MAP_ROOT_SIZE = 128;
    public static final long MAGIC = 27022010L;
    public static final int VERSION_WRITTEN = 2;
    public static final int METADATA_BLOCK_SECTORS = 8;
    public static final int FLAG_NEEDS_CHECK = 1;
    /** Data block sizes the kernel accepts, in 512-byte sectors (64 KiB … 1 GiB, multiples of 64 KiB). */
    public static final int MIN_DATA_BLOCK_SECTORS = 128;
    public static final int MAX_DATA_BLOCK_SECTORS = 2_097_152;
    /** Mapping times are 24 bits (§4.4). */
    public static final long MAX_TIME = (1L << 24) - 1;

    public int flags;
    public byte[] uuid = new byte[UUID_SIZE];
    public long magic = MAGIC;
    public int version = VERSION_WRITTEN;
    public long time;
    public long transactionId;
    public long heldRoot;
    public byte[] dataSpaceMapRoot = new byte[SPACE_MAP_ROOT_SIZE];
    public byte[] metadataSpaceMapRoot = new byte[SPACE_MAP_ROOT_SIZE];
    public long dataMappingRoot;
    public long deviceDetailsRoot;
    public long dataBlockSectors;
    public long metadataBlockSectors = METADATA_BLOCK_SECTORS;
    public long metadataNrBlocks;
    public long compatFlags;
    public long compatRoFlags;
    public long incompatFlags;

    public boolean needsCheck() {
        return (flags & FLAG_NEEDS_CHECK) != 0;
    }

    public void needsCheck(boolean on) {
        flags = on ? flags | FLAG_NEEDS_CHECK : flags & ~FLAG_NEEDS_CHECK;
    }

    /** Decodes a superblock (checksum already verified by the block manager), without judging it: see {@link #validate}. */
    public static Superblock decode(ReadBlock b) {
        Superblock s = new Superblock();
        s.flags = b.getInt(FLAGS);
        b.getBytes(UUID, s.uuid, 0, UUID_SIZE);
        s.magic = b.getLong(MAGIC_OFFSET);
        s.version = b.getInt(VERSION);
        s.time = b.getUnsignedInt(TIME);
        s.transactionId = b.getLong(TRANS_ID);
        s.heldRoot = b.getLong(HELD_ROOT);
        b.getBytes(DATA_SPACE_MAP_ROOT, s.dataSpaceMapRoot, 0, SPACE_MAP_ROOT_SIZE);
        b.getBytes(METADATA_SPACE_MAP_ROOT, s.metadataSpaceMapRoot, 0, SPACE_MAP_ROOT_SIZE);
        s.dataMappingRoot = b.getLong(DATA_MAPPING_ROOT);
        s.deviceDetailsRoot = b.getLong(DEVICE_DETAILS_ROOT);
        s.dataBlockSectors = b.getUnsignedInt(DATA_BLOCK_SIZE);
        s.metadataBlockSectors = b.getUnsignedInt(METADATA_BLOCK_SIZE);
        s.metadataNrBlocks = b.getLong(METADATA_NR_BLOCKS);
        s.compatFlags = b.getUnsignedInt(COMPAT_FLAGS);
        s.compatRoFlags = b.getUnsignedInt(COMPAT_RO_FLAGS);
        s.incompatFlags = b.getUnsignedInt(INCOMPAT_FLAGS);
        return s;
    }

    /** Writes every field into {@code b} and zeroes the rest of the block after the structure. */
    public void encode(WriteBlock b) {
        b.putInt(FLAGS, flags);
        b.putBytes(UUID, uuid, 0, UUID_SIZE);
        b.putLong(MAGIC_OFFSET, magic);
        b.putInt(VERSION, version);
        b.putInt(TIME, (int) time);
        b.putLong(TRANS_ID, transactionId);
        b.putLong(HELD_ROOT, heldRoot);
        b.putBytes(DATA_SPACE_MAP_ROOT, dataSpaceMapRoot, 0, SPACE_MAP_ROOT_SIZE);
        b.putBytes(METADATA_SPACE_MAP_ROOT, metadataSpaceMapRoot, 0, SPACE_MAP_ROOT_SIZE);
        b.putLong(DATA_MAPPING_ROOT, dataMappingRoot);
        b.putLong(DEVICE_DETAILS_ROOT, deviceDetailsRoot);
        b.putInt(DATA_BLOCK_SIZE, (int) dataBlockSectors);
        b.putInt(METADATA_BLOCK_SIZE, (int) metadataBlockSectors);
        b.putLong(METADATA_NR_BLOCKS, metadataNrBlocks);
        b.putInt(COMPAT_FLAGS, (int) compatFlags);
        b.putInt(COMPAT_RO_FLAGS, (int) compatRoFlags);
        b.putInt(INCOMPAT_FLAGS, (int) incompatFlags);
        b.zero(STRUCT_SIZE, 4096 - STRUCT_SIZE);
    }

    /**
     * Refuses what jthin cannot safely open (the kernel's and our stricter checks, §3.3): wrong magic,
     * a version other than 1 or 2, incompatible feature bits, a metadata block size other than 8
     * sectors, a data block size outside 64 KiB…1 GiB or not a multiple of 64 KiB.
     *
     * @param location the block the superblock was read from, for the message
     * @param writable whether the caller will write (compat_ro flags then refuse too)
     */
    public void validate(long location, boolean writable) {
        if (magic != MAGIC) {
            throw new CorruptMetadataException(BlockType.SUPERBLOCK, location,
                    "bad magic " + magic + " (expected " + MAGIC + "): not dm-thin metadata");
        }
        if (version != 1 && version != 2) {
            throw new CorruptMetadataException(BlockType.SUPERBLOCK, location,
                    "unsupported metadata version " + version + " (jthin reads versions 1 and 2)");
        }
        if (incompatFlags != 0) {
            throw new CorruptMetadataException(BlockType.SUPERBLOCK, location,
                    "unsupported incompatible feature flags 0x" + Long.toHexString(incompatFlags));
        }
        if (writable && compatRoFlags != 0) {
            throw new CorruptMetadataException(BlockType.SUPERBLOCK, location,
                    "unsupported read-only-compatible feature flags 0x" + Long.toHexString(compatRoFlags)
                            + ": can only be opened read-only");
        }
        if (metadataBlockSectors != METADATA_BLOCK_SECTORS) {
            throw new CorruptMetadataException(BlockType.SUPERBLOCK, location,
                    "metadata block size is " + metadataBlockSectors + " sectors (expected "
                            + METADATA_BLOCK_SECTORS + ")");
        }
        if (!validDataBlockSectors(dataBlockSectors)) {
            throw new CorruptMetadataException(BlockType.SUPERBLOCK, location,
                    "data block size " + dataBlockSectors + " sectors is not a multiple of "
                            + MIN_DATA_BLOCK_SECTORS + " between " + MIN_DATA_BLOCK_SECTORS + " and "
                            + MAX_DATA_BLOCK_SECTORS);
        }
    }

    public static boolean validDataBlockSectors(long sectors) {
        return sectors >= MIN_DATA_BLOCK_SECTORS && sectors <= MAX_DATA_BLOCK_SECTORS
                && sectors % MIN_DATA_BLOCK_SECTORS == 0;
    }

    public Superblock copy() {
        Superblock c = new Superblock();
        c.flags = flags;
        c.uuid = uuid.clone();
        c.magic = magic;
        c.version = version;
        c.time = time;
        c.transactionId = transactionId;
        c.heldRoot = heldRoot;
        c.dataSpaceMapRoot = dataSpaceMapRoot.clone();
        c.metadataSpaceMapRoot = metadataSpaceMapRoot.clone();
        c.dataMappingRoot = dataMappingRoot;
        c.deviceDetailsRoot = deviceDetailsRoot;
        c.dataBlockSectors = dataBlockSectors;
        c.metadataBlockSectors = metadataBlockSectors;
        c.metadataNrBlocks = metadataNrBlocks;
        c.compatFlags = compatFlags;
        c.compatRoFlags = compatRoFlags;
        c.incompatFlags = incompatFlags;
        return c;
    }

    @Override
    public String toString() {
        return "Superblock[flags=" + flags + ", version=" + version + ", time=" + time + ", trans_id="
                + transactionId + ", held_root=" + heldRoot + ", data_mapping_root=" + dataMappingRoot
                + ", device_details_root=" + deviceDetailsRoot + ", data_block_size=" + dataBlockSectors
                + ", metadata_nr_blocks=" + metadataNrBlocks + ", uuid=" + Arrays.toString(uuid) + "]";
    }
}
