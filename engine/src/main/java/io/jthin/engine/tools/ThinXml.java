package io.jthin.engine.tools;

import java.util.Objects;
import java.util.OptionalLong;

/**
 * The thin_dump / thin_restore XML model (dm-thin-format §8.1): one record per element kind.
 * Owns the attribute names, their widths and the input defaults; it knows nothing of the pool.
 *
 * <pre>
 * &lt;superblock uuid time transaction flags version data_block_size nr_data_blocks [metadata_snap]&gt;
 *   &lt;device dev_id mapped_blocks transaction creation_time snap_time&gt;
 *     &lt;range_mapping origin_begin data_begin length time/&gt;
 *     &lt;single_mapping origin_block data_block time/&gt;
 * </pre>
 *
 * <p>Widths follow what 0.9.0 {@code thin_restore} parses: {@code dev_id}, {@code flags},
 * {@code version}, {@code data_block_size} and a mapping's {@code time} are u32; every other
 * number is u64. A u64 is carried in a Java {@code long} as its unsigned bit pattern (print it
 * with {@link Long#toUnsignedString(long)}, compare with {@link Long#compareUnsigned}); in
 * practice every value fits in 63 bits. Invariant checked here: u32 fields are in
 * {@code [0, 2^32)}, a run is at least one block long and does not wrap past {@code 2^64}.
 */
public final class ThinXml {

    /** Largest value of a u32 attribute. */
    public static final long U32_MAX = 0xFFFF_FFFFL;

    /** {@code flags} when the attribute is absent. */
    public static final long DEFAULT_FLAGS = 0;

    /** {@code version} when the attribute is absent: 1 in 0.9.0 {@code thin_restore} (tools 1.x use 2). */
    public static final long DEFAULT_VERSION = 1;

    private ThinXml() {
    }

    /**
     * The {@code <superblock>} element. 0.9.0 {@code thin_dump} always prints {@code uuid=""} and
     * never prints {@code metadata_snap}; pass exactly that to reproduce its output.
     *
     * @param uuid          free text (≤ 16 bytes are kept on disk)
     * @param time          the pool's current time (u64 in XML, u32 on disk)
     * @param transaction   the pool's transaction id
     * @param flags         superblock flags (u32)
     * @param version       superblock version (u32)
     * @param dataBlockSize data block size in 512-byte sectors (u32)
     * @param nrDataBlocks  number of data blocks in the pool
     * @param metadataSnap  the held metadata root, if any
     */
    public record Superblock(String uuid, long time, long transaction, long flags, long version,
                             long dataBlockSize, long nrDataBlocks, OptionalLong metadataSnap) {
        public Superblock {
            Objects.requireNonNull(uuid, "uuid");
            Objects.requireNonNull(metadataSnap, "metadataSnap");
            requireU32("flags", flags);
            requireU32("version", version);
            requireU32("data_block_size", dataBlockSize);
        }

        /** A superblock as 0.9.0 {@code thin_dump} prints it: empty uuid, no metadata snapshot. */
        public static Superblock of(long time, long transaction, long flags, long version,
                                    long dataBlockSize, long nrDataBlocks) {
            return new Superblock("", time, transaction, flags, version, dataBlockSize, nrDataBlocks,
                    OptionalLong.empty());
        }
    }

    /**
     * The {@code <device>} element: one thin device's details.
     *
     * @param devId        device id (u32)
     * @param mappedBlocks number of mapped virtual blocks (thin_restore recounts it)
     * @param transaction  transaction id recorded when the device was last changed
     * @param creationTime pool time at creation
     * @param snapTime     pool time when last snapshotted
     */
    public record Device(long devId, long mappedBlocks, long transaction, long creationTime, long snapTime) {
        public Device {
            requireU32("dev_id", devId);
        }
    }

    /**
     * A run of mappings: virtual blocks {@code originBegin + k} map to data blocks
     * {@code dataBegin + k} with one {@code time}, for {@code 0 <= k < length}. Printed as a
     * {@code <single_mapping>} when {@code length == 1}, else a {@code <range_mapping>}.
     */
    public record MappingRun(long originBegin, long dataBegin, long length, long time) {
        public MappingRun {
            if (length == 0) {
                throw new IllegalArgumentException("a mapping run needs at least one block");
            }
            if (Long.compareUnsigned(originBegin + length - 1, originBegin) < 0
                    || Long.compareUnsigned(dataBegin + length - 1, dataBegin) < 0) {
                throw new IllegalArgumentException("mapping run wraps past 2^64: origin "
                        + Long.toUnsignedString(originBegin) + ", data " + Long.toUnsignedString(dataBegin)
                        + ", length " + Long.toUnsignedString(length));
            }
            requireU32("time", time);
        }

        /** A run of one block. */
        public static MappingRun single(long originBlock, long dataBlock, long time) {
            return new MappingRun(originBlock, dataBlock, 1, time);
        }

        public boolean isSingle() {
            return length == 1;
        }

        /** First virtual block after the run. */
        public long originEnd() {
            return originBegin + length;
        }
    }

    static void requireU32(String attribute, long value) {
        if (value < 0 || value > U32_MAX) {
            throw new IllegalArgumentException(attribute + " must be a u32, got " + value);
        }
    }
}
