package io.jthin.allocator;

import io.jthin.btree.ReadBlock;
import io.jthin.btree.WriteBlock;
import java.util.Arrays;

/**
 * Layout of a space-map bitmap block (dm-thin-format §5.1): a 16-byte header and 16320 two-bit
 * reference counts. Owns the header offsets, the entry count and the bit encoding; the in-memory
 * form of a bitmap is the same 510 {@code u64} words as on disk ({@link #newWords()}), so that
 * encoding and decoding are word copies.
 *
 * <pre>
 * | offset | size       | field                                   |
 * |--------|------------|-----------------------------------------|
 * | 0      | u32        | csum (salt 240779, filled by the BlockManager) |
 * | 4      | u32        | not_used (0)                            |
 * | 8      | u64        | blocknr (own location)                  |
 * | 16     | 4080 bytes | 16320 two-bit entries = 510 LE u64 words |
 * </pre>
 *
 * <p>Bit encoding (subtle, verified against {@code thin_restore}'s bytes): entry {@code e} lives in word
 * {@code e / 32} at bit {@code p = 2 × (e mod 32)} from the least-significant end, and
 * {@code value = 2 × bit(p) + bit(p + 1)}: bit {@code p} is the HIGH bit. Four entries of count 1
 * make byte {@code 0xAA}, of count 2 {@code 0x55}, of count 3 {@code 0xFF}. Value 3 means "3 or more;
 * the exact count is in the overflow ref-count tree".
 *
 * <p>Stateless (static methods over a caller-owned {@code long[]}); thread-safety is the caller's.
 */
public final class BitmapBlock {
    /** Offset of the unused u32 after the checksum. */
    public static final int NOT_USED_OFFSET = 4;
    /** Bytes of header before the entries. */
    public static final int HEADER_SIZE = 16;
    /** Entries (blocks) one bitmap covers: (4096 − 16) × 4. */
    public static final int ENTRIES_PER_BITMAP = (4096 - HEADER_SIZE) * 4;
    /** Entries per 64-bit word. */
    public static final int ENTRIES_PER_WORD = 32;
    /** 64-bit words of entries in one bitmap. */
    public static final int WORDS = ENTRIES_PER_BITMAP / ENTRIES_PER_WORD;
    /** The largest count a bitmap holds exactly; {@link #OVERFLOW} means "look in the overflow tree". */
    public static final int MAX_SMALL_COUNT = 2;
    /** Two-bit value meaning "count ≥ 3, see the overflow ref-count tree". */
    public static final int OVERFLOW = 3;

    /** Even bit positions: the HIGH bit of each entry. */
    private static final long HIGH_BITS = 0x5555_5555_5555_5555L;

    private BitmapBlock() {
    }

    /** A zeroed in-memory bitmap (all counts 0). */
    public static long[] newWords() {
        return new long[WORDS];
    }

    /** Index of the bitmap that covers {@code block}. */
    public static long bitmapIndex(long block) {
        return block / ENTRIES_PER_BITMAP;
    }

    /** Entry of {@code block} inside its bitmap. */
    public static int entryOf(long block) {
        return (int) (block % ENTRIES_PER_BITMAP);
    }

    /** Bitmaps needed to cover {@code nrBlocks} blocks. */
    public static long bitmapsFor(long nrBlocks) {
        return (nrBlocks + ENTRIES_PER_BITMAP - 1) / ENTRIES_PER_BITMAP;
    }

    /** Entries of bitmap {@code index} that lie below {@code nrBlocks}. */
    public static int entriesInUse(long index, long nrBlocks) {
        long first = index * ENTRIES_PER_BITMAP;
        return (int) Math.max(0, Math.min(ENTRIES_PER_BITMAP, nrBlocks - first));
    }

    /** The two-bit value (0..3) of entry {@code e}. */
    public static int get(long[] words, int e) {
        long w = words[e >>> 5];
        int p = (e & 31) << 1;
        return (int) ((((w >>> p) & 1) << 1) | ((w >>> (p + 1)) & 1));
    }

    /** The word whose 32 entries all hold {@code value} (0..3): 0 for all free. */
    public static long uniformWord(int value) {
        long[] w = new long[1];
        for (int e = 0; e < ENTRIES_PER_WORD; e++) {
            set(w, e, value);
        }
        return w[0];
    }

    /** Sets entry {@code e} to {@code value} (0..3). */
    public static void set(long[] words, int e, int value) {
        int p = (e & 31) << 1;
        long bits = ((long) ((value >>> 1) & 1) << p) | ((long) (value & 1) << (p + 1));
        int i = e >>> 5;
        words[i] = (words[i] & ~(3L << p)) | bits;
    }

    /** Mask with bit {@code 2k} set when entry {@code k} of the word is non-zero. */
    static long nonZeroMask(long word) {
        return (word | (word >>> 1)) & HIGH_BITS;
    }

    /** Mask with bit {@code 2k} set when entry {@code k} of the word is zero (free). */
    static long freeMask(long word) {
        return ~(word | (word >>> 1)) & HIGH_BITS;
    }

