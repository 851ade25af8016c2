package io.jthin.engine.tools;

import io.jthin.snapshot.DeviceDetails;
import io.jthin.snapshot.MetadataVisitor;
import io.jthin.snapshot.Superblock;

/**
 * thin_dump's {@code --transaction-id}, {@code --data-block-size} and {@code --nr-data-blocks}
 * (hidden options of 0.9.0): values printed in the superblock instead of the metadata's, and with
 * {@code --repair} the fields of a superblock that cannot be read at all ({@link #standIn}). A null
 * field leaves the metadata's value. Immutable.
 *
 * @param transactionId    the superblock's transaction id
 * @param dataBlockSectors the data block size, in 512-byte sectors (not checked: as thin_dump)
 * @param nrDataBlocks     the number of data blocks
 */
public record SuperblockOverride(Long transactionId, Long dataBlockSectors, Long nrDataBlocks) {
    /** The time a stand-in superblock reports when no roots are found to take one from (0.9.0's). */
    static final long STAND_IN_TIME = 100_000;

    public boolean isEmpty() {
        return transactionId == null && dataBlockSectors == null && nrDataBlocks == null;
    }

    /** The first field a stand-in superblock lacks, in thin_dump's words, or null when none is missing. */
    public String missingForStandIn() {
        return transactionId == null ? "transaction id" : dataBlockSectors == null ? "data block size"
                : nrDataBlocks == null ? "nr data blocks" : null;
    }

    /**
     * A superblock to salvage with when the metadata's cannot be read: these fields, version 2,
     * no flags, and zero roots (a walk from them fails, and {@link RootSearch} is asked).
     *
     * @throws IllegalStateException if a field is missing ({@link #missingForStandIn})
     */
    public Superblock standIn() {
        String missing = missingForStandIn();
        if (missing != null) {
            throw new IllegalStateException("a stand-in superblock needs its " + missing);
        }
        Superblock s = new Superblock();
        s.transactionId = transactionId;
        s.dataBlockSectors = dataBlockSectors;
        s.time = STAND_IN_TIME;
        return s;
    }

    /** {@code walk}, reporting these values in its superblock. */
    public MetadataWalk applyTo(MetadataWalk walk) {
        if (isEmpty()) {
            return walk;
        }
        return (visitor, metadataSnap, onlyDevice) -> walk.accept(new Overriding(visitor), metadataSnap, onlyDevice);
    }

    private final class Overriding implements MetadataVisitor {
        private final MetadataVisitor v;

        Overriding(MetadataVisitor v) {
            this.v = v;
        }

        @Override
        public void superblock(Superblock sb, long nr) {
            Superblock s = sb.copy();
            if (transactionId != null) {
                s.transactionId = transactionId;
            }
            if (dataBlockSectors != null) {
                s.dataBlockSectors = dataBlockSectors;
            }
            v.superblock(s, nrDataBlocks != null ? nrDataBlocks : nr);
        }

        @Override
        public boolean device(long devId, DeviceDetails details) {
            return v.device(devId, details);
        }

        @Override
        public void mapping(long devId, long virtualBlock, long dataBlock, long time) {
            v.mapping(devId, virtualBlock, dataBlock, time);
        }

        @Override
        public void mappingRun(long devId, long virtualBegin, long dataBegin, long length, long time) {
            v.mappingRun(devId, virtualBegin, dataBegin, length, time);
        }

        @Override
        public void endDevice(long devId) {
            v.endDevice(devId);
        }

        @Override
        public void end() {
            v.end();
        }
    }
}
