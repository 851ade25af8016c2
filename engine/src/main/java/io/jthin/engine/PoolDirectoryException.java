package io.jthin.engine;

import io.jthin.loopfile.StorageException;

/**
 * A pool directory cannot be used as asked: it is not a pool (no {@code devicemapper/data} and
 * {@code devicemapper/metadata}), it is not empty when a new pool is to be made there, or its
 * files disagree with each other. The message names the directory and what is wrong; nothing was
 * changed.
 */
public final class PoolDirectoryException extends StorageException {
    private static final long serialVersionUID = 1L;

    public PoolDirectoryException(String message) {
        super(message);
    }

    public PoolDirectoryException(String message, Throwable cause) {
        super(message, cause);
    }
}
