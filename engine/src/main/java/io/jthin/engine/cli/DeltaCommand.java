package io.jthin.engine.cli;

import io.jthin.engine.tools.MetadataWalk;
import io.jthin.engine.tools.ThinDelta;
import io.jthin.snapshot.PoolMetadata;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.nio.charset.StandardCharsets;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code jthin delta --thin1 A --thin2 B}: thin_delta's XML. */
@Command(name = "delta", mixinStandardHelpOptions = true,
        description = {"Compare two thin devices (thin_delta).", "Prints same, different, left_only and right_only ranges as XML."})
final class DeltaCommand extends JthinSubcommand {
    @Mixin
    MetadataArgs metadata;

    @Option(names = {"--thin1", "--snap1"}, required = true, paramLabel = "A", converter = Converters.DeviceId.class,
            description = "Left device.")
    long thin1;

    @Option(names = {"--thin2", "--snap2"}, required = true, paramLabel = "B", converter = Converters.DeviceId.class,
            description = "Right device.")
    long thin2;

    @Option(names = "--verbose", description = "Show the data blocks of every range.")
    boolean verbose;

    @Option(names = {"-m", "--metadata-snap"}, description = "Compare in the held metadata snapshot.")
    boolean metadataSnap;

    @Override
    public Integer call() throws IOException {
        try (PoolMetadata md = metadata.open()) {
            OutputStreamWriter w = new OutputStreamWriter(out(), StandardCharsets.UTF_8);
            ThinDelta.write(MetadataWalk.of(md), thin1, thin2, metadataSnap, verbose, w);
            w.flush();
        }
        return JthinCommand.OK;
    }
}
