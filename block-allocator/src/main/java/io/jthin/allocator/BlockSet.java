package io.jthin.allocator;

import java.util.Arrays;
import org.roaringbitmap.RoaringBitmap;
import org.roaringbitmap.RoaringBitmapWriter;

/**
 * A set of block numbers (0 … 2^63) over RoaringBitmap: one 32-bit {@link RoaringBitmap} per
 * 2^32-block chunk, so data maps beyond 4 Gi blocks (40-bit data block numbers) keep Roaring's fast
 * 32-bit operations, including {@link RoaringBitmap#nextValue(int)} for the allocator's search.
 *
 * <p>Invariants: {@code chunks[h]} holds the low 32 bits of the members whose high 32 bits are
 * {@code h}, or is null when it holds none yet; {@link #size()} is the exact cardinality. Not
 * thread-safe (used under the owning space map's lock).
 */
final class BlockSet {
    private static final RoaringBitmap[] NO_CHUNKS = new RoaringBitmap[0];
    private RoaringBitmap[] chunks = NO_CHUNKS;
    private long size;

    private static int high(long block) {
        return (int) (block >>> 32);
    }

    private RoaringBitmap chunkForWrite(int h) {
        if (h >= chunks.length) {
            chunks = Arrays.copyOf(chunks, h + 1);
        }
        RoaringBitmap rb = chunks[h];
        if (rb == null) {
            rb = new RoaringBitmap();
            chunks[h] = rb;
        }
        return rb;
    }

    /** Adds {@code block}; returns true when it was absent. */
    boolean add(long block) {
        boolean added = chunkForWrite(high(block)).checkedAdd((int) block);
        if (added) {
            size++;
        }
        return added;
    }

    /** Removes {@code block}; returns true when it was present. */
    boolean remove(long block) {
        int h = high(block);
        if (h >= chunks.length || chunks[h] == null) {
            return false;
        }
        boolean removed = chunks[h].checkedRemove((int) block);
        if (removed) {
            size--;
        }
        return removed;
    }

    boolean contains(long block) {
        int h = high(block);
        return h < chunks.length && chunks[h] != null && chunks[h].contains((int) block);
    }

    /** Adds every block of {@code [from, to)}. */
    void addRange(long from, long to) {
        while (from < to) {
            int h = high(from);
            long chunkEnd = Math.min(to, ((long) h + 1) << 32);
            RoaringBitmap rb = chunkForWrite(h);
            long before = rb.getLongCardinality();
            rb.add(from & 0xFFFF_FFFFL, chunkEnd - ((long) h << 32));
            size += rb.getLongCardinality() - before;
            from = chunkEnd;
        }
    }

    /** The smallest member ≥ {@code from}, or −1. */
    long nextValue(long from) {
        for (int h = high(from); h < chunks.length; h++) {
            RoaringBitmap rb = chunks[h];
            if (rb == null) {
                continue;
            }
            long v = rb.nextValue(h == high(from) ? (int) from : 0);
            if (v >= 0) {
                return ((long) h << 32) | v;
            }
        }
        return -1;
    }

    /** Adds every member of {@code other}. */
    void addAll(BlockSet other) {
        for (int h = 0; h < other.chunks.length; h++) {
            RoaringBitmap o = other.chunks[h];
            if (o != null && !o.isEmpty()) {
                RoaringBitmap rb = chunkForWrite(h);
                // cardinalities of the (small) argument and the overlap, not of the (large) receiver
                size += o.getLongCardinality() - RoaringBitmap.andCardinality(rb, o);
                rb.or(o);
            }
        }
    }

    void clear() {
        chunks = NO_CHUNKS;
        size = 0;
    }

    long size() {
        return size;
    }

    boolean isEmpty() {
        return size == 0;
    }

    /** Visits the members in increasing order. */
    void forEach(java.util.function.LongConsumer consumer) {
        for (int h = 0; h < chunks.length; h++) {
            RoaringBitmap rb = chunks[h];
            if (rb != null) {
                long base = (long) h << 32;
                rb.forEach((int v) -> consumer.accept(base | (v & 0xFFFF_FFFFL)));
            }
        }
    }

    /** Compacts runs (after a bulk build) and returns the heap bytes Roaring reports for the set. */
    long optimize() {
        long bytes = 0;
        for (RoaringBitmap rb : chunks) {
            if (rb != null) {
                rb.runOptimize();
                rb.trim();
                bytes += rb.getLongSizeInBytes();
            }
        }
        return bytes;
    }

    /** Heap bytes Roaring reports for the set (an estimate: containers plus per-chunk overhead). */
    long sizeInBytes() {
        long bytes = 16L + 8L * chunks.length;
        for (RoaringBitmap rb : chunks) {
            if (rb != null) {
                bytes += rb.getLongSizeInBytes();
            }
        }
        return bytes;
    }

    /**
     * Builds a set from members given in increasing order, through {@link RoaringBitmapWriter}
     * (much faster than one {@code add} per member when loading a space map).
     */
    static final class Builder {
        private final BlockSet set = new BlockSet();
        private RoaringBitmapWriter<RoaringBitmap> writer;
        private int writerChunk = -1;
        private long last = -1;

        void add(long block) {
            if (block <= last) {
                throw new IllegalArgumentException("BlockSet.Builder needs increasing blocks: " + block + " after " + last);
            }
            last = block;
            int h = high(block);
            if (h != writerChunk) {
                finishChunk();
                writer = RoaringBitmapWriter.writer().constantMemory().runCompress(true).get();
                writerChunk = h;
            }
            writer.add((int) block);
            set.size++;
        }

        private void finishChunk() {
            if (writer != null) {
                writer.flush();
                RoaringBitmap rb = writer.getUnderlying();
                if (writerChunk >= set.chunks.length) {
                    set.chunks = Arrays.copyOf(set.chunks, writerChunk + 1);
                }
                set.chunks[writerChunk] = rb;
                writer = null;
            }
        }

        /** Adds {@code [from, to)}, which must lie above every block added so far. */
        void addRange(long from, long to) {
            if (from <= last || to <= from) {
                throw new IllegalArgumentException("BlockSet.Builder needs increasing ranges: [" + from + ", " + to
                        + ") after " + last);
            }
            while (from < to) {
                int h = high(from);
                long chunkEnd = Math.min(to, ((long) h + 1) << 32);
                if (h != writerChunk) {
                    finishChunk();
                    writer = RoaringBitmapWriter.writer().constantMemory().runCompress(true).get();
                    writerChunk = h;
                }
                writer.add(from & 0xFFFF_FFFFL, chunkEnd - ((long) h << 32));
                set.size += chunkEnd - from;
                from = chunkEnd;
            }
            last = to - 1;
        }

        BlockSet build() {
            finishChunk();
            return set;
        }
    }
}
