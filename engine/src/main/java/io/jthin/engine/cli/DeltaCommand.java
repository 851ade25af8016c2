package io.jthin.engine.cli;

import io.jthin.engine.tools.MetadataWalk;
import io.jthin.engine.tools.ThinDelta;
import io.jthin.engine.tools.ThinDeltaWriter;
import io.jthin.snapshot.PoolMetadata;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.nio.charset.StandardCharsets;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/** {@code jthin delta --thin1 A --thin2 B}: thin_delta's XML, or the same ranges as JSON ({@code --json}). */
final class DeltaCommand extends JthinSubcommand {
    static CommandSpec spec() {
        DeltaCommand c = new DeltaCommand();
        c.spec = MetadataArgs.addTo(new SpecBuilder("delta", c)
                .description("Compare two thin devices (thin_delta).",
                        "Prints same, different, left_only and right_only ranges as XML."))
                .option(device("Left device.", "A", "--thin1", "--snap1"))
                .option(device("Right device.", "B", "--thin2", "--snap2"))
                .flag("Show the data blocks of every range.", "--verbose")
                .option(MetadataSnapOption.spec("Compare in the held metadata snapshot (BLOCK, if given, must be where "
                        + "the superblock holds it)."))
                .flag("Print the same ranges as one line of JSON.", "--json")
                .build();
        return c.spec;
    }

    private static OptionSpec.Builder device(String description, String label, String... names) {
        return OptionSpec.builder(names).required(true).paramLabel(label).type(Long.class)
                .converters(new Converters.DeviceId()).description(description);
    }

    @Override
    public Integer call() throws IOException {
        MetadataArgs metadata = MetadataArgs.of(this);
        try (PoolMetadata md = metadata.open()) {
            OutputStreamWriter w = new OutputStreamWriter(out(), StandardCharsets.UTF_8);
            boolean verbose = flag("--verbose");
            boolean snap = MetadataSnapOption.requested(value(MetadataSnapOption.LONG), md);
            ThinDelta.write(MetadataWalk.of(md), this.<Long>value("--thin1"), this.<Long>value("--thin2"),
                    snap, flag("--json") ? ThinDeltaWriter.json(w, verbose) : new ThinDeltaWriter(w, verbose));
            w.flush();
        }
        return JthinCommand.OK;
    }
}
