package io.jthin.engine.cli;

import io.jthin.engine.PoolDirectory;
import io.jthin.engine.PoolOptions;
import io.jthin.engine.tools.SizeParser;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code jthin pool create}: a new loop-lvm pool directory with sparse data and metadata files. */
@Command(name = "create", mixinStandardHelpOptions = true,
        description = {"Create a pool.", "Makes DIR/devicemapper/data and DIR/devicemapper/metadata (sparse files) and "
                + "DIR/metadata/jthin-pool.json. Sizes take k, m, g, t (binary units)."})
final class PoolCreateCommand extends JthinSubcommand {
    @Mixin
    PoolDirOption pool;

    @Option(names = "--data-size", paramLabel = "SIZE", defaultValue = "100G", converter = Converters.Size.class,
            description = "Size of the data file (default ${DEFAULT-VALUE}).")
    long dataSize;

    @Option(names = "--metadata-size", paramLabel = "SIZE", defaultValue = "2G", converter = Converters.Size.class,
            description = "Size of the metadata file (default ${DEFAULT-VALUE}; at most 15.875 GiB is used).")
    long metadataSize;

    @Option(names = "--block-size", paramLabel = "SIZE", defaultValue = "64k", converter = Converters.Size.class,
            description = "Data block size: a multiple of 64k up to 1g (default ${DEFAULT-VALUE}).")
    long blockSize;

    @Option(names = "--skip-block-zeroing", description = "Do not zero newly allocated blocks on partial writes.")
    boolean skipBlockZeroing;

    @Option(names = "--no-discard-passdown", description = "Discards unmap blocks but do not punch holes in the data file.")
    boolean noDiscardPassdown;

    @Option(names = "--error-if-no-space", description = "Fail writes at once when out of data space (default: queue).")
    boolean errorIfNoSpace;

    @Option(names = "--low-water-mark", paramLabel = "BLOCKS", defaultValue = "0",
            description = "Free data blocks at which the low-water event fires (default ${DEFAULT-VALUE}: off).")
    long lowWaterMark;

    @Option(names = "--force", description = "Make the pool even if the directory is not empty (existing pool files are reformatted).")
    boolean force;

    @Override
    public Integer call() {
        PoolOptions options = PoolOptions.defaults().withDataBlockBytes(blockSize).withZeroNewBlocks(!skipBlockZeroing)
                .withDiscardPassdown(!noDiscardPassdown).withErrorIfNoSpace(errorIfNoSpace)
                .withLowWaterMarkBlocks(lowWaterMark);
        try (PoolDirectory pd = PoolDirectory.create(pool.dir(), dataSize, metadataSize,
                PoolDirectory.forOneShot(options), force)) {
            PoolDirectory.DiskUsage u = pd.diskUsage();
            out().println("created pool " + pool.dir() + ": data " + SizeParser.format(dataSize) + " in "
                    + pd.pool().status().totalDataBlocks() + " blocks of " + SizeParser.format(blockSize)
                    + ", metadata " + SizeParser.format(metadataSize));
            out().println("on disk: data file " + SizeParser.format(u.dataAllocatedBytes()) + ", metadata file "
                    + SizeParser.format(u.metadataAllocatedBytes()) + " (sparse files)");
        }
        return JthinCommand.OK;
    }
}
