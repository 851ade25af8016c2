package io.jthin.engine.cli;

import io.jthin.engine.tools.MetadataDumper;
import io.jthin.engine.tools.MetadataWalk;
import io.jthin.engine.tools.SuperblockOverride;
import io.jthin.engine.tools.ThinDumpWriter;
import io.jthin.snapshot.PoolMetadata;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * {@code jthin dump}: thin_dump's XML or human-readable form ({@code -f}), byte for byte, or the same
 * content as JSON ({@code --json}).
 */
final class DumpCommand extends JthinSubcommand {
    static CommandSpec spec() {
        DumpCommand c = new DumpCommand();
        c.spec = MetadataArgs.addTo(new SpecBuilder("dump", c)
                .description("Print the metadata as thin_dump XML.", "Byte-identical to thin_dump 0.9.0."))
                .option(MetadataSnapOption.spec("Dump the held metadata snapshot (BLOCK, if given, must be where the "
                        + "superblock holds it)."))
                .option(OptionSpec.builder("-o").paramLabel("FILE").type(Path.class)
                        .description("Write to FILE instead of stdout."))
                .option(OptionSpec.builder("--dev-id").paramLabel("N").type(Long.class).converters(new Converters.DeviceId())
                        .description("Dump only device N."))
                .flag("Devices only, without their mappings.", "--skip-mappings")
                .flag("Dump what can be read of damaged metadata (thin_dump --repair): a tree node that cannot "
                        + "be read is left out with its subtree, and named on stderr.", "-r", "--repair")
                .flag("Print the same content as one line of JSON: superblock, devices, each device's mapping runs.",
                        "--json")
                .option(OptionSpec.builder("-f", "--format").paramLabel("FORMAT").type(String.class)
                        .defaultValue(XML).description("xml (the default) or human_readable, as thin_dump."))
                .option(override("--transaction-id", "N", "the transaction id"))
                .option(override("--data-block-size", "SECTORS", "the data block size (512-byte sectors)"))
                .option(override("--nr-data-blocks", "N", "the number of data blocks"))
                .build();
        return c.spec;
    }

    private static OptionSpec.Builder override(String name, String label, String what) {
        return OptionSpec.builder(name).paramLabel(label).type(Long.class)
                .description("Print " + what + " in the superblock instead of the metadata's; with --repair, "
                        + "stands in for it when the superblock cannot be read (as thin_dump's).");
    }

    private static final String XML = "xml";
    private static final int MAX_DAMAGE_LINES = 10;
    private static final String HUMAN_READABLE = "human_readable";

    @Override
    public Integer call() throws IOException {
        MetadataArgs metadata = MetadataArgs.of(this);
        Path output = value("-o");
        String format = value("--format");
        if (!format.equals(XML) && !format.equals(HUMAN_READABLE)) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "unknown format '" + format + "': xml or human_readable");
        }
        if (flag("--json") && !format.equals(XML)) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--json and --format " + format + " exclude each other");
        }
        SuperblockOverride override = new SuperblockOverride(value("--transaction-id"), value("--data-block-size"),
                value("--nr-data-blocks"));
        try (PoolMetadata md = flag("--repair") ? Salvage.open(metadata::openForSalvage, override, err(), "jthin dump: --repair")
                : metadata.open()) {
            OutputStream o = output == null ? out() : Files.newOutputStream(output);
            try {
                Writer w = new OutputStreamWriter(o, StandardCharsets.UTF_8);
                ThinDumpWriter dump = flag("--json") ? ThinDumpWriter.json(w)
                        : format.equals(HUMAN_READABLE) ? ThinDumpWriter.humanReadable(w) : new ThinDumpWriter(w);
                List<String> damage = new ArrayList<>();
                boolean snap = MetadataSnapOption.requested(value(MetadataSnapOption.LONG), md);
                MetadataWalk walk = override.applyTo(!flag("--repair") ? MetadataWalk.of(md)
                        : Salvage.walk(md, snap, damage, err(), "jthin dump: --repair"));
                MetadataDumper.dump(walk, dump,
                        new MetadataDumper.Options(snap, value("--dev-id"), flag("--skip-mappings")));
                w.flush();
                Salvage.tellDamage(damage, MAX_DAMAGE_LINES, err(), "jthin dump: --repair");
            } finally {
                if (output != null) {
                    o.close();
                }
            }
        }
        return JthinCommand.OK;
    }
}
