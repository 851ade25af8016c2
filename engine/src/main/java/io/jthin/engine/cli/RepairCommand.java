package io.jthin.engine.cli;

import io.jthin.engine.PoolDirectory;
import io.jthin.engine.tools.MetadataDumper;
import io.jthin.engine.tools.MetadataRestorer;
import io.jthin.engine.tools.MetadataWalk;
import io.jthin.engine.tools.SuperblockOverride;
import io.jthin.engine.tools.ThinDumpWriter;
import io.jthin.snapshot.PoolMetadata;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code jthin repair -i IN -o OUT}: thin_repair — what can be read of damaged metadata, rebuilt as
 * new metadata in another file: dump --repair's salvage (damaged nodes left out, other roots found
 * by search, a stand-in for an unreadable superblock), restored into OUT as restore -o does.
 */
@Command(name = "repair", mixinStandardHelpOptions = true,
        description = {"Rebuild damaged metadata into another file (thin_repair).",
            "Salvages IN as dump --repair does and restores what it read into OUT, an existing file (as thin_repair "
                + "-i IN -o OUT). IN is only read."})
final class RepairCommand extends JthinSubcommand {
    private static final int MAX_DAMAGE_LINES = 10;
    private static final String WHO = "jthin repair";

    @Option(names = {"-i", "--input"}, required = true, paramLabel = "METADATA", description = "The damaged metadata.")
    Path input;

    @Option(names = {"-o", "--output"}, required = true, paramLabel = "METADATA",
            description = "An existing file to write the repaired metadata to (not IN).")
    Path output;

    @Option(names = "--transaction-id", paramLabel = "N", description = "Stands in for the superblock's, as thin_repair's.")
    Long transactionId;

    @Option(names = "--data-block-size", paramLabel = "SECTORS", description = "Stands in for the superblock's.")
    Long dataBlockSectors;

    @Option(names = "--nr-data-blocks", paramLabel = "N", description = "Stands in for the superblock's.")
    Long nrDataBlocks;

    @Override
    public Integer call() throws IOException {
        if (!Files.exists(output)) {
            throw new NoSuchFileException(output.toString(), null, "no such file (repair writes into an existing file: "
                    + "create it first, e.g. truncate -s 16M " + output + ")");
        }
        if (Files.exists(input) && Files.isSameFile(input, output)) {
            throw new IllegalArgumentException("the output must be another file than the input " + input);
        }
        SuperblockOverride override = new SuperblockOverride(transactionId, dataBlockSectors, nrDataBlocks);
        Path xml = Files.createTempFile(output.toAbsolutePath().getParent(), ".jthin-repair-", ".xml");
        try {
            List<String> damage = new ArrayList<>();
            try (PoolMetadata md = Salvage.open(
                    standIn -> PoolDirectory.openMetadataFileForSalvage(input, MetadataArgs.CACHE_BYTES, standIn),
                    override, err(), WHO);
                    Writer w = Files.newBufferedWriter(xml, StandardCharsets.UTF_8)) {
                MetadataWalk walk = override.applyTo(Salvage.walk(md, false, damage, err(), WHO));
                MetadataDumper.dump(walk, new ThinDumpWriter(w), MetadataDumper.Options.all());
            }
            Salvage.tellDamage(damage, MAX_DAMAGE_LINES, err(), WHO);
            MetadataRestorer.Summary s = MetadataRestorer.restoreFile(xml, output, 0, MetadataArgs.CACHE_BYTES);
            out().println("repaired into " + output + ": " + s.deviceIds().size() + " device"
                    + (s.deviceIds().size() == 1 ? "" : "s") + ", " + s.mappings() + " mapping" + (s.mappings() == 1 ? "" : "s")
                    + (damage.isEmpty() ? "" : " (" + damage.size() + " damaged node" + (damage.size() == 1 ? "" : "s")
                    + " left out)"));
        } finally {
            Files.deleteIfExists(xml);
        }
        return JthinCommand.OK;
    }
}
