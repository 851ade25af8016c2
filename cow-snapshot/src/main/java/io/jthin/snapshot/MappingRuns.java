package io.jthin.snapshot;

import java.util.Arrays;

/**
 * The mappings of one bottom-level tree, recorded during a walk as runs — virtual block, data
 * block, length, time — so that a walk can give a second device whose mapping root is the same
 * block (a snapshot not written since it was taken shares its origin's whole tree) the same
 * mappings without reading the tree again. A run grows while the next mapping follows on in both
 * virtual and data block with the same time. At most {@code maxRuns} are kept: past that the
 * recording is {@linkplain #overflowed() given up} and its memory dropped. Not thread-safe.
 */
final class MappingRuns {
    private static final int FIELDS = 4; // virtual begin, data begin, length, time
    private final int maxRuns;
    private long[] runs = new long[FIELDS * 16];
    private int size; // runs recorded
    private boolean overflowed;

    MappingRuns(int maxRuns) {
        this.maxRuns = maxRuns;
    }

    /** Records the next mapping (virtual blocks increasing). */
    void add(long virtualBlock, long dataBlock, long time) {
        if (overflowed) {
            return;
        }
        if (size > 0) {
            int last = (size - 1) * FIELDS;
            long length = runs[last + 2];
            if (virtualBlock == runs[last] + length && dataBlock == runs[last + 1] + length && time == runs[last + 3]) {
                runs[last + 2] = length + 1;
                return;
            }
        }
        if (size == maxRuns) {
            overflowed = true;
            runs = null;
            return;
        }
        if ((size + 1) * FIELDS > runs.length) {
            runs = Arrays.copyOf(runs, (int) Math.min((long) runs.length * 2, (long) maxRuns * FIELDS));
        }
        int at = size * FIELDS;
        runs[at] = virtualBlock;
        runs[at + 1] = dataBlock;
        runs[at + 2] = 1;
        runs[at + 3] = time;
        size++;
    }

    /** True when more than {@code maxRuns} runs came: nothing is kept. */
    boolean overflowed() {
        return overflowed;
    }

    int size() {
        return overflowed ? -1 : size;
    }

    /** Gives {@code v} every recorded run as {@link MetadataVisitor#mappingRun} of {@code devId}. */
    void replay(long devId, MetadataVisitor v) {
        if (overflowed) {
            throw new IllegalStateException("the recording overflowed: nothing to replay");
        }
        for (int at = 0; at < size * FIELDS; at += FIELDS) {
            v.mappingRun(devId, runs[at], runs[at + 1], runs[at + 2], runs[at + 3]);
        }
    }
}
