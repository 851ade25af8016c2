package io.jthin.engine.tools;

import io.jthin.snapshot.DeviceDetails;
import io.jthin.snapshot.MetadataVisitor;
import io.jthin.snapshot.Superblock;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;

/**
 * {@code thin_dump}: a walk of the pool's metadata ({@link MetadataWalk}) streamed through
 * {@link ThinDumpWriter}, byte for byte what 0.9.0 prints — superblock (the held copy's with
 * {@code metadataSnap}, whose {@code nr_data_blocks} is 0 as in the tool), devices in increasing
 * id, mappings grouped into runs. Constant memory whatever the pool's size. Stateless.
 */
public final class MetadataDumper {

    /**
     * What to dump, as thin_dump's options.
     *
     * @param metadataSnap {@code -m}: the held metadata snapshot instead of the live metadata
     * @param onlyDevice   {@code --dev-id N}, or null for every device
     * @param skipMappings {@code --skip-mappings}: devices without their mappings
     */
    public record Options(boolean metadataSnap, Long onlyDevice, boolean skipMappings) {
        public static Options all() {
            return new Options(false, null, false);
        }
    }

    private MetadataDumper() {
    }

    /** Writes the XML to {@code out} and flushes it (does not close it). */
    public static void dump(MetadataWalk walk, Writer out, Options options) throws IOException {
        dump(walk, new ThinDumpWriter(out), options);
    }

    /** Writes the dump through a new {@code w} (XML, or {@link ThinDumpWriter#json JSON}) and flushes it. */
    public static void dump(MetadataWalk walk, ThinDumpWriter w, Options options) throws IOException {
        if (options.skipMappings()) {
            w.skipMappings();
        }
        if (options.onlyDevice() != null) {
            w.onlyDevice(options.onlyDevice());
        }
        try {
            walk.accept(new Visitor(w, options.skipMappings()), options.metadataSnap(), options.onlyDevice());
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
        w.flush();
    }

    /** The XML superblock element of a superblock: 0.9.0 prints an empty uuid and no metadata_snap. */
    static ThinXml.Superblock xmlSuperblock(Superblock sb, long nrDataBlocks) {
        return ThinXml.Superblock.of(sb.time, sb.transactionId, sb.flags & 0xFFFF_FFFFL, sb.version & 0xFFFF_FFFFL,
                sb.dataBlockSectors, nrDataBlocks);
    }

    private static final class Visitor implements MetadataVisitor {
        private final ThinDumpWriter w;
        private final boolean skipMappings;

        Visitor(ThinDumpWriter w, boolean skipMappings) {
            this.w = w;
            this.skipMappings = skipMappings;
        }

        @Override
        public void superblock(Superblock sb, long nrDataBlocks) {
            io(() -> w.beginSuperblock(xmlSuperblock(sb, nrDataBlocks)));
        }

        @Override
        public boolean device(long devId, DeviceDetails d) {
            io(() -> w.beginDevice(new ThinXml.Device(devId, d.mappedBlocks(), d.transactionId(), d.creationTime(),
                    d.snapshottedTime())));
            return !skipMappings;
        }

        @Override
        public void mapping(long devId, long virtualBlock, long dataBlock, long time) {
            try { // no lambda here: this runs once a mapping
                w.mapping(virtualBlock, dataBlock, time);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        @Override
        public void mappingRun(long devId, long virtualBegin, long dataBegin, long length, long time) {
            try {
                w.mappingRun(virtualBegin, dataBegin, length, time);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        @Override
        public void endDevice(long devId) {
            io(w::endDevice);
        }

        @Override
        public void end() {
            io(w::endSuperblock);
        }
    }

    @FunctionalInterface
    interface IoAction {
        void run() throws IOException;
    }

    static void io(IoAction a) {
        try {
            a.run();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
