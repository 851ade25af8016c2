package io.jthin.engine;

import io.jthin.loopfile.BlockDevice;
import io.jthin.loopfile.LoopLvmLayout;
import io.jthin.loopfile.SparseFile;
import io.jthin.snapshot.MetadataOperationException;
import io.jthin.snapshot.NoSuchDeviceException;
import io.jthin.snapshot.PoolMetadata;
import io.jthin.snapshot.Superblock;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

/**
 * A thin pool in a loop-lvm directory ({@link LoopLvmLayout}: {@code DIR/devicemapper/data},
 * {@code DIR/devicemapper/metadata}, {@code DIR/metadata/jthin-pool.json}) — the pool as the
 * command-line tool and Docker's devicemapper driver know it. Owns both open files (each held
 * exclusively by its {@link SparseFile} lock: a second opener, in this or another process, gets a
 * {@link io.jthin.loopfile.PoolLockedException}), the {@link ThinPool} over them and the
 * {@link PoolConfig} (pool options the metadata lacks, and volume sizes).
 *
 * <p>A directory holding only the two pool files, written by the kernel, {@code thin_restore} or
 * Docker, is a pool too: options then take their defaults, the data block size always comes from
 * the metadata, and a volume without a recorded size is as long as its highest mapped block
 * reaches (until {@link #resizeVolume} records one).
 *
 * <p>Invariants: a volume size is a multiple of 512 bytes; the JSON is written after the metadata
 * change it describes has committed (a crash in between leaves a device without a recorded size,
 * never a size without a device that matters). Not thread-safe: one owner at a time (the pool
 * itself is thread-safe for volume I/O).
 */
public final class PoolDirectory implements AutoCloseable {
    /** Smallest metadata file accepted: the format's own blocks plus room for some thousand mappings. */
    public static final long MIN_METADATA_BYTES = 1L << 20;
    public static final long SECTOR = 512;
    private static final long METADATA_BLOCK = 4096;

    private final Path dir;
    private final LoopLvmLayout layout;
    private final SparseFile dataFile;
    private final SparseFile metadataFile;
    private final ThinPool pool;
    private PoolConfig config;

    private PoolDirectory(Path dir, SparseFile dataFile, SparseFile metadataFile, ThinPool pool, PoolConfig config) {
        this.dir = dir;
        this.layout = LoopLvmLayout.of(dir);
        this.dataFile = dataFile;
        this.metadataFile = metadataFile;
        this.pool = pool;
        this.config = config;
    }

    /** Sizes of both pool files: apparent (the file length) and allocated on disk (what {@code du} shows). */
    public record DiskUsage(long dataBytes, long dataAllocatedBytes, long metadataBytes, long metadataAllocatedBytes) {
    }

    // ---- create and open --------------------------------------------------------------------------

