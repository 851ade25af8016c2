package io.jthin.engine.tools;

/**
 * Which data blocks are mapped once and which more than once, across all devices: the first
 * pass of {@code thin_ls}'s exclusive/shared figures (dm-thin-format §8.2). Sharing is decided by
 * walking the mappings, not from the data space map's reference counts (a kernel-style shared
 * subtree has count 1 yet its blocks are shared). Two mappings of one data block inside the same
 * device also make it shared, as in 0.9.0.
 *
 * <p>Owns two bits per data block (seen, seen twice), so memory is {@code nrDataBlocks / 4}
 * bytes: 4 MiB for a 1 TiB pool of 64 KiB blocks. Usage: {@link #map} every mapping of every
 * device, then ask {@link #isExclusive} per mapping of a device to count its exclusive blocks.
 */
public final class DataBlockSharing {

    private final long nrDataBlocks;
    private final long[] seen;
    private final long[] seenTwice;

    public DataBlockSharing(long nrDataBlocks) {
        if (nrDataBlocks < 0 || (nrDataBlocks + 63) >>> 6 > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("unsupported number of data blocks: " + nrDataBlocks);
        }
        this.nrDataBlocks = nrDataBlocks;
        int words = (int) ((nrDataBlocks + 63) >>> 6);
        this.seen = new long[words];
        this.seenTwice = new long[words];
    }

    /** Records one mapping to {@code dataBlock}. */
    public void map(long dataBlock) {
        check(dataBlock);
        int word = (int) (dataBlock >>> 6);
        long bit = 1L << dataBlock;
        if ((seen[word] & bit) != 0) {
            seenTwice[word] |= bit;
        } else {
            seen[word] |= bit;
        }
    }

    /** Records {@code length} mappings to {@code dataBegin, dataBegin + 1, ...}. */
    public void mapRun(long dataBegin, long length) {
        for (long i = 0; i < length; i++) {
            map(dataBegin + i);
        }
    }

    /** True when exactly one mapping of all those recorded uses {@code dataBlock}. */
    public boolean isExclusive(long dataBlock) {
        check(dataBlock);
        int word = (int) (dataBlock >>> 6);
        long bit = 1L << dataBlock;
        return (seen[word] & bit) != 0 && (seenTwice[word] & bit) == 0;
    }

    /** How many blocks of {@code dataBegin .. dataBegin + length - 1} are exclusive. */
    public long countExclusive(long dataBegin, long length) {
        long n = 0;
        for (long i = 0; i < length; i++) {
            if (isExclusive(dataBegin + i)) {
                n++;
            }
        }
        return n;
    }

    private void check(long dataBlock) {
        if (dataBlock < 0 || dataBlock >= nrDataBlocks) {
            throw new IllegalArgumentException("data block " + Long.toUnsignedString(dataBlock)
                    + " beyond the end of the data device (" + nrDataBlocks + " blocks)");
        }
    }
}
