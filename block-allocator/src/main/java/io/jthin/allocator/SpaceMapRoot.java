package io.jthin.allocator;

import io.jthin.btree.BlockType;
import io.jthin.btree.CorruptMetadataException;
import io.jthin.btree.ReadBlock;
import io.jthin.btree.WriteBlock;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The space-map root blob kept in the superblock (dm-thin-format §5.2): one 128-byte slot per
 * space map (data at superblock offset {@code 0x040}, metadata at {@code 0x0C0}; those offsets
 * belong to the superblock's layout class). Owns the layout of the slot.
 *
 * <pre>
 * | offset | type | field          | meaning                                                        |
 * |--------|------|----------------|----------------------------------------------------------------|
 * | 0      | u64  | nr_blocks      | blocks the map covers (data blocks, or 4 KiB metadata blocks)  |
 * | 8      | u64  | nr_allocated   | blocks with a reference count above 0                          |
 * | 16     | u64  | bitmap_root    | data: root of the index B-tree; metadata: the index block      |
 * | 24     | u64  | ref_count_root | root of the overflow ref-count B-tree (counts of 3 or more)    |
 * | 32     | 96   | (zero)         | rest of the 128-byte slot                                      |
 * </pre>
 *
 * <p>Invariants: a value of this record is immutable; {@code nrAllocated <= nrBlocks} is checked by
 * {@link #validate} (the readers call it), not by the constructor, so that a damaged root can still be
 * decoded and reported. A slot of all zeros (a metadata-snapshot superblock copy) decodes to
 * {@link #isZero() zero}. Thread-safe (immutable).
 *
 * @param nrBlocks     blocks the map covers
 * @param nrAllocated  blocks with a non-zero count, as recorded
 * @param bitmapRoot   data: index B-tree root; metadata: index block location
 * @param refCountRoot overflow ref-count B-tree root
 */
public record SpaceMapRoot(long nrBlocks, long nrAllocated, long bitmapRoot, long refCountRoot) {
    /** Offset of {@code nr_blocks} inside the slot. */
    public static final int NR_BLOCKS_OFFSET = 0;
    /** Offset of {@code nr_allocated} inside the slot. */
    public static final int NR_ALLOCATED_OFFSET = 8;
    /** Offset of {@code bitmap_root} inside the slot. */
    public static final int BITMAP_ROOT_OFFSET = 16;
    /** Offset of {@code ref_count_root} inside the slot. */
    public static final int REF_COUNT_ROOT_OFFSET = 24;
    /** Bytes the structure itself uses. */
    public static final int SIZE = 32;
    /** Bytes of the superblock slot that holds it (the rest is zero). */
    public static final int SLOT_SIZE = 128;

    /** Writes this root into the 128-byte slot at {@code offset} of {@code block}, zeroing the rest of the slot. */
    public void encode(WriteBlock block, int offset) {
        block.putLong(offset + NR_BLOCKS_OFFSET, nrBlocks);
        block.putLong(offset + NR_ALLOCATED_OFFSET, nrAllocated);
        block.putLong(offset + BITMAP_ROOT_OFFSET, bitmapRoot);
        block.putLong(offset + REF_COUNT_ROOT_OFFSET, refCountRoot);
        block.zero(offset + SIZE, SLOT_SIZE - SIZE);
    }

    /** Reads the root stored in the slot at {@code offset} of {@code block}. */
    public static SpaceMapRoot decode(ReadBlock block, int offset) {
        return new SpaceMapRoot(
                block.getLong(offset + NR_BLOCKS_OFFSET),
                block.getLong(offset + NR_ALLOCATED_OFFSET),
                block.getLong(offset + BITMAP_ROOT_OFFSET),
                block.getLong(offset + REF_COUNT_ROOT_OFFSET));
    }

    /** The 128-byte slot, little-endian, as the superblock stores it. */
    public byte[] toBytes() {
        ByteBuffer b = ByteBuffer.allocate(SLOT_SIZE).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(NR_BLOCKS_OFFSET, nrBlocks);
        b.putLong(NR_ALLOCATED_OFFSET, nrAllocated);
        b.putLong(BITMAP_ROOT_OFFSET, bitmapRoot);
        b.putLong(REF_COUNT_ROOT_OFFSET, refCountRoot);
        return b.array();
    }

    /** Decodes a slot (at least {@link #SIZE} bytes; the kernel's slot is {@link #SLOT_SIZE}). */
    public static SpaceMapRoot fromBytes(byte[] slot) {
        if (slot.length < SIZE) {
            throw new IllegalArgumentException("space map root needs " + SIZE + " bytes, got " + slot.length);
        }
        ByteBuffer b = ByteBuffer.wrap(slot).order(ByteOrder.LITTLE_ENDIAN);
        return new SpaceMapRoot(b.getLong(NR_BLOCKS_OFFSET), b.getLong(NR_ALLOCATED_OFFSET),
                b.getLong(BITMAP_ROOT_OFFSET), b.getLong(REF_COUNT_ROOT_OFFSET));
    }

    /** True for an all-zero slot (a metadata-snapshot superblock copy references no space map). */
    public boolean isZero() {
        return nrBlocks == 0 && nrAllocated == 0 && bitmapRoot == 0 && refCountRoot == 0;
    }

    /**
     * Checks what a reader can check without following the roots; {@code what} names the map in the
     * message ("data space map", "metadata space map").
     *
     * @throws CorruptMetadataException naming the field and its value (the root lives in superblock 0)
     */
    public void validate(String what) {
        if (nrBlocks < 0 || nrAllocated < 0 || nrAllocated > nrBlocks) {
            throw new CorruptMetadataException(BlockType.SUPERBLOCK, 0, what + " root: nr_allocated " + Long.toUnsignedString(nrAllocated)
                    + " does not fit nr_blocks " + Long.toUnsignedString(nrBlocks));
        }
        if (bitmapRoot <= 0) {
            throw new CorruptMetadataException(BlockType.SUPERBLOCK, 0, what + " root: bitmap_root is " + bitmapRoot
                    + " (block 0 is the superblock; the map was never written)");
        }
        if (refCountRoot <= 0) {
            throw new CorruptMetadataException(BlockType.SUPERBLOCK, 0, what + " root: ref_count_root is " + refCountRoot
                    + " (block 0 is the superblock; the map was never written)");
        }
    }

    /** Free blocks as the root records them ({@code nr_blocks - nr_allocated}). */
    public long nrFree() {
        return nrBlocks - nrAllocated;
    }
}
