package io.jthin.engine.tools;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import io.jthin.snapshot.MetadataVisitor;
import java.util.ArrayList;
import java.util.List;

/**
 * The allocation map of one thin volume, like {@code qemu-img map}: the volume cut into extents,
 * each either mapped (to a contiguous range of the data file, at {@code dataOffset}) or a hole
 * (reads as zeros). Adjacent mapped blocks whose data blocks are also adjacent form one extent.
 * Extents cover {@code [0, volumeSize)} exactly, in order; mappings past the volume size are cut
 * off. Immutable.
 */
public record VolumeExtents(long devId, long volumeSize, List<Extent> extents) {

    /**
     * One extent.
     *
     * @param start      byte offset in the volume
     * @param length     bytes
     * @param mapped     true when backed by data blocks; false for a hole
     * @param dataOffset byte offset in the pool's data file (−1 for a hole)
     */
    public record Extent(long start, long length, boolean mapped, long dataOffset) {
    }

    public VolumeExtents {
        extents = List.copyOf(extents);
    }

    /** Walks the device's mappings. */
    public static VolumeExtents of(MetadataWalk walk, long devId, long volumeSize, long blockBytes) {
        List<Extent> out = new ArrayList<>();
        long[] run = {-1, 0, 0}; // first vblock, first data block, length in blocks
        long[] covered = {0};
        walk.accept(new MetadataVisitor() {
            @Override
            public void mapping(long id, long vblock, long dataBlock, long time) {
                if (run[2] > 0 && vblock == run[0] + run[2] && dataBlock == run[1] + run[2]) {
                    run[2]++;
                    return;
                }
                emit();
                run[0] = vblock;
                run[1] = dataBlock;
                run[2] = 1;
            }

            @Override
            public void endDevice(long id) {
                emit();
            }

            private void emit() {
                if (run[2] == 0) {
                    return;
                }
                long start = run[0] * blockBytes;
                long end = Math.min((run[0] + run[2]) * blockBytes, volumeSize);
                run[2] = 0;
                if (start >= volumeSize) {
                    return;
                }
                if (start > covered[0]) {
                    out.add(new Extent(covered[0], start - covered[0], false, -1));
                }
                out.add(new Extent(start, end - start, true, run[1] * blockBytes));
                covered[0] = end;
            }
        }, false, devId);
        if (covered[0] < volumeSize) {
            out.add(new Extent(covered[0], volumeSize - covered[0], false, -1));
        }
        return new VolumeExtents(devId, volumeSize, out);
    }

    /** Bytes of the volume backed by data blocks. */
    public long mappedBytes() {
        return extents.stream().filter(Extent::mapped).mapToLong(Extent::length).sum();
    }

    /**
     * {@code qemu-img map --output=json}'s shape: one object per extent with start, length, depth,
     * present, zero, data and (mapped only) offset.
     */
    public JsonArray toJson() {
        JsonArray a = new JsonArray();
        for (Extent e : extents) {
            JsonObject o = new JsonObject();
            o.addProperty("start", e.start());
            o.addProperty("length", e.length());
            o.addProperty("depth", 0);
            o.addProperty("present", e.mapped());
            o.addProperty("zero", !e.mapped());
            o.addProperty("data", e.mapped());
            if (e.mapped()) {
                o.addProperty("offset", e.dataOffset());
            }
            a.add(o);
        }
        return a;
    }

    /** The mapped extents as a table: start, length, offset in the data file. */
    public String table() {
        StringBuilder s = new StringBuilder(String.format("%-20s%-20s%-20s%s%n", "Offset", "Length", "Mapped to",
                "File"));
        for (Extent e : extents) {
            if (e.mapped()) {
                s.append(String.format("0x%-18x0x%-18x0x%-18x%s%n", e.start(), e.length(), e.dataOffset(),
                        "devicemapper/data"));
            }
        }
        return s.toString();
    }
}
