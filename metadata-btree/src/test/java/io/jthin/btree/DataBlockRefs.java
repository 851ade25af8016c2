package io.jthin.btree;

import java.util.Arrays;

/**
 * Test stand-in for the data space map: reference counts of "data blocks" that tree values point
 * at, with a committed copy for aborts, and value types of 4, 8, 16 or 24 bytes whose inc/dec
 * change these counts. Values wider than 8 bytes carry a filler derived from the block number
 * that {@code read} verifies, so a value read from the wrong place is caught.
 */
final class DataBlockRefs {
    private final long[] counts;
    private final long[] committed;
    /** Blocks whose count changed since the last commit (may repeat). */
    private int[] touched = new int[1024];
    private int nrTouched;

    DataBlockRefs(int nrBlocks) {
        counts = new long[nrBlocks];
        committed = new long[nrBlocks];
    }

    private void touch(int b) {
        if (nrTouched == touched.length) {
            touched = Arrays.copyOf(touched, touched.length * 2);
        }
        touched[nrTouched++] = b;
    }

    int nrBlocks() {
        return counts.length;
    }

    long count(long block) {
        return counts[Math.toIntExact(block)];
    }

    void inc(long block) {
        int b = Math.toIntExact(block);
        counts[b]++;
        touch(b);
    }

    void dec(long block) {
        int b = Math.toIntExact(block);
        if (counts[b] <= 0) {
            throw new AssertionError("data block " + block + " count would go below 0");
        }
        counts[b]--;
        touch(b);
    }

    void commit() {
        for (int i = 0; i < nrTouched; i++) {
            committed[touched[i]] = counts[touched[i]];
        }
        nrTouched = 0;
    }

    void abort() {
        for (int i = 0; i < nrTouched; i++) {
            counts[touched[i]] = committed[touched[i]];
        }
        nrTouched = 0;
    }

    long[] snapshot() {
        return counts.clone();
    }

    long total() {
        return Arrays.stream(counts).sum();
    }

    /** Values are data block numbers, {@code size} bytes on disk; inc/dec change this map's counts. */
    ValueType<Long> valueType(int size) {
        if (size != 4 && size != 8 && size != 16 && size != 24) {
            throw new IllegalArgumentException("size " + size);
        }
        return new ValueType<>() {
            @Override
            public int size() {
                return size;
            }

            @Override
            public Long read(ReadBlock b, int offset) {
                if (size == 4) {
                    return (long) b.getInt(offset);
                }
                long v = b.getLong(offset);
                for (int o = 8; o < size; o += 8) {
                    long filler = b.getLong(offset + o);
                    if (filler != filler(v, o)) {
                        throw new AssertionError("value at block " + b.location() + " offset " + offset
                                + " has a torn filler: " + v + " / " + filler);
                    }
                }
                return v;
            }

            @Override
            public void write(WriteBlock b, int offset, Long value) {
                if (size == 4) {
                    b.putInt(offset, Math.toIntExact(value));
                    return;
                }
                b.putLong(offset, value);
                for (int o = 8; o < size; o += 8) {
                    b.putLong(offset + o, filler(value, o));
                }
            }

            @Override
            public void inc(Long value) {
                DataBlockRefs.this.inc(value);
            }

            @Override
            public void dec(Long value) {
                DataBlockRefs.this.dec(value);
            }

            @Override
            public String toString() {
                return "data ref (" + size + " bytes)";
            }
        };
    }

    private static long filler(long v, int o) {
        return (v * 0x9E3779B97F4A7C15L) ^ o;
    }
}
