package io.jthin.engine.tools;

import io.jthin.engine.ThinPool;
import io.jthin.snapshot.MetadataVisitor;
import io.jthin.snapshot.PoolMetadata;

/**
 * Something whose metadata can be walked in thin_dump order: an open {@link ThinPool} (live
 * metadata including its uncommitted changes) or a {@link PoolMetadata} opened read-only by a
 * tool. dump, ls and delta take one, so they serve the embedded API and the command line alike.
 */
@FunctionalInterface
public interface MetadataWalk {

    /**
     * Walks the live metadata or the held metadata snapshot.
     *
     * @param onlyDevice null for every device, else that device alone
     * @throws io.jthin.snapshot.MetadataOperationException if {@code metadataSnap} and no snapshot is held
     */
    void accept(MetadataVisitor visitor, boolean metadataSnap, Long onlyDevice);

    static MetadataWalk of(PoolMetadata metadata) {
        return metadata::accept;
    }

    static MetadataWalk of(ThinPool pool) {
        return pool::accept;
    }
}
