package io.jthin.engine.cli;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import io.jthin.engine.PoolDirectory;
import io.jthin.engine.tools.CheckReport;
import io.jthin.engine.tools.MetadataChecker;
import io.jthin.loopfile.LoopLvmLayout;
import io.jthin.loopfile.SparseFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code jthin check}: thin_check, and stricter (data reference counts, mapped_blocks, bounds). */
@Command(name = "check", mixinStandardHelpOptions = true,
        description = {"Check the metadata (thin_check, and stricter).",
            "Also recounts data references, mapped_blocks, data block bounds and the space map figures. "
                + "Exit 0 when clean, 1 with each problem named."})
final class CheckCommand extends JthinSubcommand {
    @Mixin
    MetadataArgs metadata;

    @Option(names = {"-q", "--quiet"}, description = "Print nothing; the exit code tells.")
    boolean quiet;

    @Option(names = "--super-block-only", description = "Check only the superblock.")
    boolean superBlockOnly;

    @Option(names = "--skip-mappings", description = "Do not walk the devices' mapping trees (no count comparison).")
    boolean skipMappings;

    @Option(names = "--json", description = "Print the report as JSON.")
    boolean json;

    @Override
    public Integer call() throws IOException {
        Path file;
        long dataBytes = -1;
        if (metadata.file != null) {
            file = metadata.file;
        } else {
            PoolDirectory.requirePool(metadata.pool.dir());
            LoopLvmLayout layout = LoopLvmLayout.of(metadata.pool.dir());
            file = layout.metadataFile();
            dataBytes = Files.size(layout.dataFile());
        }
        CheckReport r;
        try (SparseFile f = SparseFile.openReadOnly(file)) {
            r = MetadataChecker.check(f, new MetadataChecker.Options(superBlockOnly, skipMappings, dataBytes));
        }
        if (json) {
            JsonObject o = new JsonObject();
            o.addProperty("clean", r.clean());
            o.addProperty("errors", r.errors());
            o.addProperty("warnings", r.warnings());
            o.addProperty("transactionId", r.transactionId());
            o.addProperty("devices", r.devices());
            o.addProperty("mappings", r.mappings());
            o.addProperty("metadataBlocks", r.metadataBlocks());
            o.addProperty("metadataBlocksUsed", r.metadataBlocksUsed());
            o.addProperty("dataBlocks", r.dataBlocks());
            o.addProperty("dataBlocksUsed", r.dataBlocksUsed());
            o.addProperty("countsChecked", r.countsChecked());
            JsonArray problems = new JsonArray();
            for (CheckReport.Problem p : r.problems()) {
                JsonObject po = new JsonObject();
                po.addProperty("severity", p.severity().name().toLowerCase());
                po.addProperty("kind", p.kind());
                po.addProperty("message", p.message());
                problems.add(po);
            }
            o.add("problems", problems);
            printJson(o);
        } else if (!quiet) {
            for (CheckReport.Problem p : r.problems()) {
                (p.severity() == CheckReport.Severity.ERROR ? err() : out()).println(p);
            }
            (r.clean() ? out() : err()).println("jthin check: " + file + ": " + r.summary());
        }
        return r.clean() ? JthinCommand.OK : JthinCommand.FAILURE;
    }
}
