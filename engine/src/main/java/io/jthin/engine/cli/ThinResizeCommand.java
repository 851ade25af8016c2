package io.jthin.engine.cli;

import io.jthin.engine.PoolDirectory;
import io.jthin.engine.tools.SizeParser;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code jthin thin resize ID --size S}: records a new volume size. */
@Command(name = "resize", mixinStandardHelpOptions = true,
        description = {"Set a thin device's size.", "Growing is free; shrinking only down to its last mapped block."})
final class ThinResizeCommand extends JthinSubcommand {
    @Mixin
    PoolDirOption pool;

    @Parameters(index = "0", paramLabel = "ID", converter = Converters.DeviceId.class, description = "Device id.")
    long id;

    @Option(names = "--size", required = true, paramLabel = "SIZE", converter = Converters.Size.class,
            description = "New size (a multiple of 512 bytes).")
    long size;

    @Override
    public Integer call() {
        long before;
        try (PoolDirectory pd = openPool(pool.dir())) {
            before = pd.volumeSize(id);
            pd.resizeVolume(id, size);
        }
        out().println("thin device " + id + ": " + SizeParser.format(before) + " -> " + SizeParser.format(size));
        return JthinCommand.OK;
    }
}
