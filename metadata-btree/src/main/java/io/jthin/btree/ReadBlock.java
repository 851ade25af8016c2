package io.jthin.btree;

/**
 * A read-only view of one 4 KiB metadata block, little-endian. Handed out for reads by the
 * {@link TransactionManager}; only a {@link WriteBlock} may change a block (copy-on-write is a type rule).
 */
public interface ReadBlock {
    /** This block's location in the metadata device (4 KiB units). */
    long location();

    long getLong(int offset);

    int getInt(int offset);

    /** An unsigned 32-bit field widened to a long. */
    default long getUnsignedInt(int offset) {
        return getInt(offset) & 0xFFFF_FFFFL;
    }

    /** Copies {@code length} bytes at {@code offset} into {@code dst[dstOffset…]}. */
    void getBytes(int offset, byte[] dst, int dstOffset, int length);
}
