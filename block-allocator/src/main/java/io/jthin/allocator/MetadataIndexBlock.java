package io.jthin.allocator;

import io.jthin.btree.ReadBlock;
import io.jthin.btree.WriteBlock;

/**
 * Layout of the metadata space map's single index block (dm-thin-format §5.4). It lists the
 * bitmaps of the metadata device, so the metadata device can have at most {@link #MAX_ENTRIES}
 * bitmaps, i.e. {@link #MAX_METADATA_BLOCKS} blocks (≈ 15.875 GiB).
 *
 * <pre>
 * | offset | size     | field                                                   |
 * |--------|----------|---------------------------------------------------------|
 * | 0      | u32      | csum (salt 160478, filled by the BlockManager)          |
 * | 4      | u32      | padding (0)                                             |
 * | 8      | u64      | blocknr (own location)                                  |
 * | 16     | 255 × 16 | index entries 0 … 254 ({@link IndexEntry}); unused zero |
 * </pre>
 * 16 + 255 × 16 = 4096. Stateless; thread-safety is the caller's.
 */
public final class MetadataIndexBlock {
    /** Offset of the padding after the checksum. */
    public static final int PADDING_OFFSET = 4;
    /** Offset of entry 0. */
    public static final int ENTRIES_OFFSET = 16;
    /** Entries the block holds ({@code MAX_METADATA_BITMAPS}). */
    public static final int MAX_ENTRIES = 255;
    /** The largest metadata device a space map can describe, in 4 KiB blocks: 255 × 16320 = 4,161,600. */
    public static final long MAX_METADATA_BLOCKS = (long) MAX_ENTRIES * BitmapBlock.ENTRIES_PER_BITMAP;

    private MetadataIndexBlock() {
    }

    /** Writes {@code entries[0 … n)} and zeroes the unused slots. */
    public static void encode(IndexEntry[] entries, int n, WriteBlock block) {
        if (n > MAX_ENTRIES) {
            throw new IllegalArgumentException("metadata index block holds " + MAX_ENTRIES + " bitmaps, asked for " + n);
        }
        block.putInt(PADDING_OFFSET, 0);
        for (int i = 0; i < n; i++) {
            entries[i].encode(block, ENTRIES_OFFSET + i * IndexEntry.SIZE);
        }
        block.zero(ENTRIES_OFFSET + n * IndexEntry.SIZE, (MAX_ENTRIES - n) * IndexEntry.SIZE);
    }

    /** Reads entries {@code 0 … n)}. */
    public static IndexEntry[] decode(ReadBlock block, int n) {
        if (n > MAX_ENTRIES) {
            throw new IllegalArgumentException("metadata index block holds " + MAX_ENTRIES + " bitmaps, asked for " + n);
        }
        IndexEntry[] entries = new IndexEntry[n];
        for (int i = 0; i < n; i++) {
            entries[i] = IndexEntry.decode(block, ENTRIES_OFFSET + i * IndexEntry.SIZE);
        }
        return entries;
    }
}
