package io.jthin.engine.tools;

import io.jthin.snapshot.MetadataVisitor;
import io.jthin.snapshot.NoSuchDeviceException;
import io.jthin.snapshot.Superblock;
import java.io.IOException;
import java.io.Writer;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;

/**
 * {@code thin_delta --thin1 A --thin2 B}: the two devices' mappings, each collected as maximal runs
 * by one walk, merged by {@link ThinDeltaWriter} into 0.9.0's XML (plain or {@code --verbose}).
 * Memory is one record per run of each device. An unknown device id is a
 * {@link NoSuchDeviceException}. Stateless.
 */
public final class ThinDelta {

    private ThinDelta() {
    }

    /** Writes the delta of {@code left} and {@code right} to {@code out} as XML and flushes it. */
    public static void write(MetadataWalk walk, long left, long right, boolean metadataSnap, boolean verbose,
            Writer out) throws IOException {
        write(walk, left, right, metadataSnap, new ThinDeltaWriter(out, verbose));
    }

    /** Writes the delta through a new {@code w} (XML, or {@link ThinDeltaWriter#json JSON}) and flushes it. */
    public static void write(MetadataWalk walk, long left, long right, boolean metadataSnap, ThinDeltaWriter w)
            throws IOException {
        Side l = collect(walk, left, metadataSnap);
        Side r = left == right ? l : collect(walk, right, metadataSnap);
        Superblock sb = l.superblock;
        w.beginSuperblock(new ThinXml.Superblock("", sb.time, sb.transactionId, sb.flags & 0xFFFF_FFFFL,
                sb.version & 0xFFFF_FFFFL, sb.dataBlockSectors, l.nrDataBlocks,
                sb.heldRoot == 0 ? OptionalLong.empty() : OptionalLong.of(sb.heldRoot)));
        w.beginDiff(left, right);
        w.diff(l.runs.iterator(), r.runs.iterator());
        w.endDiff();
        w.endSuperblock();
        w.flush();
    }

    /** One device's runs and the superblock seen by its walk. */
    private static final class Side implements MetadataVisitor {
        Superblock superblock;
        long nrDataBlocks;
        boolean found;
        final List<ThinXml.MappingRun> runs = new ArrayList<>();
        private long origin = -1;
        private long data;
        private long length;
        private long time;

        @Override
        public void superblock(Superblock sb, long nr) {
            superblock = sb;
            nrDataBlocks = nr;
        }

        @Override
        public boolean device(long devId, io.jthin.snapshot.DeviceDetails details) {
            found = true;
            return true;
        }

        @Override
        public void mapping(long devId, long virtualBlock, long dataBlock, long t) {
            if (length > 0 && virtualBlock == origin + length && dataBlock == data + length) {
                length++;
                return;
            }
            flush();
            origin = virtualBlock;
            data = dataBlock;
            length = 1;
            time = t;
        }

        @Override
        public void endDevice(long devId) {
            flush();
        }

        private void flush() {
            if (length > 0) {
                runs.add(new ThinXml.MappingRun(origin, data, length, time));
                length = 0;
            }
        }
    }

    private static Side collect(MetadataWalk walk, long devId, boolean metadataSnap) {
        Side s = new Side();
        walk.accept(s, metadataSnap, devId);
        if (!s.found) {
            throw new NoSuchDeviceException(devId);
        }
        return s;
    }
}
