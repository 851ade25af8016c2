package io.jthin.engine.cli;

import com.google.gson.JsonObject;
import io.jthin.engine.PoolDirectory;
import io.jthin.engine.ThinStatus;
import io.jthin.snapshot.DeviceDetails;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code jthin thin status ID}: the dmsetup status line of a thin device. */
@Command(name = "status", mixinStandardHelpOptions = true,
        description = {"Show a thin device's status.", "The dmsetup thin status line: 0 <sectors> thin <mapped sectors> <highest mapped sector>."})
final class ThinStatusCommand extends JthinSubcommand {
    @Mixin
    PoolDirOption pool;

    @Parameters(index = "0", paramLabel = "ID", converter = Converters.DeviceId.class, description = "Device id.")
    long id;

    @Option(names = "--json", description = "Print JSON.")
    boolean json;

    @Override
    public Integer call() {
        try (PoolDirectory pd = openPool(pool.dir())) {
            ThinStatus s = pd.pool().thinStatus(id);
            DeviceDetails d = pd.pool().details(id);
            long size = pd.volumeSize(id);
            String line = "0 " + size / 512 + " thin " + s;
            if (json) {
                JsonObject o = new JsonObject();
                o.addProperty("dmsetupStatus", line);
                o.addProperty("devId", id);
                o.addProperty("sizeBytes", size);
                o.addProperty("sizeRecorded", pd.hasRecordedSize(id));
                o.addProperty("mappedBlocks", d.mappedBlocks());
                o.addProperty("mappedSectors", s.mappedSectors());
                o.addProperty("highestMappedSector", s.highestMappedSector());
                o.addProperty("mappedBytes", d.mappedBlocks() * pd.pool().dataBlockBytes());
                o.addProperty("transactionId", d.transactionId());
                o.addProperty("creationTime", d.creationTime());
                o.addProperty("snapshottedTime", d.snapshottedTime());
                printJson(o);
            } else {
                out().println(line);
            }
        }
        return JthinCommand.OK;
    }
}
