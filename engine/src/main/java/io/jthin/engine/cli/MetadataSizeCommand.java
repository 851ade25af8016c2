package io.jthin.engine.cli;

import com.google.gson.JsonObject;
import io.jthin.engine.tools.MetadataSizeCommandLine;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Unmatched;

/**
 * {@code jthin metadata-size -b 64k -s 100G -m 1000}: thin_metadata_size 0.9.0, options, output and
 * exit codes as the tool's ({@link MetadataSizeCommandLine} parses the arguments itself), and
 * {@code --json} (ours: the tool has no such option), which prints the inputs and the estimate in
 * bytes as JSON instead of the tool's line; errors, help and version stay the tool's.
 */
@Command(name = "metadata-size", description = {"Estimate the metadata size a pool needs (thin_metadata_size).",
        "Options as thin_metadata_size: -b BLOCKSIZE -s POOLSIZE -m MAXTHINS [-u UNIT] [-n];",
        "--json prints the inputs and the estimate in bytes as JSON."})
final class MetadataSizeCommand extends JthinSubcommand {
    static final String PROGRAM = "thin_metadata_size";

    @Unmatched
    List<String> args = new ArrayList<>();

    @Override
    public Integer call() {
        List<String> toolArgs = new ArrayList<>(args);
        boolean json = removeJson(toolArgs);
        MetadataSizeCommandLine.Outcome o = MetadataSizeCommandLine.run(PROGRAM, "0.9.0", toolArgs);
        MetadataSizeCommandLine.Estimate e = o.estimate();
        if (json && e != null) {
            JsonObject j = new JsonObject();
            j.addProperty("block_size_bytes", e.blockSizeSectors() * MetadataSizeCommandLine.Estimate.SECTOR_BYTES);
            j.addProperty("pool_size_bytes", e.poolSizeSectors() * MetadataSizeCommandLine.Estimate.SECTOR_BYTES);
            j.addProperty("max_thins", e.maxThins());
            j.addProperty("metadata_blocks", e.metadataBlocks());
            j.addProperty("metadata_bytes", e.metadataBlocks() * MetadataSizeCommandLine.Estimate.METADATA_BLOCK_BYTES);
            printJson(j);
        } else {
            out().print(o.stdout());
            err().print(o.stderr());
        }
        return o.exitCode();
    }

    /** Takes {@code --json} out of the tool's options (not after {@code --}); true if it was there. */
    private static boolean removeJson(List<String> toolArgs) {
        int end = toolArgs.indexOf("--");
        List<String> options = end < 0 ? toolArgs : toolArgs.subList(0, end);
        return options.removeIf("--json"::equals);
    }
}
