package io.jthin.engine.cli;

import io.jthin.engine.PoolDirectory;
import io.jthin.loopfile.LoopLvmLayout;
import io.jthin.snapshot.PoolMetadata;
import io.jthin.snapshot.Superblock;
import java.nio.file.Path;
import picocli.CommandLine.Model.PositionalParamSpec;

/**
 * Where the metadata tools (dump, check, ls, delta) read from: the pool directory's metadata file,
 * or a metadata file named as the thin-provisioning-tools take it ({@code thin_dump META}).
 * {@code file} is null when none is named.
 */
record MetadataArgs(Path poolDir, Path file) {
    static final long CACHE_BYTES = 64L << 20;

    /** Adds {@code -p/--pool DIR} and {@code [METADATA]} to a tool's model. */
    static SpecBuilder addTo(SpecBuilder spec) {
        return spec.option(PoolDirOption.spec()).positional(PositionalParamSpec.builder().index("0").arity("0..1")
                .paramLabel("METADATA").type(Path.class)
                .description("A metadata file to read instead of the pool directory's (as thin_dump, thin_check … take it)."));
    }

    /** The values {@link #addTo} added, as the command line gave them. */
    static MetadataArgs of(JthinSubcommand command) {
        Path dir = command.value(PoolDirOption.LONG);
        Path file = command.spec.positionalParameters().getFirst().getValue();
        return new MetadataArgs(dir.normalize(), file);
    }

    /**
     * The metadata, read-only (shared lock), to salvage its trees: space maps not read, walks only;
     * {@code standIn} in place of an unreadable superblock (null: read it).
     */
    PoolMetadata openForSalvage(Superblock standIn) {
        return PoolDirectory.openMetadataFileForSalvage(metadataFile(), CACHE_BYTES, standIn);
    }

    /** The metadata file named, else the pool directory's (refused, naming what is missing, if it is no pool). */
    private Path metadataFile() {
        if (file != null) {
            return file;
        }
        PoolDirectory.requirePool(poolDir);
        return LoopLvmLayout.of(poolDir).metadataFile();
    }

    /** The metadata, read-only (shared lock). */
    PoolMetadata open() {
        return PoolDirectory.openMetadataFileReadOnly(metadataFile(), CACHE_BYTES);
    }
}
