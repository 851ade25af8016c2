package io.jthin.allocator;

/**
 * A low-water mark registered on a space map with {@link RefCountSpaceMap#addThreshold}. Its callback
 * runs once each time the map's free blocks fall to or below {@link #freeBlocksMark()}, and is
 * re-armed when free blocks rise above the mark again. {@link #close()} unregisters it.
 */
public interface SpaceMapThreshold extends AutoCloseable {
    /** The mark, in free blocks of the map's unit. */
    long freeBlocksMark();

    /** True while the callback will fire at the next fall to or below the mark. */
    boolean armed();

    /** Unregisters the mark. */
    @Override
    void close();
}
