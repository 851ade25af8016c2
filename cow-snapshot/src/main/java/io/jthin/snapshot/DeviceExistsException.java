package io.jthin.snapshot;

import io.jthin.loopfile.StorageException;

/** A thin device id is already taken (the kernel's EEXIST). */
public final class DeviceExistsException extends StorageException {
    private static final long serialVersionUID = 1L;

    public DeviceExistsException(long devId) {
        super("thin device " + devId + " already exists");
    }
}
