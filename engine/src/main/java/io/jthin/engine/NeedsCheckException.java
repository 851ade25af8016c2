package io.jthin.engine;

import io.jthin.loopfile.StorageException;

/**
 * The pool is read-only because a metadata operation failed (or the superblock carries
 * NEEDS_CHECK): writes that need a metadata change are refused until the metadata is checked and
 * the flag cleared ({@code jthin check --clear-needs-check-flag}, or thin_check's), with the pool
 * closed. Committed data is untouched.
 */
public final class NeedsCheckException extends StorageException {
    private static final long serialVersionUID = 1L;

    public NeedsCheckException(String message, Throwable cause) {
        super(message, cause);
    }
}
