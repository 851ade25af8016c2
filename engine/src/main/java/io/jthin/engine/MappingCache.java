package io.jthin.engine;

import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * The read path's lookups, remembered: (thin device, virtual block) → data block (or unmapped), in
 * a fixed direct-mapped table of immutable entries. A lookup in the mapping tree walks two 4 KiB
 * nodes with a binary search each, some twenty cache lines; under a workload that streams data
 * through the CPU caches (4 KiB random reads over 1 GiB) most of them miss, and that was the gap
 * between a volume's reads and the raw file's. A hit here touches two lines (the slot and its entry).
 *
 * <p>Validity. Each entry carries the {@code PoolMetadata.mappingGeneration()} read <em>before</em> the
 * lookup it records, and is used only while the generation is unchanged: every change that may
 * remove or alter a mapping bumps it (delete, discard, abort, …), except an insert, after which the
 * pool {@link #put}s the new mapping itself, under the written block's lock and the metadata lock.
 * So a hit returns what a lookup at that moment would: readers hold the block's lock (shared), which
 * excludes the writers and discards of that block, and a change of any other kind bumps the
 * generation before it finishes. An entry made from a lookup that raced with a change carries the
 * older generation and is never used.
 *
 * <p>The write path's lookups are remembered here too, with what they alone know: that the block is
 * the device's own ({@link #getExclusive}), so a write may go to it in place. Only a snapshot or a
 * restore can make a block shared, and both bump the generation; an insert maps a fresh block, the
 * device's own. A read's put, which does not know, replaces such an entry with one that does not say.
 *
 * <p>Lossy: a slot holds one entry; a colliding put replaces it (no eviction policy, no locks).
 * Memory: {@link #SLOTS} references plus the entries, about 3 MiB when full. Thread-safe.
 */
final class MappingCache {
    /** Returned by {@link #get} when the table has no valid entry. */
    static final long MISS = -2;
    /** Table size: a 4 GiB volume of 64 KiB blocks fits whole (sequential blocks take sequential slots). */
    static final int SLOTS = 1 << 16;

    private record Entry(long devId, long virtualBlock, long dataBlock, long generation, boolean exclusive) {
    }

    private final AtomicReferenceArray<Entry> slots = new AtomicReferenceArray<>(SLOTS);

    /** The data block of the virtual block (−1: unmapped) as recorded under {@code generation}, or {@link #MISS}. */
    long get(long devId, long virtualBlock, long generation) {
        Entry e = slots.getAcquire(slotOf(devId, virtualBlock));
        if (e != null && e.virtualBlock == virtualBlock && e.devId == devId && e.generation == generation) {
            return e.dataBlock;
        }
        return MISS;
    }

    /**
     * The data block of the virtual block as recorded under {@code generation} by a lookup that found it
     * the device's own (not shared), or {@link #MISS} (not recorded, or not known to be the device's own).
     */
    long getExclusive(long devId, long virtualBlock, long generation) {
        Entry e = slots.getAcquire(slotOf(devId, virtualBlock));
        if (e != null && e.exclusive && e.virtualBlock == virtualBlock && e.devId == devId && e.generation == generation) {
            return e.dataBlock;
        }
        return MISS;
    }

    /** Records a read's lookup ({@code dataBlock} −1 for unmapped) made under {@code generation}. */
    void put(long devId, long virtualBlock, long dataBlock, long generation) {
        slots.setRelease(slotOf(devId, virtualBlock), new Entry(devId, virtualBlock, dataBlock, generation, false));
    }

    /** Records that {@code dataBlock} is the device's own mapping of the virtual block, under {@code generation}. */
    void putExclusive(long devId, long virtualBlock, long dataBlock, long generation) {
        slots.setRelease(slotOf(devId, virtualBlock), new Entry(devId, virtualBlock, dataBlock, generation, true));
    }

    /** Consecutive blocks of a device take consecutive slots; devices are spread by a golden-ratio offset. */
    private static int slotOf(long devId, long virtualBlock) {
        return (int) ((virtualBlock + devId * 0x9E3779B97F4A7C15L) & (SLOTS - 1));
    }
}
