package io.jthin.engine;

import io.jthin.loopfile.StorageException;

/** The pool is in FAIL mode (even rolling back failed): every I/O is refused. Reopen the pool after a check. */
public final class PoolFailedException extends StorageException {
    private static final long serialVersionUID = 1L;

    public PoolFailedException(String message, Throwable cause) {
        super(message, cause);
    }
}
