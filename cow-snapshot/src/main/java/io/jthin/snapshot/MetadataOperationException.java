package io.jthin.snapshot;

import io.jthin.loopfile.StorageException;

/**
 * A pool-metadata request the current state refuses (the kernel's EINVAL/EBUSY cases): a
 * transaction id that does not match, a second metadata snapshot, a bad device id, the
 * 16,777,216th snapshot. Nothing was changed.
 */
public final class MetadataOperationException extends StorageException {
    private static final long serialVersionUID = 1L;

    public MetadataOperationException(String message) {
        super(message);
    }
}
