package io.jthin.loopfile;

import java.io.IOException;

/** An I/O error of the operating system on a block device, naming the device, the operation and the offset. */
public final class DeviceIOException extends StorageException {
    private static final long serialVersionUID = 1L;

    public DeviceIOException(String device, String operation, long offsetBytes, IOException cause) {
        super(device + ": " + operation + " at byte " + offsetBytes + " failed: " + cause.getMessage(), cause);
    }

    public DeviceIOException(String message) {
        super(message);
    }

    public DeviceIOException(String message, Throwable cause) {
        super(message, cause);
    }
}
