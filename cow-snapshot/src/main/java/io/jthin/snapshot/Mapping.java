package io.jthin.snapshot;

/**
 * The answer of a mapping lookup: where a thin device's virtual block lives, when it was mapped,
 * and whether another device may reference the same data block (dm-thin-format §6.5), in which
 * case a write must copy the block first.
 */
public record Mapping(long dataBlock, long time, boolean shared) {
}
