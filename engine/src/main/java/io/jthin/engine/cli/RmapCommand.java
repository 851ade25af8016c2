package io.jthin.engine.cli;

import io.jthin.engine.tools.ThinRmap;
import io.jthin.snapshot.PoolMetadata;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/** {@code jthin rmap --region A..B}: thin_rmap's reverse map, which device blocks map given data blocks. */
final class RmapCommand extends JthinSubcommand {
    static CommandSpec spec() {
        RmapCommand c = new RmapCommand();
        c.spec = MetadataArgs.addTo(new SpecBuilder("rmap", c)
                .description("Which thin devices map these data blocks (thin_rmap).",
                        "Prints 'data A..B -> thin(DEV) V..W' for each run, as thin_rmap 0.9.0."))
                .option(OptionSpec.builder("--region").paramLabel("BEGIN..END").type(List.class)
                        .auxiliaryTypes(String.class).description("Data blocks BEGIN to END-1; give it once or more."))
                .build();
        return c.spec;
    }

    @Override
    public Integer call() {
        MetadataArgs metadata = MetadataArgs.of(this);
        List<String> given = value("--region");
        if (given == null || given.isEmpty()) {
            throw new CommandLine.ParameterException(spec.commandLine(), "no regions given: --region BEGIN..END");
        }
        List<ThinRmap.Region> regions = new ArrayList<>();
        for (String r : given) {
            try {
                regions.add(ThinRmap.Region.parse(r));
            } catch (IllegalArgumentException e) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--region " + e.getMessage());
            }
        }
        List<ThinRmap.Run> runs;
        try (PoolMetadata md = metadata.open()) {
            runs = ThinRmap.of(md, regions);
        }
        StringBuilder b = new StringBuilder();
        for (ThinRmap.Run run : runs) {
            b.append(run).append('\n');
        }
        out().print(b);
        return JthinCommand.OK;
    }
}
