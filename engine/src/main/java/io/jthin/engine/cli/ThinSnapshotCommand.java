package io.jthin.engine.cli;

import io.jthin.engine.PoolDirectory;
import io.jthin.engine.tools.SizeParser;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code jthin thin snapshot NEW_ID ORIGIN_ID}: create_snap. */
@Command(name = "snapshot", mixinStandardHelpOptions = true,
        description = {"Snapshot a thin device.", "The new device shares all of the origin's blocks (no copy)."})
final class ThinSnapshotCommand extends JthinSubcommand {
    @Mixin
    PoolDirOption pool;

    @Parameters(index = "0", paramLabel = "NEW_ID", converter = Converters.DeviceId.class, description = "Id of the snapshot.")
    long id;

    @Parameters(index = "1", paramLabel = "ORIGIN_ID", converter = Converters.DeviceId.class, description = "Device to snapshot.")
    long origin;

    @Override
    public Integer call() {
        long size;
        try (PoolDirectory pd = openPool(pool.dir())) {
            pd.createSnapshot(id, origin);
            size = pd.volumeSize(id);
        }
        out().println("created thin device " + id + " as a snapshot of " + origin + " (" + SizeParser.format(size) + ")");
        return JthinCommand.OK;
    }
}
