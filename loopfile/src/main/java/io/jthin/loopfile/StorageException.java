package io.jthin.loopfile;

/**
 * Root of jthin's error family. Every error the engine raises on purpose extends this class and
 * says what is wrong and where (a path, a block number, a device id).
 *
 * <p>Java's {@code sealed} cannot span Maven modules without JPMS, so each layer adds its own
 * subclasses: {@link PoolLockedException} and {@link DeviceIOException} here, checksum and
 * space errors in the layers above.
 */
public abstract class StorageException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    protected StorageException(String message) {
        super(message);
    }

    protected StorageException(String message, Throwable cause) {
        super(message, cause);
    }
}
