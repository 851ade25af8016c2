package io.jthin.engine.cli;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import io.jthin.engine.PoolDirectory;
import io.jthin.engine.tools.CheckReport;
import io.jthin.engine.tools.LeakRepair;
import io.jthin.engine.tools.MetadataChecker;
import io.jthin.snapshot.PoolMetadata;
import io.jthin.loopfile.ForwardingBlockDevice;
import io.jthin.loopfile.LoopLvmLayout;
import io.jthin.loopfile.SparseFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Function;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

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
                .flag("Report leaked reference counts (blocks counted more often than the trees use them: "
                        + "space wasted, no data at risk) as warnings, as thin_check's non-fatal errors.",
                        "--ignore-non-fatal-errors")
                .flag("When leaked reference counts are the only errors, lower them to the recount in a commit of "
                        + "their own, then check again. Holds the metadata exclusively throughout.", "--auto-repair")
                .flag("Check the held metadata snapshot's devices and trees only (what stays still while a live "
                        + "pool changes the rest), without the space maps.", "-m", "--metadata-snap")
                .option(OptionSpec.builder("--override-mapping-root").paramLabel("BLOCK").type(Long.class)
                        .description("Check the devices against the top-level mapping tree at BLOCK instead of the "
                                + "superblock's (reference counts are then not compared)."))
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
        boolean repair = flag("--auto-repair");
        boolean snap = flag("--metadata-snap");
        Long mappingRoot = value("--override-mapping-root");
        if (snap && mappingRoot != null) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "--metadata-snap and --override-mapping-root exclude each other");
        }
        if ((snap || mappingRoot != null) && (clear || repair)) {
            throw new CommandLine.ParameterException(spec.commandLine(), (snap ? "--metadata-snap" : "--override-mapping-root")
                    + " checks part of the metadata: it cannot clear the NEEDS_CHECK flag or repair counts");
        }
        if (mappingRoot != null && mappingRoot <= 0) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "--override-mapping-root must name a metadata block (1 or more), not " + mappingRoot);
        }
        MetadataChecker.Options options = new MetadataChecker.Options(superBlockOnly, skipMappings, dataBytes,
                flag("--ignore-non-fatal-errors"), snap, mappingRoot == null ? -1 : mappingRoot);
        CheckReport found;
        CheckReport r;
        int repaired = 0;
        boolean cleared = false;
        try (SparseFile f = clear || repair ? SparseFile.open(file) : SparseFile.openReadOnly(file)) {
            found = MetadataChecker.check(f, options);
            r = found;
            int leakErrors = options.ignoreNonFatal() ? 0 : found.leaks().size();
            if (repair && !found.leaks().isEmpty() && found.errors() == leakErrors) {
                repaired = withMetadata(f, md -> LeakRepair.repair(md, found.leaks()));
                r = MetadataChecker.check(f, options);
            }
            if (clear && r.clean()) {
                cleared = withMetadata(f, CheckCommand::clearNeedsCheck);
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
            if (repair) {
                o.addProperty("errorsBeforeRepair", found.errors());
                o.addProperty("leaksRepaired", repaired);
            }
            printJson(o);
        } else if (!flag("--quiet")) {
            if (repaired > 0) {
                print(found);
                out().println("jthin check: " + file + ": repaired " + repaired + " leaked reference count"
                        + (repaired == 1 ? "" : "s") + "; checked again:");
            } else if (repair && !found.leaks().isEmpty() && !found.clean()) {
                err().println("jthin check: " + file + ": leaks not repaired: the check found other errors");
            }
            print(r);
            (r.clean() ? out() : err()).println("jthin check: " + file + ": " + r.summary());
            if (cleared) {
                out().println("jthin check: " + file + ": cleared the NEEDS_CHECK flag");
            } else if (clear && !r.clean()) {
                err().println("jthin check: " + file + ": NEEDS_CHECK left as it was: the check found errors");
            }
        }
        return r.clean() ? JthinCommand.OK : JthinCommand.FAILURE;
    }

    private void print(CheckReport report) {
        for (CheckReport.Problem p : report.problems()) {
            (p.severity() == CheckReport.Severity.ERROR ? err() : out()).println(p);
        }
    }

    /** Clears NEEDS_CHECK in a commit of its own (the metadata is otherwise unchanged); true when it was set. */
    private static boolean clearNeedsCheck(PoolMetadata md) {
        if (!md.needsCheck()) {
            return false;
        }
        md.needsCheck(false);
        md.commit();
        return true;
    }

    /** Runs {@code change} on the metadata of {@code f} (open read-write; it stays open). */
    private static <T> T withMetadata(SparseFile f, Function<PoolMetadata, T> change) {
        PoolMetadata md = PoolMetadata.open(new ForwardingBlockDevice(f) {
            @Override
            public void close() {
                // the caller closes f
            }
        }, MetadataArgs.CACHE_BYTES, true);
        try {
            return change.apply(md);
        } finally {
            md.close();
        }
    }
}
