package io.jthin.engine.cli;

import io.jthin.engine.tools.MetadataSizeCommandLine;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Unmatched;

/**
 * {@code jthin metadata-size -b 64k -s 100G -m 1000}: thin_metadata_size 0.9.0, options, output and
 * exit codes as the tool's ({@link MetadataSizeCommandLine} parses the arguments itself).
 */
@Command(name = "metadata-size", description = {"Estimate the metadata size a pool needs (thin_metadata_size).",
        "Options as thin_metadata_size: -b BLOCKSIZE -s POOLSIZE -m MAXTHINS [-u UNIT] [-n]."})
final class MetadataSizeCommand extends JthinSubcommand {
    static final String PROGRAM = "thin_metadata_size";

    @Unmatched
    List<String> args = new ArrayList<>();

    @Override
    public Integer call() {
        MetadataSizeCommandLine.Outcome o = MetadataSizeCommandLine.run(PROGRAM, "0.9.0", args);
        out().print(o.stdout());
        err().print(o.stderr());
        return o.exitCode();
    }
}
