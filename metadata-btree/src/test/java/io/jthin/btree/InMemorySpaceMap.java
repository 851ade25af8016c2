package io.jthin.btree;

import java.util.Arrays;

/**
 * A plain in-memory {@link SpaceMap} for tests of this module: counts in a {@code long[]}, the
 * committed copy in another, allocation front to back from a cursor, only blocks free in both.
 * Published in the test-jar so tests above can use it too.
 */
public final class InMemorySpaceMap implements SpaceMap {
    private long[] counts;
    private long[] committed;
    private long allocated;
    private long cursor;

    public InMemorySpaceMap(long nrBlocks) {
        counts = new long[Math.toIntExact(nrBlocks)];
        committed = new long[counts.length];
    }

    @Override
    public long nrBlocks() {
        return counts.length;
    }

    @Override
    public long nrAllocated() {
        return allocated;
    }

    @Override
    public long nrFree() {
        long free = 0;
        for (int i = 0; i < counts.length; i++) {
            if (counts[i] == 0 && committed[i] == 0) {
                free++;
            }
        }
        return free;
    }

    @Override
    public long refCount(long block) {
        return counts[Math.toIntExact(block)];
    }

    @Override
    public void inc(long block, long delta) {
        int b = Math.toIntExact(block);
        long before = counts[b];
        long after = before + delta;
        if (after < 0) {
            throw new IllegalStateException("reference count of block " + block + " would go below 0");
        }
        counts[b] = after;
        if (before == 0 && after > 0) {
            allocated++;
        } else if (before > 0 && after == 0) {
            allocated--;
        }
    }

    @Override
    public long newBlock() {
        for (int pass = 0; pass < 2; pass++) {
            for (long i = pass == 0 ? cursor : 0; i < (pass == 0 ? counts.length : cursor); i++) {
                int b = (int) i;
                if (counts[b] == 0 && committed[b] == 0) {
                    inc(b, 1);
                    cursor = i + 1;
                    return i;
                }
            }
        }
        throw new OutOfMetadataSpaceException(counts.length);
    }

    @Override
    public void extend(long extraBlocks) {
        counts = Arrays.copyOf(counts, Math.toIntExact(counts.length + extraBlocks));
        committed = Arrays.copyOf(committed, counts.length);
    }

    @Override
    public void commit() {
        committed = counts.clone();
    }

    /** Back to the committed counts (what an abort does). */
    public void abort() {
        counts = committed.clone();
        allocated = Arrays.stream(counts).filter(c -> c > 0).count();
    }

    /** A copy of the current counts, for assertions. */
    public long[] snapshot() {
        return counts.clone();
    }
}
