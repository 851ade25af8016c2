package io.jthin.engine.cli;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import io.jthin.engine.tools.MetadataWalk;
import io.jthin.engine.tools.ThinLs;
import io.jthin.engine.tools.ThinLsReport;
import io.jthin.snapshot.PoolMetadata;
import java.util.List;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/** {@code jthin ls}: thin_ls's table (or JSON). */
final class LsCommand extends JthinSubcommand {
    static CommandSpec spec() {
        LsCommand c = new LsCommand();
        c.spec = MetadataArgs.addTo(new SpecBuilder("ls", c)
                .description("List thin devices (thin_ls).",
                        "Fields: DEV, MAPPED_BLOCKS, EXCLUSIVE_BLOCKS, SHARED_BLOCKS, MAPPED_SECTORS, EXCLUSIVE_SECTORS, "
                                + "SHARED_SECTORS, MAPPED_BYTES, EXCLUSIVE_BYTES, SHARED_BYTES, MAPPED, EXCLUSIVE, SHARED, "
                                + "TRANSACTION, CREATE_TIME, SNAP_TIME."))
                .option(OptionSpec.builder("-o", "--format").paramLabel("FIELDS").type(String.class)
                        .description("Comma-separated fields (default: DEV,MAPPED,CREATE_TIME,SNAP_TIME)."))
                .flag("No header line.", "--no-headers")
                .flag("List the held metadata snapshot's devices.", "-m", "--metadata-snap")
                .flag("Every figure of every device as JSON.", "--json")
                .build();
        return c.spec;
    }

    @Override
    public Integer call() {
        MetadataArgs metadata = MetadataArgs.of(this);
        String format = value("--format");
        List<ThinLsReport.Field> fields;
        try {
            fields = format == null ? ThinLsReport.DEFAULT_FIELDS : ThinLsReport.parseFields(format);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("-o " + format + ": unknown field (known: "
                    + String.join(",", java.util.Arrays.stream(ThinLsReport.Field.values()).map(Enum::name).toList()) + ")");
        }
        ThinLs.Result r;
        try (PoolMetadata md = metadata.open()) {
            r = ThinLs.of(MetadataWalk.of(md), flag("--metadata-snap"));
        }
        if (flag("--json")) {
            JsonArray a = new JsonArray();
            long bytesPerBlock = r.dataBlockSectors() * 512;
            for (ThinLsReport.DeviceFigures d : r.devices()) {
                JsonObject o = new JsonObject();
                o.addProperty("dev", d.devId());
                o.addProperty("mappedBlocks", d.mappedBlocks());
                o.addProperty("exclusiveBlocks", d.exclusiveBlocks());
                o.addProperty("sharedBlocks", d.sharedBlocks());
                o.addProperty("mappedBytes", d.mappedBlocks() * bytesPerBlock);
                o.addProperty("exclusiveBytes", d.exclusiveBlocks() * bytesPerBlock);
                o.addProperty("sharedBytes", d.sharedBlocks() * bytesPerBlock);
                o.addProperty("transaction", d.transaction());
                o.addProperty("createTime", d.creationTime());
                o.addProperty("snapTime", d.snapTime());
                a.add(o);
            }
            printJson(a);
        } else {
            out().print(r.render(fields, !flag("--no-headers")));
        }
        return JthinCommand.OK;
    }
}