    /** Mask of the entries of a word below entry-in-word {@code n} (0..32), on their high bits. */
    private static long firstEntries(int n) {
        return n >= ENTRIES_PER_WORD ? HIGH_BITS : HIGH_BITS & ((1L << (2 * n)) - 1);
    }

    /** Entries among {@code [0, limit)} whose count is non-zero. */
    public static int countNonZero(long[] words, int limit) {
        int n = 0;
        for (int i = 0; i * ENTRIES_PER_WORD < limit; i++) {
            n += Long.bitCount(nonZeroMask(words[i]) & firstEntries(limit - i * ENTRIES_PER_WORD));
        }
        return n;
    }

    /** Entries among {@code [0, limit)} holding {@link #OVERFLOW}. */
    public static int countOverflow(long[] words, int limit) {
        int n = 0;
        for (int i = 0; i * ENTRIES_PER_WORD < limit; i++) {
            long w = words[i];
            n += Long.bitCount(w & (w >>> 1) & HIGH_BITS & firstEntries(limit - i * ENTRIES_PER_WORD));
        }
        return n;
    }

    /** The first entry in {@code [from, limit)} with count 0, or {@code limit} when there is none. */
    public static int firstFree(long[] words, int from, int limit) {
        for (int i = from >>> 5; i * ENTRIES_PER_WORD < limit; i++) {
            long m = freeMask(words[i]) & firstEntries(limit - i * ENTRIES_PER_WORD);
            if (i == from >>> 5) {
                m &= ~firstEntries(from & 31);
            }
            if (m != 0) {
                return i * ENTRIES_PER_WORD + (Long.numberOfTrailingZeros(m) >>> 1);
            }
        }
        return limit;
    }

    /** Sets every entry at or after {@code limit} to 0 (entries past the map's end are ignored by readers). */
    public static void clearFrom(long[] words, int limit) {
        if (limit >= ENTRIES_PER_BITMAP) {
            return;
        }
        int i = limit >>> 5;
        int inWord = limit & 31;
        words[i] &= inWord == 0 ? 0 : (1L << (2 * inWord)) - 1;
        Arrays.fill(words, i + 1, WORDS, 0);
    }

    /** Visits the free entries of {@code [0, limit)} in increasing order. */
    public static void forEachFree(long[] words, int limit, EntryConsumer consumer) {
        for (int i = 0; i * ENTRIES_PER_WORD < limit; i++) {
            long m = freeMask(words[i]) & firstEntries(limit - i * ENTRIES_PER_WORD);
            while (m != 0) {
                consumer.accept(i * ENTRIES_PER_WORD + (Long.numberOfTrailingZeros(m) >>> 1));
                m &= m - 1;
            }
        }
    }

    /** Receives a run of entries {@code [from, to)}. */
    @FunctionalInterface
    public interface RunConsumer {
        void accept(int from, int to);
    }

    /** Visits the maximal runs of free entries of {@code [0, limit)} in increasing order. */
    public static void forEachFreeRun(long[] words, int limit, RunConsumer consumer) {
        int runStart = -1;
        for (int i = 0; i * ENTRIES_PER_WORD < limit; i++) {
            int base = i * ENTRIES_PER_WORD;
            long valid = firstEntries(limit - base);
            long m = freeMask(words[i]) & valid;
            if (m == valid && valid == HIGH_BITS) {
                if (runStart < 0) {
                    runStart = base;
                }
                continue;
            }
            for (int k = 0; k < ENTRIES_PER_WORD && base + k < limit; k++) {
                if ((m & (1L << (2 * k))) != 0) {
                    if (runStart < 0) {
                        runStart = base + k;
                    }
                } else if (runStart >= 0) {
                    consumer.accept(runStart, base + k);
                    runStart = -1;
                }
            }
        }
        if (runStart >= 0) {
            consumer.accept(runStart, limit);
        }
    }

    /** Visits entries holding {@link #OVERFLOW} among {@code [0, limit)} in increasing order. */
    public static void forEachOverflow(long[] words, int limit, EntryConsumer consumer) {
        for (int i = 0; i * ENTRIES_PER_WORD < limit; i++) {
            long w = words[i];
            long m = w & (w >>> 1) & HIGH_BITS & firstEntries(limit - i * ENTRIES_PER_WORD);
            while (m != 0) {
                consumer.accept(i * ENTRIES_PER_WORD + (Long.numberOfTrailingZeros(m) >>> 1));
                m &= m - 1;
            }
        }
    }

    /** Receives an entry index. */
    @FunctionalInterface
    public interface EntryConsumer {
        void accept(int entry);
    }

    /** Writes the header's unused field and every entry into {@code block} (checksum and blocknr are sealed on write). */
    public static void encode(long[] words, WriteBlock block) {
        block.putInt(NOT_USED_OFFSET, 0);
        for (int i = 0; i < WORDS; i++) {
            block.putLong(HEADER_SIZE + 8 * i, words[i]);
        }
    }

    /** The entries of a bitmap block read (and checksum-validated) by the transaction manager. */
    public static long[] decode(ReadBlock block) {
        long[] words = new long[WORDS];
        block.getLongs(HEADER_SIZE, words, 0, WORDS);
        return words;
    }
}
