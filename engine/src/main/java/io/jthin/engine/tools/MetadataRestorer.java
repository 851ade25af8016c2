package io.jthin.engine.tools;

import io.jthin.engine.PoolConfig;
import io.jthin.loopfile.BlockDevice;
import io.jthin.loopfile.ForwardingBlockDevice;
import io.jthin.loopfile.LoopLvmLayout;
import io.jthin.loopfile.SparseFile;
import io.jthin.loopfile.StorageException;
import io.jthin.snapshot.DeviceDetails;
import io.jthin.snapshot.PoolMetadata;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * {@code thin_restore}: builds pool metadata from thin_dump XML, streaming ({@link ThinXmlReader}
 * events straight into {@link PoolMetadata}), never holding the document. The metadata device is
 * formatted afresh with the XML's data block size and {@code nr_data_blocks}; the superblock takes
 * its time, transaction id, flags, version and uuid; each device its transaction id and times;
 * each mapping its exact data block and time, with a reference taken on the data block.
 * {@code mapped_blocks} is recounted, as 0.9.0 does.
 *
 * <p>Refused, with the XML line: a data block at or past {@code nr_data_blocks} ("mapping beyond
 * the end of the data device"), a time that does not fit 24 bits, a duplicate device, a bad data
 * block size. Differences from 0.9.0: a superblock without {@code version} gets version 2 (0.9.0
 * writes 1); {@code metadata_snap} is ignored (0.9.0 copies it into {@code held_root} without
 * building a snapshot, which leaves metadata that points at nothing) and counted in the summary.
 *
 * <p>The device is half-written when this throws: restore into a scratch file and move it into
 * place only on success. Commits every {@link #COMMIT_EVERY} mappings to bound memory.
 */
public final class MetadataRestorer {
    /** Mappings between intermediate commits (dirty metadata blocks are held in memory until one). */
    static final long COMMIT_EVERY = 1L << 18;

    /** What was restored. */
    public record Summary(List<Long> deviceIds, long mappings, long dataBlockSectors, long nrDataBlocks,
            boolean ignoredMetadataSnap) {
        public Summary {
            deviceIds = List.copyOf(deviceIds);
        }

        public long dataBlockBytes() {
            return dataBlockSectors * 512;
        }
    }

    private MetadataRestorer() {
    }

    /**
     * Restores {@code xml} into {@code metadataDevice}, which is formatted (whatever it held is lost)
     * and left open.
     *
     * @param source names the XML in error messages
     * @throws ThinXmlException for malformed or refused XML, naming the line
     */
    public static Summary restore(InputStream xml, String source, BlockDevice metadataDevice, long cacheBytes)
            throws IOException {
        Builder b = new Builder(metadataDevice, cacheBytes);
        try {
            new ThinXmlReader().defaultVersion(2).read(xml, source, b);
        } finally {
            b.release();
        }
        if (b.md == null) {
            throw new ThinXmlException(source, 0, 0, "missing superblock", null);
        }
        return new Summary(b.devices, b.mappings, b.dataBlockSectors, b.nrDataBlocks, b.ignoredSnap);
    }

    /**
     * Restores {@code xml} into the metadata file {@code target} without ever leaving it half
     * written: the metadata is built in a scratch file beside it, which then replaces it by a rename,
     * so a refused XML changes nothing. The target is held locked meanwhile (a pool using it makes
     * this fail with a {@link io.jthin.loopfile.PoolLockedException}). An existing target keeps its
     * size; a missing one is created with {@code sizeIfMissing} bytes. A block device is written in
     * place.
     */
    public static Summary restoreFile(Path xml, Path target, long sizeIfMissing, long cacheBytes) throws IOException {
        if (!Files.isRegularFile(xml)) {
            throw new NoSuchFileException(xml.toString());
        }
        boolean exists = Files.exists(target);
        if (exists && !Files.isRegularFile(target)) {
            try (SparseFile dev = SparseFile.open(target); InputStream in = Files.newInputStream(xml)) {
                return restore(in, xml.toString(), dev, cacheBytes);
            }
        }
        SparseFile lock = exists ? SparseFile.open(target) : null;
        Path scratch = target.resolveSibling(target.getFileName() + ".restore-tmp");
        try {
            long size = exists ? lock.size() : sizeIfMissing;
            Files.deleteIfExists(scratch);
            Summary summary;
            try (SparseFile out = SparseFile.create(scratch, size); InputStream in = Files.newInputStream(xml)) {
                summary = restore(in, xml.toString(), out, cacheBytes);
                out.sync();
            }
            Files.move(scratch, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            return summary;
        } finally {
            Files.deleteIfExists(scratch);
            if (lock != null) {
                lock.close();
            }
        }
    }

    /**
     * {@code jthin restore} into a pool directory: the metadata file is restored with
     * {@link #restoreFile} (created with {@code metadataBytesIfMissing} when absent), the data file
     * is created, or grown, sparse, to hold the XML's {@code nr_data_blocks}, and the JSON keeps the
     * sizes of the devices that still exist. The data file is locked throughout.
     */
    public static Summary restorePool(Path dir, Path xml, long metadataBytesIfMissing, long cacheBytes)
            throws IOException {
        if (!Files.isRegularFile(xml)) {
            throw new NoSuchFileException(xml.toString());
        }
        LoopLvmLayout layout = LoopLvmLayout.of(dir).createDirectories();
        Path dataFile = layout.dataFile();
        SparseFile data = Files.exists(dataFile) ? SparseFile.open(dataFile) : null;
        try {
            Summary s = restoreFile(xml, layout.metadataFile(), metadataBytesIfMissing, cacheBytes);
            long need = s.nrDataBlocks() * s.dataBlockBytes();
            if (data == null) {
                data = SparseFile.create(dataFile, need);
            } else if (data.size() < need) {
                data.resize(need);
            }
            data.sync();
            Path json = layout.jsonDir().resolve(PoolConfig.FILE_NAME);
            PoolConfig.read(json).withDataBlockBytes(s.dataBlockBytes()).retainVolumes(s.deviceIds()).write(json);
            return s;
        } finally {
            if (data != null) {
                data.close();
            }
        }
    }

    /** The visitor: formats at the superblock, then adds devices and mappings. */
    private static final class Builder implements ThinXmlVisitor {
        private final BlockDevice device;
        private final long cacheBytes;
        private PoolMetadata md;
        private long devId = -1;
        private final List<Long> devices = new ArrayList<>();
        private long mappings;
        private long sinceCommit;
        private long dataBlockSectors;
        private long nrDataBlocks;
        private boolean ignoredSnap;

        Builder(BlockDevice device, long cacheBytes) {
            this.device = device;
            this.cacheBytes = cacheBytes;
        }

        @Override
        public void beginSuperblock(ThinXml.Superblock sb) throws ThinXmlException {
            dataBlockSectors = sb.dataBlockSize();
            nrDataBlocks = sb.nrDataBlocks();
            ignoredSnap = sb.metadataSnap().isPresent();
            if (nrDataBlocks < 0) {
                throw ThinXmlException.rejected("nr_data_blocks " + Long.toUnsignedString(nrDataBlocks)
                        + " is too large");
            }
            if (sb.version() != 1 && sb.version() != 2) {
                throw ThinXmlException.rejected("unsupported metadata version " + sb.version() + " (1 or 2)");
            }
            try {
                md = PoolMetadata.format(new Unclosable(device), dataBlockSectors, nrDataBlocks, cacheBytes);
                byte[] uuid = sb.uuid().getBytes(StandardCharsets.UTF_8);
                md.restoreSuperblock(sb.time(), sb.transaction(), (int) sb.flags(), (int) sb.version(),
                        Arrays.copyOf(uuid, Math.min(uuid.length, 16)));
            } catch (IllegalArgumentException | StorageException e) {
                throw ThinXmlException.rejected(e.getMessage());
            }
        }

        @Override
        public void beginDevice(ThinXml.Device d) throws ThinXmlException {
            devId = d.devId();
            devices.add(devId);
            try {
                md.restoreDevice(d.devId(), new DeviceDetails(0, d.transaction(), d.creationTime(), d.snapTime()));
            } catch (IllegalArgumentException | StorageException e) {
                throw ThinXmlException.rejected(e.getMessage());
            }
        }

        @Override
        public void mappingRun(long originBegin, long dataBegin, long length, long time) throws ThinXmlException {
            if (Long.compareUnsigned(dataBegin + length - 1, nrDataBlocks) >= 0 || dataBegin < 0) {
                long bad = Long.compareUnsigned(dataBegin, nrDataBlocks) >= 0 ? dataBegin : nrDataBlocks;
                throw ThinXmlException.rejected("mapping beyond the end of the data device: data block "
                        + Long.toUnsignedString(bad) + " (nr_data_blocks " + nrDataBlocks + ")");
            }
            try {
                for (long k = 0; k < length; k++) {
                    md.restoreMapping(devId, originBegin + k, dataBegin + k, time);
                    mappings++;
                    if (++sinceCommit >= COMMIT_EVERY) {
                        md.commit();
                        sinceCommit = 0;
                    }
                }
            } catch (IllegalArgumentException | StorageException e) {
                throw ThinXmlException.rejected(e.getMessage());
            }
        }

        @Override
        public void endDevice() {
            devId = -1;
        }

        @Override
        public void endSuperblock() {
            md.commit();
        }

        void release() {
            if (md != null) {
                md.close();
            }
        }
    }

    /** The caller's device, shielded from the metadata's close (the caller owns and closes it). */
    private static final class Unclosable extends ForwardingBlockDevice {
        Unclosable(BlockDevice d) {
            super(d);
        }

        @Override
        public void close() {
            // the caller closes the device
        }
    }
}
