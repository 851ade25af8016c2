package io.jthin.engine.cli;

import io.jthin.engine.tools.MetadataRestorer;
import io.jthin.engine.tools.SizeParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code jthin restore -i XML}: thin_restore into the pool directory (or {@code -o FILE}). */
@Command(name = "restore", mixinStandardHelpOptions = true,
        description = {"Build the metadata from thin_dump XML (thin_restore).",
            "The pool directory's metadata file keeps its size (or is created at --metadata-size); the data file is "
                + "created or grown to nr_data_blocks. A refused XML changes nothing."})
final class RestoreCommand extends JthinSubcommand {
    @Mixin
    PoolDirOption pool;

    @Option(names = {"-i", "--input"}, required = true, paramLabel = "XML", description = "thin_dump XML to restore.")
    Path input;

    @Option(names = {"-o", "--output"}, paramLabel = "METADATA",
            description = "Restore into this existing metadata file instead of the pool directory (as thin_restore -o).")
    Path output;

    @Option(names = "--metadata-size", paramLabel = "SIZE", defaultValue = "2G", converter = Converters.Size.class,
            description = "Size of a metadata file that does not exist yet (default ${DEFAULT-VALUE}).")
    long metadataSize;

    @Option(names = {"-q", "--quiet"}, description = "Print nothing on success.")
    boolean quiet;

    @Override
    public Integer call() throws IOException {
        MetadataRestorer.Summary s;
        if (output != null) {
            if (!Files.exists(output)) {
                throw new NoSuchFileException(output.toString(), null, "no such file (thin_restore needs an existing "
                        + "output file: create it first, e.g. truncate -s 16M " + output + ")");
            }
            s = MetadataRestorer.restoreFile(input, output, 0, MetadataArgs.CACHE_BYTES);
        } else {
            s = MetadataRestorer.restorePool(pool.dir(), input, metadataSize, MetadataArgs.CACHE_BYTES);
        }
        if (!quiet) {
            out().println("restored " + s.deviceIds().size() + " device" + (s.deviceIds().size() == 1 ? "" : "s") + " and "
                    + s.mappings() + " mapping" + (s.mappings() == 1 ? "" : "s") + " into "
                    + (output != null ? output : pool.dir().resolve("devicemapper/metadata")) + " (data blocks of "
                    + SizeParser.format(s.dataBlockBytes()) + ", " + s.nrDataBlocks() + " data blocks)"
                    + (s.ignoredMetadataSnap() ? "; the XML's metadata_snap was ignored (no snapshot is built)" : ""));
        }
        return JthinCommand.OK;
    }
}
