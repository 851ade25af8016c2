package io.jthin.snapshot;

import io.jthin.loopfile.StorageException;

/** No thin device has this id (the kernel's ENODATA). */
public final class NoSuchDeviceException extends StorageException {
    private static final long serialVersionUID = 1L;

    public NoSuchDeviceException(long devId) {
        super("thin device " + devId + " does not exist");
    }
}
