package io.jthin.engine;

import java.time.Duration;

/**
 * How a pool behaves: the thin-pool table's features plus jthin's own knobs. Immutable; build
 * with {@link #defaults()} and the {@code with…} methods.
 *
 * @param dataBlockBytes      data block size: 64 KiB…1 GiB, a multiple of 64 KiB (default 64 KiB)
 * @param zeroNewBlocks       zero the rest of a newly allocated block on a partial write (default on; off = skip_block_zeroing)
 * @param discardPassdown     punch holes in the data file for blocks freed by discard, after commit (default on)
 * @param errorIfNoSpace      fail writes at once when out of data space instead of queueing (default off = queue)
 * @param noSpaceTimeout      how long queued writes wait for space before failing (default 60 s; zero = forever)
 * @param lowWaterMarkBlocks  free data blocks at or below which the low-water-mark listener fires once (default 0 = off)
 * @param commitInterval      background commit period when anything changed (default 1 s, like the kernel)
 * @param metadataCacheBytes  bound of the metadata block cache (default 64 MiB)
 * @param dataReserveBytes    on an O_DIRECT data device, storage is reserved in the data file (fallocate,
 *                            reads still zeros) this many bytes at a time, aligned, when a block in such a
 *                            chunk is first allocated: ext4 runs O_DIRECT writes into reserved storage
 *                            concurrently and serialises those into holes (default 16 MiB; 0 = off, the data
 *                            file stays as sparse as the mappings). Ignored for page-cache devices.
 */
public record PoolOptions(long dataBlockBytes, boolean zeroNewBlocks, boolean discardPassdown, boolean errorIfNoSpace,
        Duration noSpaceTimeout, long lowWaterMarkBlocks, Duration commitInterval, long metadataCacheBytes,
        long dataReserveBytes) {
    public static final long MIN_BLOCK_BYTES = 64 * 1024;
    public static final long MAX_BLOCK_BYTES = 1L << 30;

    public PoolOptions {
        if (dataBlockBytes < MIN_BLOCK_BYTES || dataBlockBytes > MAX_BLOCK_BYTES || dataBlockBytes % MIN_BLOCK_BYTES != 0) {
            throw new IllegalArgumentException("data block size " + dataBlockBytes
                    + " bytes must be a multiple of 64 KiB between 64 KiB and 1 GiB");
        }
        if (lowWaterMarkBlocks < 0) {
            throw new IllegalArgumentException("low-water mark must not be negative: " + lowWaterMarkBlocks);
        }
        if (dataReserveBytes < 0) {
            throw new IllegalArgumentException("data reserve chunk must not be negative: " + dataReserveBytes);
        }
        if (noSpaceTimeout.isNegative() || commitInterval.isNegative()) {
            throw new IllegalArgumentException("timeouts must not be negative");
        }
    }

    public static PoolOptions defaults() {
        return new PoolOptions(MIN_BLOCK_BYTES, true, true, false, Duration.ofSeconds(60), 0, Duration.ofSeconds(1),
                64L << 20, 16L << 20);
    }

    public long dataBlockSectors() {
        return dataBlockBytes / 512;
    }

    public PoolOptions withDataBlockBytes(long v) {
        return new PoolOptions(v, zeroNewBlocks, discardPassdown, errorIfNoSpace, noSpaceTimeout, lowWaterMarkBlocks,
                commitInterval, metadataCacheBytes, dataReserveBytes);
    }

    public PoolOptions withZeroNewBlocks(boolean v) {
        return new PoolOptions(dataBlockBytes, v, discardPassdown, errorIfNoSpace, noSpaceTimeout, lowWaterMarkBlocks,
                commitInterval, metadataCacheBytes, dataReserveBytes);
    }

    public PoolOptions withDiscardPassdown(boolean v) {
        return new PoolOptions(dataBlockBytes, zeroNewBlocks, v, errorIfNoSpace, noSpaceTimeout, lowWaterMarkBlocks,
                commitInterval, metadataCacheBytes, dataReserveBytes);
    }

    public PoolOptions withErrorIfNoSpace(boolean v) {
        return new PoolOptions(dataBlockBytes, zeroNewBlocks, discardPassdown, v, noSpaceTimeout, lowWaterMarkBlocks,
                commitInterval, metadataCacheBytes, dataReserveBytes);
    }

    public PoolOptions withNoSpaceTimeout(Duration v) {
        return new PoolOptions(dataBlockBytes, zeroNewBlocks, discardPassdown, errorIfNoSpace, v, lowWaterMarkBlocks,
                commitInterval, metadataCacheBytes, dataReserveBytes);
    }

    public PoolOptions withLowWaterMarkBlocks(long v) {
        return new PoolOptions(dataBlockBytes, zeroNewBlocks, discardPassdown, errorIfNoSpace, noSpaceTimeout, v,
                commitInterval, metadataCacheBytes, dataReserveBytes);
    }

    public PoolOptions withCommitInterval(Duration v) {
        return new PoolOptions(dataBlockBytes, zeroNewBlocks, discardPassdown, errorIfNoSpace, noSpaceTimeout,
                lowWaterMarkBlocks, v, metadataCacheBytes, dataReserveBytes);
    }

    public PoolOptions withMetadataCacheBytes(long v) {
        return new PoolOptions(dataBlockBytes, zeroNewBlocks, discardPassdown, errorIfNoSpace, noSpaceTimeout,
                lowWaterMarkBlocks, commitInterval, v, dataReserveBytes);
    }

    public PoolOptions withDataReserveBytes(long v) {
        return new PoolOptions(dataBlockBytes, zeroNewBlocks, discardPassdown, errorIfNoSpace, noSpaceTimeout,
                lowWaterMarkBlocks, commitInterval, metadataCacheBytes, v);
    }
}
