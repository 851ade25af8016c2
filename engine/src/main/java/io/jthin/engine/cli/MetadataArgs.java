package io.jthin.engine.cli;

import io.jthin.engine.PoolDirectory;
import io.jthin.snapshot.PoolMetadata;
import java.nio.file.Path;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/**
 * Where the metadata tools (dump, check, ls, delta) read from: the pool directory's metadata file,
 * or a metadata file named as the thin-provisioning-tools take it ({@code thin_dump META}).
 */
final class MetadataArgs {
    static final long CACHE_BYTES = 64L << 20;

    @Mixin
    PoolDirOption pool;

    @Parameters(arity = "0..1", paramLabel = "METADATA",
            description = "A metadata file to read instead of the pool directory's (as thin_dump, thin_check … take it).")
    Path file;

    /** The metadata, read-only (shared lock). */
    PoolMetadata open() {
        return file != null ? PoolDirectory.openMetadataFileReadOnly(file, CACHE_BYTES)
                : PoolDirectory.openMetadataReadOnly(pool.dir(), CACHE_BYTES);
    }
}
