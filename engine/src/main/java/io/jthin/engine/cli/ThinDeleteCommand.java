package io.jthin.engine.cli;

import io.jthin.engine.PoolDirectory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code jthin thin delete ID}: delete, releasing the blocks no other device uses. */
@Command(name = "delete", mixinStandardHelpOptions = true, description = "Delete a thin device.")
final class ThinDeleteCommand extends JthinSubcommand {
    @Mixin
    PoolDirOption pool;

    @Parameters(index = "0", paramLabel = "ID", converter = Converters.DeviceId.class, description = "Device id.")
    long id;

    @Override
    public Integer call() {
        try (PoolDirectory pd = openPool(pool.dir())) {
            pd.delete(id);
        }
        out().println("deleted thin device " + id);
        return JthinCommand.OK;
    }
}
