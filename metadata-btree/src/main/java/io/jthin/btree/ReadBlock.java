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

    /**
     * Reads {@code count} consecutive 64-bit fields from {@code offset} into {@code dst[dstOffset…]},
     * as {@code count} calls of {@link #getLong} would (a node's keys or 8-byte values, a bitmap's
     * words): one call a node rather than a call a field in walks over a whole pool, which matters
     * most before the JIT has compiled them. Implementations may copy in bulk.
     */
    default void getLongs(int offset, long[] dst, int dstOffset, int count) {
        for (int i = 0; i < count; i++) {
            dst[dstOffset + i] = getLong(offset + 8 * i);
        }
    }
}
