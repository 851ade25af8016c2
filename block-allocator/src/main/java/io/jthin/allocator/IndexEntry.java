package io.jthin.allocator;

import io.jthin.btree.ReadBlock;
import io.jthin.btree.ValueType;
import io.jthin.btree.WriteBlock;

/**
 * One space-map index entry (dm-thin-format §5.3): where bitmap {@code i} lives and two search hints.
 * Stored in the metadata space map's single index block ({@link MetadataIndexBlock}) and as the value
 * of the data space map's index B-tree ({@link #VALUE_TYPE}, value_size 16).
 *
 * <pre>
 * | offset | type | field            | meaning                                                     |
 * |--------|------|------------------|-------------------------------------------------------------|
 * | 0      | u64  | blocknr          | location of bitmap block i                                  |
 * | 8      | u32  | nr_free          | free entries in that bitmap (a hint)                        |
 * | 12     | u32  | none_free_before | every entry below this index is in use (a search hint)      |
 * </pre>
 *
 * <p>Both hints are only hints: readers never derive free space from them (the kernel initialises
 * {@code nr_free} of a partial last bitmap to 16320; the tools to the real number). We write the
 * exact values: {@code nr_free} counts free entries below the map's end, {@code none_free_before} is
 * the first free entry (or the number of entries in use when the bitmap is full), so it is never
 * greater than the first free entry. Immutable, thread-safe.
 *
 * @param blocknr        location of the bitmap block
 * @param nrFree         free entries (u32, held in a long)
 * @param noneFreeBefore first possibly-free entry (u32, held in a long)
 */
public record IndexEntry(long blocknr, long nrFree, long noneFreeBefore) {
    /** Offset of {@code blocknr}. */
    public static final int BLOCKNR_OFFSET = 0;
    /** Offset of {@code nr_free}. */
    public static final int NR_FREE_OFFSET = 8;
    /** Offset of {@code none_free_before}. */
    public static final int NONE_FREE_BEFORE_OFFSET = 12;
    /** Bytes of one entry (also the index B-tree's value_size). */
    public static final int SIZE = 16;

    /** Value type of the data space map's index B-tree; entries reference no other block counted through the tree. */
    public static final ValueType<IndexEntry> VALUE_TYPE = new ValueType<>() {
        @Override
        public int size() {
            return SIZE;
        }

        @Override
        public IndexEntry read(ReadBlock b, int off) {
            return decode(b, off);
        }

        @Override
        public void write(WriteBlock b, int off, IndexEntry v) {
            v.encode(b, off);
        }

        @Override
        public boolean equal(IndexEntry a, IndexEntry b) {
            return a.equals(b);
        }
    };

    public IndexEntry {
        if (nrFree < 0 || nrFree > 0xFFFF_FFFFL || noneFreeBefore < 0 || noneFreeBefore > 0xFFFF_FFFFL) {
            throw new IllegalArgumentException("index entry hints must be u32: nr_free " + nrFree
                    + ", none_free_before " + noneFreeBefore);
        }
    }

    /** Writes the 16 bytes at {@code offset}. */
    public void encode(WriteBlock block, int offset) {
        block.putLong(offset + BLOCKNR_OFFSET, blocknr);
        block.putInt(offset + NR_FREE_OFFSET, (int) nrFree);
        block.putInt(offset + NONE_FREE_BEFORE_OFFSET, (int) noneFreeBefore);
    }

    /** Reads the 16 bytes at {@code offset}. */
    public static IndexEntry decode(ReadBlock block, int offset) {
        return new IndexEntry(block.getLong(offset + BLOCKNR_OFFSET),
                block.getUnsignedInt(offset + NR_FREE_OFFSET),
                block.getUnsignedInt(offset + NONE_FREE_BEFORE_OFFSET));
    }

    /** True for an all-zero (unused) slot. */
    public boolean isZero() {
        return blocknr == 0 && nrFree == 0 && noneFreeBefore == 0;
    }
}
