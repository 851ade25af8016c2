package io.jthin.loopfile;

import java.nio.file.Path;

/** A second process, or a second open in this JVM, tried to open a file another owner holds. */
public final class PoolLockedException extends StorageException {
    private static final long serialVersionUID = 1L;
    private final Path path;

    public PoolLockedException(Path path) {
        super(path + " is in use: another process (or another open in this JVM) holds its lock");
        this.path = path;
    }

    public Path path() {
        return path;
    }
}
