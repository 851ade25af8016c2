package io.jthin.engine.cli;

import io.jthin.engine.PoolDirectory;
import io.jthin.engine.tools.MetadataWalk;
import io.jthin.engine.tools.VolumeExtents;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code jthin thin map ID [--json]}: the volume's allocated extents, like qemu-img map. */
@Command(name = "map", mixinStandardHelpOptions = true,
        description = {"Show where a thin device's data lives.", "Extents in the data file, like qemu-img map."})
final class ThinMapCommand extends JthinSubcommand {
    @Mixin
    PoolDirOption pool;

    @Parameters(index = "0", paramLabel = "ID", converter = Converters.DeviceId.class, description = "Device id.")
    long id;

    @Option(names = "--json", description = "qemu-img map --output=json: every extent, holes included.")
    boolean json;

    @Override
    public Integer call() {
        try (PoolDirectory pd = openPool(pool.dir())) {
            VolumeExtents map = VolumeExtents.of(MetadataWalk.of(pd.pool()), id, pd.volumeSize(id),
                    pd.pool().dataBlockBytes());
            if (json) {
                printJson(map.toJson());
            } else {
                out().print(map.table());
            }
        }
        return JthinCommand.OK;
    }
}
