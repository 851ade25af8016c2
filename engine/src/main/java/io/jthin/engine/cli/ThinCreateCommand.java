package io.jthin.engine.cli;

import io.jthin.engine.PoolDirectory;
import io.jthin.engine.tools.SizeParser;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code jthin thin create ID --size S}: create_thin, with the volume's size recorded. */
@Command(name = "create", mixinStandardHelpOptions = true, description = "Create an empty thin device.")
final class ThinCreateCommand extends JthinSubcommand {
    @Mixin
    PoolDirOption pool;

    @Parameters(index = "0", paramLabel = "ID", converter = Converters.DeviceId.class, description = "Device id (0 … 16777215).")
    long id;

    @Option(names = "--size", required = true, paramLabel = "SIZE", converter = Converters.Size.class,
            description = "Volume size (a multiple of 512 bytes; k, m, g, t units).")
    long size;

    @Override
    public Integer call() {
        try (PoolDirectory pd = openPool(pool.dir())) {
            pd.createThin(id, size);
        }
        out().println("created thin device " + id + " (" + SizeParser.format(size) + ")");
        return JthinCommand.OK;
    }
}
