package io.jthin.engine;

/** What a newly allocated data block is known to hold before its first write: how much zeroing it needs. */
enum BlockContent {
    /** Reads as zeros (a hole): nothing to zero. */
    ZEROS,
    /** May hold old data (the device said so, or cannot tell): zero it without asking again. */
    MAY_HOLD_DATA,
    /** Not asked: {@link DataBlocks#zero(long)} asks the device, then zeroes if needed. */
    UNKNOWN
}
