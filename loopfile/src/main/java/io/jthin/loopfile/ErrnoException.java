package io.jthin.loopfile;

import java.io.IOException;

/**
 * A libc call returned -1: owns the function name, the captured {@code errno} and its text.
 *
 * <p>Immutable; package-private because callers above see it only as the cause of a
 * {@link DeviceIOException}. The message reads like
 * {@code fallocate failed: errno 95 EOPNOTSUPP (Operation not supported)}.
 */
final class ErrnoException extends IOException {
    private static final long serialVersionUID = 1L;
    private final int errno;

    ErrnoException(String function, int errno, String errnoName, String errnoText) {
        super(function + " failed: errno " + errno
                + (errnoName == null ? "" : " " + errnoName)
                + (errnoText == null ? "" : " (" + errnoText + ")"));
        this.errno = errno;
    }

    /** The raw errno value (Linux numbering). */
    int errno() {
        return errno;
    }
}
