package io.jthin.engine.bench;

import io.jthin.engine.PoolConfig;
import io.jthin.engine.PoolDirectory;
import io.jthin.engine.PoolOptions;
import io.jthin.engine.ThinPool;
import io.jthin.engine.ThinStatus;
import io.jthin.loopfile.BlockDevice;
import io.jthin.loopfile.DirectFile;
import io.jthin.loopfile.LoopLvmLayout;
import io.jthin.loopfile.SparseFile;
import io.jthin.snapshot.PoolMetadata;
import java.util.function.UnaryOperator;

/**
 * A pool directory opened for a benchmark, as {@link PoolDirectory#open} opens it (recorded options,
 * the metadata's block size, recorded volume sizes), except that the data file may be opened with
 * {@code O_DIRECT} ({@link DirectFile}). Owns both devices and the pool until {@link #close()}.
 * Not thread-safe to open or close; the pool is.
 */
public final class BenchPool implements AutoCloseable {
    private final ThinPool pool;
    private final PoolConfig config;

    private BenchPool(ThinPool pool, PoolConfig config) {
        this.pool = pool;
        this.config = config;
    }

    /**
     * Opens the pool in {@code dir}; {@code runtime} adjusts the process's options (commit
     * interval…); {@code direct} opens the data file with O_DIRECT.
     */
    public static BenchPool open(java.nio.file.Path dir, boolean direct, UnaryOperator<PoolOptions> runtime) {
        PoolDirectory.requirePool(dir);
        LoopLvmLayout layout = LoopLvmLayout.of(dir);
        PoolConfig config = PoolConfig.read(layout.jsonDir().resolve(PoolConfig.FILE_NAME));
        BlockDevice data = null;
        BlockDevice meta = null;
        try {
            data = direct ? DirectFile.open(layout.dataFile()) : SparseFile.open(layout.dataFile());
            meta = SparseFile.open(layout.metadataFile());
            long blockBytes = PoolMetadata.readSuperblock(meta).dataBlockSectors * PoolDirectory.SECTOR;
            PoolOptions options = runtime.apply(config.applyTo(PoolOptions.defaults(), blockBytes))
                    .withDataBlockBytes(blockBytes);
            return new BenchPool(ThinPool.open(data, meta, options), config);
        } catch (RuntimeException e) {
            for (BlockDevice d : new BlockDevice[] {meta, data}) {
                if (d != null) {
                    try {
                        d.close();
                    } catch (RuntimeException again) {
                        e.addSuppressed(again);
                    }
                }
            }
            throw e;
        }
    }

    public ThinPool pool() {
        return pool;
    }

    /** The recorded size of the device, or else the end of its highest mapped block (as {@link PoolDirectory#volumeSize}). */
    public long volumeSize(long devId) {
        pool.details(devId);
        Long recorded = config.volumeSizes().get(devId);
        if (recorded != null) {
            return recorded;
        }
        ThinStatus s = pool.thinStatus(devId);
        return s.highestMappedSector() < 0 ? 0 : (s.highestMappedSector() + 1) * PoolDirectory.SECTOR;
    }

    /** Commits and closes the pool and both files. */
    @Override
    public void close() {
        pool.close();
    }
}
