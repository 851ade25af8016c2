package io.jthin.engine.cli;

import io.jthin.engine.PoolDirectory;
import io.jthin.engine.tools.SizeParser;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/** {@code jthin pool resize}: grows the data and/or metadata file (pools never shrink). */
@Command(name = "resize", mixinStandardHelpOptions = true,
        description = {"Grow the pool.", "Grows the data and/or metadata file and the pool with them. Shrinking is refused."})
final class PoolResizeCommand extends JthinSubcommand {
    @Mixin
    PoolDirOption pool;

    @Option(names = "--data-size", paramLabel = "SIZE", converter = Converters.Size.class, description = "New data file size.")
    Long dataSize;

    @Option(names = "--metadata-size", paramLabel = "SIZE", converter = Converters.Size.class,
            description = "New metadata file size.")
    Long metadataSize;

    @Override
    public Integer call() {
        if (dataSize == null && metadataSize == null) {
            throw new ParameterException(spec.commandLine(), "give --data-size and/or --metadata-size");
        }
        try (PoolDirectory pd = openPool(pool.dir())) {
            PoolDirectory.DiskUsage before = pd.diskUsage();
            if (dataSize != null) {
                pd.resizeData(dataSize);
                out().println(change("data", before.dataBytes(), dataSize));
            }
            if (metadataSize != null) {
                pd.resizeMetadata(metadataSize);
                out().println(change("metadata", before.metadataBytes(), metadataSize));
            }
            out().println(pd.pool().status());
        }
        return JthinCommand.OK;
    }

    private static String change(String what, long from, long to) {
        return from == to ? what + " file is already " + SizeParser.format(to) + ": unchanged"
                : what + " file grown from " + SizeParser.format(from) + " to " + SizeParser.format(to);
    }
}
