package io.jthin.engine.cli;

import io.jthin.engine.tools.MetadataDumper;
import io.jthin.engine.tools.MetadataWalk;
import io.jthin.snapshot.PoolMetadata;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code jthin dump}: thin_dump's XML, byte for byte. */
@Command(name = "dump", mixinStandardHelpOptions = true,
        description = {"Print the metadata as thin_dump XML.", "Byte-identical to thin_dump 0.9.0."})
final class DumpCommand extends JthinSubcommand {
    @Mixin
    MetadataArgs metadata;

    @Option(names = {"-m", "--metadata-snap"}, description = "Dump the held metadata snapshot.")
    boolean metadataSnap;

    @Option(names = "-o", paramLabel = "FILE", description = "Write the XML to FILE instead of stdout.")
    Path output;

    @Option(names = "--dev-id", paramLabel = "N", converter = Converters.DeviceId.class, description = "Dump only device N.")
    Long devId;

    @Option(names = "--skip-mappings", description = "Devices only, without their mappings.")
    boolean skipMappings;

    @Override
    public Integer call() throws IOException {
        try (PoolMetadata md = metadata.open()) {
            OutputStream o = output == null ? out() : Files.newOutputStream(output);
            try {
                Writer w = new OutputStreamWriter(o, StandardCharsets.UTF_8);
                MetadataDumper.dump(MetadataWalk.of(md), w, new MetadataDumper.Options(metadataSnap, devId, skipMappings));
                w.flush();
            } finally {
                if (output != null) {
                    o.close();
                }
            }
        }
        return JthinCommand.OK;
    }
}
