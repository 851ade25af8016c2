package io.jthin.engine.cli;

import io.jthin.engine.PoolDirectory;
import io.jthin.engine.ThinVolume;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code jthin thin discard ID --offset N --length L}: unmaps the whole blocks of a range. */
@Command(name = "discard", mixinStandardHelpOptions = true,
        description = {"Discard a byte range of a thin device.", "Whole data blocks in it are unmapped (and, with passdown, punched out "
                + "of the data file when no other device uses them); partial blocks at either end are left as they are."})
final class ThinDiscardCommand extends JthinSubcommand {
    @Mixin
    PoolDirOption pool;

    @Parameters(index = "0", paramLabel = "ID", converter = Converters.DeviceId.class, description = "Device id.")
    long id;

    @Option(names = "--offset", required = true, paramLabel = "N", converter = Converters.Size.class,
            description = "Byte offset in the device.")
    long offset;

    @Option(names = "--length", required = true, paramLabel = "L", converter = Converters.Size.class,
            description = "Bytes to discard.")
    long length;

    @Override
    public Integer call() {
        long removed;
        try (PoolDirectory pd = openPool(pool.dir()); ThinVolume v = pd.openVolume(id)) {
            if (offset > v.size() || length > v.size() - offset) {
                throw new IllegalArgumentException("discard of " + length + " bytes at offset " + offset
                        + " is past the end of thin device " + id + " (" + v.size() + " bytes)");
            }
            removed = v.discard(offset, length);
            v.flush();
        }
        out().println("discarded " + length + " bytes at offset " + offset + " of thin device " + id + ": " + removed
                + " block" + (removed == 1 ? "" : "s") + " unmapped");
        return JthinCommand.OK;
    }
}
