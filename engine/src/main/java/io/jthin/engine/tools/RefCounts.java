package io.jthin.engine.tools;

import java.util.HashMap;
import java.util.Map;

/**
 * Expected reference counts of a range of blocks, built by the checker's walk: one byte per block
 * and a map for the rare counts of 255 or more. Memory is {@code size} bytes (1.6 MB for a
 * 100 GiB pool of 64 KiB blocks). Not thread-safe.
 */
final class RefCounts {
    private static final int BIG = 255;
    private final long size;
    private final byte[] small;
    private final Map<Long, Long> big = new HashMap<>();

    RefCounts(long size) {
        if (size < 0 || size > Integer.MAX_VALUE - 16) {
            throw new IllegalArgumentException("cannot hold the counts of " + size + " blocks in memory");
        }
        this.size = size;
        this.small = new byte[(int) size];
    }

    long size() {
        return size;
    }

    boolean contains(long block) {
        return block >= 0 && block < size;
    }

    void inc(long block) {
        int i = (int) block;
        int v = small[i] & 0xFF;
        if (v < BIG - 1) {
            small[i] = (byte) (v + 1);
        } else if (v == BIG - 1) {
            small[i] = (byte) BIG;
            big.put(block, (long) BIG);
        } else {
            big.merge(block, 1L, Long::sum);
        }
    }

    /** True when blocks {@code [from, from + n)} all lie inside and all have count {@code value} (0..254). */
    boolean allEqual(long from, int n, int value) {
        if (from < 0 || from + n > size || value < 0 || value >= BIG) {
            return false;
        }
        byte v = (byte) value;
        for (int i = (int) from, end = i + n; i < end; i++) {
            if (small[i] != v) {
                return false;
            }
        }
        return true;
    }

    long get(long block) {
        int v = small[(int) block] & 0xFF;
        return v < BIG ? v : big.get(block);
    }
}
