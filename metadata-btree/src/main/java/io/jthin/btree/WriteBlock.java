package io.jthin.btree;

/**
 * A writable metadata block: one allocated or shadowed in the current transaction. The
 * checksum and the block-number field are filled in when the block is written out; callers
 * never compute them.
 */
public interface WriteBlock extends ReadBlock {
    void putLong(int offset, long value);

    void putInt(int offset, int value);

    void putBytes(int offset, byte[] src, int srcOffset, int length);

    /** Moves {@code length} bytes inside the block from {@code from} to {@code to} (ranges may overlap). */
    void move(int from, int to, int length);

    /** Copies {@code length} bytes from another block. */
    void copyFrom(ReadBlock src, int srcOffset, int dstOffset, int length);

    /** Zeroes {@code length} bytes at {@code offset}. */
    void zero(int offset, int length);
}
