package io.jthin.btree;

/**
 * The four kinds of metadata block and their checksum salts (dm-thin-format §2). Every block
 * starts with {@code u32 csum} at byte 0 and holds its own location as {@code u64} at byte 8;
 * the checksum is {@code ~CRC32C(bytes 4..4095) XOR salt}. The salts are the only format
 * constants of checksumming and live here alone.
 *
 * | block type | salt (decimal) | salt (hex) |
 * |---|---|---|
 * | superblock | 160774 | 0x00027406 |
 * | B-tree node | 121107 | 0x0001D913 |
 * | space-map bitmap | 240779 | 0x0003AC8B |
 * | metadata space-map index | 160478 | 0x000272DE |
 */
public enum BlockType {
    SUPERBLOCK("superblock", 160774),
    BTREE_NODE("btree node", 121107),
    BITMAP("space map bitmap", 240779),
    INDEX("metadata space map index", 160478);

    private final String displayName;
    private final int salt;

    BlockType(String displayName, int salt) {
        this.displayName = displayName;
        this.salt = salt;
    }

    /** The value XORed into the CRC so that a block's checksum also names its type. */
    public int salt() {
        return salt;
    }

    public String displayName() {
        return displayName;
    }

    @Override
    public String toString() {
        return displayName;
    }
}
