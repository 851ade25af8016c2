package io.jthin.snapshot;

/**
 * A mapping value of the bottom-level mapping tree (dm-thin-format §4.4): a data block and the
 * pool time at which the mapping was made, packed in one u64.
 *
 * <pre>
 * raw (u64) = (data_block &lt;&lt; 24) | (time &amp; 0xFFFFFF)
 * data_block = raw &gt;&gt;&gt; 24   (40 bits)
 * time       = raw &amp; 0xFFFFFF (24 bits)
 * </pre>
 */
public record BlockTime(long dataBlock, long time) {
    public static final int TIME_BITS = 24;
    public static final long TIME_MASK = (1L << TIME_BITS) - 1;
    /** Data blocks are 40 bits. */
    public static final long MAX_DATA_BLOCK = (1L << 40) - 1;

    public BlockTime {
        if (dataBlock < 0 || dataBlock > MAX_DATA_BLOCK) {
            throw new IllegalArgumentException("data block " + dataBlock + " does not fit in 40 bits");
        }
        if (time < 0 || time > TIME_MASK) {
            throw new IllegalArgumentException("time " + time + " does not fit in 24 bits");
        }
    }

    public static long pack(long dataBlock, long time) {
        return (dataBlock << TIME_BITS) | (time & TIME_MASK);
    }

    public static long dataBlockOf(long raw) {
        return raw >>> TIME_BITS;
    }

    public static long timeOf(long raw) {
        return raw & TIME_MASK;
    }

    public static BlockTime unpack(long raw) {
        return new BlockTime(dataBlockOf(raw), timeOf(raw));
    }

    public long pack() {
        return pack(dataBlock, time);
    }
}