    /**
     * Makes a new pool in {@code dir}: both files sparse (nothing allocated but the metadata's few
     * blocks), metadata formatted for the whole data file, the JSON written.
     *
     * @param force reuse a non-empty directory: existing pool files are truncated and reformatted
     *              (they must not be in use); other files are left alone
     */
    public static PoolDirectory create(Path dir, long dataBytes, long metadataBytes, PoolOptions options,
            boolean force) {
        long block = options.dataBlockBytes();
        if (dataBytes < block || dataBytes % block != 0) {
            throw new IllegalArgumentException("data size " + dataBytes + " bytes must be a positive multiple of the "
                    + block + "-byte data block size");
        }
        if (metadataBytes < MIN_METADATA_BYTES || metadataBytes % METADATA_BLOCK != 0) {
            throw new IllegalArgumentException("metadata size " + metadataBytes + " bytes must be a multiple of 4096 "
                    + "and at least " + MIN_METADATA_BYTES + " bytes (1 MiB)");
        }
        LoopLvmLayout layout = LoopLvmLayout.of(dir);
        if (Files.exists(dir) && !Files.isDirectory(dir)) {
            throw new PoolDirectoryException(dir + " exists and is not a directory");
        }
        List<String> entries = entries(dir);
        if (!entries.isEmpty() && !force) {
            throw new PoolDirectoryException(dir + " is not empty (" + String.join(", ", entries)
                    + "): refusing to make a pool there without --force");
        }
        layout.createDirectories();
        List<SparseFile> opened = new ArrayList<>();
        List<Path> created = new ArrayList<>();
        try {
            SparseFile data = createOrTruncate(layout.dataFile(), dataBytes, opened, created);
            SparseFile meta = createOrTruncate(layout.metadataFile(), metadataBytes, opened, created);
            ThinPool pool = ThinPool.create(data, meta, options);
            PoolConfig config = PoolConfig.of(options);
            PoolDirectory pd = new PoolDirectory(dir, data, meta, pool, config);
            try {
                config.write(pd.configFile());
            } catch (RuntimeException e) {
                pool.close();
                throw e;
            }
            return pd;
        } catch (RuntimeException e) {
            opened.forEach(f -> closeQuietly(f, e));
            for (Path p : created) {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException again) {
                    e.addSuppressed(again);
                }
            }
            throw e;
        }
    }

    private static SparseFile createOrTruncate(Path file, long size, List<SparseFile> opened, List<Path> created) {
        SparseFile f;
        if (Files.exists(file)) {
            f = SparseFile.open(file);
            opened.add(f);
            f.resize(0);
            f.resize(size);
        } else {
            f = SparseFile.create(file, size);
            opened.add(f);
            created.add(file);
        }
        return f;
    }

    private static List<String> entries(Path dir) {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().limit(5).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(dir + ": cannot list: " + e.getMessage(), e);
        }
    }

    /** Opens the pool in {@code dir} read-write, with its recorded options. */
    public static PoolDirectory open(Path dir) {
        return open(dir, UnaryOperator.identity());
    }

    /**
     * Opens the pool in {@code dir} read-write. {@code runtime} adjusts the options that belong to
     * the process rather than the pool (commit interval, no-space timeout, cache size); the data
     * block size is the metadata's whatever it returns.
     */
    public static PoolDirectory open(Path dir, UnaryOperator<PoolOptions> runtime) {
        requirePool(dir);
        LoopLvmLayout layout = LoopLvmLayout.of(dir);
        PoolConfig config = PoolConfig.read(configFile(layout));
        SparseFile data = null;
        SparseFile meta = null;
        try {
            data = SparseFile.open(layout.dataFile());
            meta = SparseFile.open(layout.metadataFile());
            Superblock sb = PoolMetadata.readSuperblock(meta);
            long blockBytes = sb.dataBlockSectors * SECTOR;
            PoolOptions options = runtime.apply(config.applyTo(PoolOptions.defaults(), blockBytes))
                    .withDataBlockBytes(blockBytes);
            ThinPool pool = ThinPool.open(data, meta, options);
            return new PoolDirectory(dir, data, meta, pool, config.withDataBlockBytes(blockBytes));
        } catch (RuntimeException e) {
            closeQuietly(meta, e);
            closeQuietly(data, e);
            throw e;
        }
    }

    /** Options for a short-lived process: no background committer, out-of-space fails at once. */
    public static PoolOptions forOneShot(PoolOptions o) {
        return o.withCommitInterval(Duration.ZERO).withNoSpaceTimeout(Duration.ofMillis(1));
    }

    /**
     * The pool's metadata, read-only, for the tools (dump, ls, delta): the metadata file is opened
     * with a shared lock, so a writer cannot hold the pool meanwhile. Close it when done.
     */
    public static PoolMetadata openMetadataReadOnly(Path dir, long cacheBytes) {
        requirePool(dir);
        return openMetadataFileReadOnly(LoopLvmLayout.of(dir).metadataFile(), cacheBytes);
    }

    /** Any metadata file (a pool's, or one {@code thin_restore} wrote), opened read-only with a shared lock. */
    public static PoolMetadata openMetadataFileReadOnly(Path metadataFile, long cacheBytes) {
        return openMetadataFile(metadataFile, f -> PoolMetadata.open(f, cacheBytes, false));
    }

    /**
     * A metadata file opened read-only (shared lock) to salvage what its trees hold
     * ({@link PoolMetadata#openForSalvage}: space maps not read; walks only), with {@code standIn}
     * for a superblock that cannot be read (null: read it).
     */
    public static PoolMetadata openMetadataFileForSalvage(Path metadataFile, long cacheBytes, Superblock standIn) {
        return openMetadataFile(metadataFile, f -> PoolMetadata.openForSalvage(f, cacheBytes, standIn));
    }

    /** {@code open} on the file opened read-only; the file is closed again if {@code open} fails. */
    private static PoolMetadata openMetadataFile(Path metadataFile, Function<SparseFile, PoolMetadata> open) {
        SparseFile f = SparseFile.openReadOnly(metadataFile);
        try {
            return open.apply(f);
        } catch (RuntimeException e) {
            closeQuietly(f, e);
            throw e;
        }
    }

    /** Refuses, naming what is missing, a {@code dir} that is not a pool directory. */
    public static void requirePool(Path dir) {
        LoopLvmLayout layout = LoopLvmLayout.of(dir);
        if (!Files.isDirectory(dir)) {
            throw new PoolDirectoryException(dir + " is not a pool: no such directory");
        }
        if (!layout.isPool()) {
            List<String> missing = new ArrayList<>();
            for (Path f : List.of(layout.dataFile(), layout.metadataFile())) {
                if (!Files.exists(f)) {
                    missing.add(dir.relativize(f).toString());
                }
            }
            throw new PoolDirectoryException(dir + " is not a pool: " + String.join(" and ", missing) + " missing");
        }
        for (Path f : List.of(layout.dataFile(), layout.metadataFile())) {
            if (Files.isDirectory(f)) {
                throw new PoolDirectoryException(dir + " is not a pool: " + f + " is a directory");
            }
        }
    }

    private static Path configFile(LoopLvmLayout layout) {
        return layout.jsonDir().resolve(PoolConfig.FILE_NAME);
    }

    private Path configFile() {
        return configFile(layout);
    }

    private static void closeQuietly(BlockDevice d, RuntimeException failure) {
        if (d == null) {
            return;
        }
        try {
            d.close();
        } catch (RuntimeException e) {
            failure.addSuppressed(e);
        }
    }

    // ---- accessors ---------------------------------------------------------------------------------

    public Path dir() {
        return dir;
    }

    public LoopLvmLayout layout() {
        return layout;
    }

    public ThinPool pool() {
        return pool;
    }

    public PoolConfig config() {
        return config;
    }

    private void saveConfig(PoolConfig next) {
        next.write(configFile());
        config = next;
    }

    // ---- thin devices --------------------------------------------------------------------------------

    /** create_thin {@code devId}, recording its size. */
    public void createThin(long devId, long sizeBytes) {
        checkVolumeSize(sizeBytes);
        pool.createThin(devId);
        saveConfig(config.withVolumeSize(devId, sizeBytes));
    }

    /** create_snap {@code devId} of {@code originId}; the snapshot gets the origin's size. */
    public void createSnapshot(long devId, long originId) {
        Long originSize = config.volumeSizes().get(originId);
        pool.createSnap(devId, originId);
        PoolConfig next = originSize != null ? config.withVolumeSize(devId, originSize) : config.withoutVolume(devId);
        if (!next.equals(config)) {
            saveConfig(next);
        }
    }

    /** delete {@code devId} and forget its size. */
    public void delete(long devId) {
        pool.delete(devId);
        if (config.volumeSizes().containsKey(devId)) {
            saveConfig(config.withoutVolume(devId));
        }
    }

    /** Any pool message dmsetup takes ({@link PoolMessage}); device messages keep the sizes in step. */
    public void message(String text) {
        switch (PoolMessage.parse(text)) {
            case PoolMessage.CreateThin m -> {
                pool.createThin(m.devId());
                if (config.volumeSizes().containsKey(m.devId())) {
                    saveConfig(config.withoutVolume(m.devId()));
                }
            }
            case PoolMessage.CreateSnap m -> createSnapshot(m.devId(), m.originId());
            case PoolMessage.Delete m -> delete(m.devId());
            default -> pool.message(text);
        }
    }

    /** The recorded size of a device, or else the end of its highest mapped block (0 if none). */
    public long volumeSize(long devId) {
        pool.details(devId); // NoSuchDeviceException when absent
        Long recorded = config.volumeSizes().get(devId);
        return recorded != null ? recorded : mappedEnd(devId);
    }

    /** True when the size of {@code devId} was set (create, resize) rather than derived from its mappings. */
    public boolean hasRecordedSize(long devId) {
        return config.volumeSizes().containsKey(devId);
    }

    /** Byte offset just past the device's highest mapped block (0 when nothing is mapped). */
    public long mappedEnd(long devId) {
        ThinStatus s = pool.thinStatus(devId);
        return s.highestMappedSector() < 0 ? 0 : (s.highestMappedSector() + 1) * SECTOR;
    }

    /**
     * Records a new size for the device. Growing is always possible; shrinking only down to the end
     * of its highest mapped block (discard the tail first), so no data is ever cut off silently.
     */
    public void resizeVolume(long devId, long sizeBytes) {
        checkVolumeSize(sizeBytes);
        long end = mappedEnd(devId);
        if (sizeBytes < end) {
            throw new MetadataOperationException("thin device " + devId + " has data mapped up to byte " + end
                    + ": cannot shrink it to " + sizeBytes + " bytes (discard the tail first)");
        }
        saveConfig(config.withVolumeSize(devId, sizeBytes));
    }

    /** Opens device {@code devId} for I/O with its {@link #volumeSize}. */
    public ThinVolume openVolume(long devId) {
        return pool.openVolume(devId, volumeSize(devId));
    }

    private static void checkVolumeSize(long sizeBytes) {
        if (sizeBytes <= 0 || sizeBytes % SECTOR != 0) {
            throw new IllegalArgumentException("volume size " + sizeBytes
                    + " bytes must be a positive multiple of 512 (a whole number of sectors)");
        }
    }

    /** Every thin device id, in increasing order. */
    public List<Long> deviceIds() {
        return pool.deviceIds();
    }

    // ---- the pool's files ------------------------------------------------------------------------------

    /** Grows the data file (and the pool) to {@code newBytes}; shrinking is refused. */
    public void resizeData(long newBytes) {
        long now = dataFile.size();
        long block = pool.dataBlockBytes();
        if (newBytes < now) {
            throw new MetadataOperationException("cannot shrink the data file from " + now + " to " + newBytes
                    + " bytes: a pool only grows (data may live anywhere in it)");
        }
        if (newBytes % block != 0) {
            throw new IllegalArgumentException("data size " + newBytes + " bytes is not a multiple of the " + block
                    + "-byte data block size");
        }
        if (newBytes > now) {
            pool.resizeData(newBytes);
        }
    }

    /** Grows the metadata file (and its space map, up to the format's 15.875 GiB) to {@code newBytes}. */
    public void resizeMetadata(long newBytes) {
        long now = metadataFile.size();
        if (newBytes < now) {
            throw new MetadataOperationException("cannot shrink the metadata file from " + now + " to " + newBytes
                    + " bytes: metadata only grows");
        }
        if (newBytes % METADATA_BLOCK != 0) {
            throw new IllegalArgumentException("metadata size " + newBytes + " bytes is not a multiple of 4096");
        }
        if (newBytes > now) {
            pool.resizeMetadata(newBytes);
        }
    }

    /** Apparent and on-disk sizes of both files. */
    public DiskUsage diskUsage() {
        return new DiskUsage(dataFile.size(), dataFile.allocatedBytes(), metadataFile.size(),
                metadataFile.allocatedBytes());
    }

    /** Bytes free for an unprivileged user on the file system holding the data file. */
    public long fileSystemAvailableBytes(boolean metadata) {
        try {
            return Files.getFileStore(metadata ? layout.metadataFile() : layout.dataFile()).getUsableSpace();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot query the free space of the file system of " + dir + ": "
                    + e.getMessage(), e);
        }
    }

    /** Throws {@link NoSuchDeviceException} unless the device exists. */
    public void requireDevice(long devId) {
        pool.details(devId);
    }

    /** Commits (data sync, metadata commit) and closes the pool and both files. */
    @Override
    public void close() {
        pool.close();
    }
}
