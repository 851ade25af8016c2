package io.jthin.engine.cli;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import io.jthin.engine.PoolDirectory;
import io.jthin.engine.tools.CheckReport;
import io.jthin.engine.tools.MetadataChecker;
import io.jthin.snapshot.PoolMetadata;
import io.jthin.loopfile.ForwardingBlockDevice;
import io.jthin.loopfile.LoopLvmLayout;
import io.jthin.loopfile.SparseFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Model.CommandSpec;

/** {@code jthin check}: thin_check, and stricter (data reference counts, mapped_blocks, bounds). */
final class CheckCommand extends JthinSubcommand {
    static CommandSpec spec() {
        CheckCommand c = new CheckCommand();
        c.spec = MetadataArgs.addTo(new SpecBuilder("check", c)
                .description("Check the metadata (thin_check, and stricter).",
                        "Also recounts data references, mapped_blocks, data block bounds and the space map figures. "
                                + "Exit 0 when clean, 1 with each problem named."))
                .flag("Print nothing; the exit code tells.", "-q", "--quiet")
                .flag("Check only the superblock.", "--super-block-only")
                .flag("Do not walk the devices' mapping trees (no count comparison).", "--skip-mappings")
                .flag("Print the report as JSON.", "--json")
                .flag("When the check finds no error, clear the superblock's NEEDS_CHECK flag (as thin_check): "
                        + "a pool that went read-only after a metadata failure can then be written again. "
                        + "Holds the metadata exclusively throughout.", "--clear-needs-check-flag")
                .build();
        return c.spec;
    }

    @Override
    public Integer call() throws IOException {
        MetadataArgs metadata = MetadataArgs.of(this);
        boolean superBlockOnly = flag("--super-block-only");
        boolean skipMappings = flag("--skip-mappings");
        Path file;
        long dataBytes = -1;
        if (metadata.file() != null) {
            file = metadata.file();
        } else {
            PoolDirectory.requirePool(metadata.poolDir());
            LoopLvmLayout layout = LoopLvmLayout.of(metadata.poolDir());
            file = layout.metadataFile();
            dataBytes = Files.size(layout.dataFile());
        }
        boolean clear = flag("--clear-needs-check-flag");
        CheckReport r;
        boolean cleared = false;
        try (SparseFile f = clear ? SparseFile.open(file) : SparseFile.openReadOnly(file)) {
            r = MetadataChecker.check(f, new MetadataChecker.Options(superBlockOnly, skipMappings, dataBytes));
            if (clear && r.clean()) {
                cleared = clearNeedsCheck(f);
            }
        }
        if (flag("--json")) {
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
            if (clear) {
                o.addProperty("needsCheckCleared", cleared);
            }
            printJson(o);
        } else if (!flag("--quiet")) {
            for (CheckReport.Problem p : r.problems()) {
                (p.severity() == CheckReport.Severity.ERROR ? err() : out()).println(p);
            }
            (r.clean() ? out() : err()).println("jthin check: " + file + ": " + r.summary());
            if (cleared) {
                out().println("jthin check: " + file + ": cleared the NEEDS_CHECK flag");
            } else if (clear && !r.clean()) {
                err().println("jthin check: " + file + ": NEEDS_CHECK left as it was: the check found errors");
            }
        }
        return r.clean() ? JthinCommand.OK : JthinCommand.FAILURE;
    }

    /**
     * Clears NEEDS_CHECK in a commit of its own (the metadata is otherwise unchanged); true when it
     * was set. {@code f} is open read-write and stays open.
     */
    private static boolean clearNeedsCheck(SparseFile f) {
        PoolMetadata md = PoolMetadata.open(new ForwardingBlockDevice(f) {
            @Override
            public void close() {
                // the caller closes f
            }
        }, MetadataArgs.CACHE_BYTES, true);
        try {
            if (!md.needsCheck()) {
                return false;
            }
            md.needsCheck(false);
            md.commit();
            return true;
        } finally {
            md.close();
        }
    }
}
