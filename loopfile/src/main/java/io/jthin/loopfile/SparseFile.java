package io.jthin.loopfile;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A {@link BlockDevice} on a sparse file (or a block device node): positional I/O through a
 * FileChannel, punch-hole and allocated-size through a second descriptor opened with FFM, and an
 * exclusive lock held while open.
 *
 * <p>Locking: a JVM-wide set of open canonical paths refuses a second open in this JVM before any
 * descriptor is opened (closing a second descriptor would otherwise drop the first one's POSIX
 * lock); an OS lock ({@link FileChannel#tryLock()}) refuses a second process. Both raise
 * {@link PoolLockedException} naming the path.
 *
 * <p>Thread-safe: positional reads and writes may run concurrently.
 */
public final class SparseFile implements BlockDevice {
    private static final Set<Path> OPEN = ConcurrentHashMap.newKeySet();

    private final Path path;
    private final Path key;
    private final FileChannel channel;
    private final FileLock lock;
    private final int fd;
    private final boolean blockDevice;
    private final boolean readOnly;
    private volatile boolean closed;

    private SparseFile(Path path, Path key, FileChannel channel, FileLock lock, int fd, boolean blockDevice,
            boolean readOnly) {
        this.path = path;
        this.key = key;
        this.channel = channel;
        this.lock = lock;
        this.fd = fd;
        this.blockDevice = blockDevice;
        this.readOnly = readOnly;
    }

    /** Creates a new sparse file of {@code sizeBytes} (no blocks allocated); fails if it exists. */
    public static SparseFile create(Path path, long sizeBytes) {
        if (sizeBytes < 0) {
            throw new IllegalArgumentException("size must not be negative: " + sizeBytes);
        }
        try {
            Files.createFile(path);
        } catch (IOException e) {
            throw new DeviceIOException(path.toString(), "create", 0, e);
        }
        SparseFile f = open(path, false);
        try {
            f.resize(sizeBytes);
        } catch (RuntimeException e) {
            f.close();
            throw e;
        }
        return f;
    }

    /** Opens an existing file or block device for reading and writing, locked exclusively. */
    public static SparseFile open(Path path) {
        return open(path, false);
    }

    /** Opens an existing file or block device, read-only or read-write, locked (shared lock when read-only). */
    public static SparseFile open(Path path, boolean readOnly) {
        Path key;
        try {
            key = path.toRealPath();
        } catch (IOException e) {
            throw new DeviceIOException(path.toString(), "open", 0, e);
        }
        if (!OPEN.add(key)) {
            throw new PoolLockedException(path);
        }
        FileChannel ch = null;
        int fd = -1;
        try {
            ch = readOnly ? FileChannel.open(key, StandardOpenOption.READ)
                    : FileChannel.open(key, StandardOpenOption.READ, StandardOpenOption.WRITE);
            FileLock lock;
            try {
                lock = ch.tryLock(0, Long.MAX_VALUE, readOnly);
            } catch (OverlappingFileLockException e) {
                lock = null;
            }
            if (lock == null) {
                throw new PoolLockedException(path);
            }
            boolean blockDevice = !Files.isRegularFile(key);
            fd = LibC.open(key.toString(), readOnly ? LibC.O_RDONLY : LibC.O_RDWR);
            return new SparseFile(path, key, ch, lock, fd, blockDevice, readOnly);
        } catch (IOException e) {
            cleanup(ch, fd, key);
            throw new DeviceIOException(path.toString(), "open", 0, e);
        } catch (LibC.Errno e) {
            cleanup(ch, fd, key);
            throw new DeviceIOException(path + ": " + e.getMessage());
        } catch (RuntimeException e) {
            cleanup(ch, fd, key);
            throw e;
        }
    }

    private static void cleanup(FileChannel ch, int fd, Path key) {
        try {
            if (ch != null) {
                ch.close();
            }
        } catch (IOException ignored) {
            // already failing
        }
        if (fd >= 0) {
            try {
                LibC.close(fd);
            } catch (LibC.Errno ignored) {
                // already failing
            }
        }
        OPEN.remove(key);
    }

    public Path path() {
        return path;
    }

    private void checkOpen() {
        if (closed) {
            throw new DeviceIOException(path + " is closed");
        }
    }

    @Override
    public void read(long offsetBytes, ByteBuffer dst) {
        checkOpen();
        long pos = offsetBytes;
        try {
            while (dst.hasRemaining()) {
                int n = channel.read(dst, pos);
                if (n < 0) {
                    while (dst.hasRemaining()) {
                        dst.put((byte) 0);
                    }
                    return;
                }
                pos += n;
            }
        } catch (IOException e) {
            throw new DeviceIOException(path.toString(), "read", pos, e);
        }
    }

    @Override
    public void write(long offsetBytes, ByteBuffer src) {
        checkOpen();
        long size = size();
        if (offsetBytes < 0 || offsetBytes + src.remaining() > size) {
            throw new DeviceIOException(path + ": write of " + src.remaining() + " bytes at " + offsetBytes
                    + " is past the end of the file (" + size + " bytes)");
        }
        long pos = offsetBytes;
        try {
            while (src.hasRemaining()) {
                pos += channel.write(src, pos);
            }
        } catch (IOException e) {
            throw new DeviceIOException(path.toString(), "write", pos, e);
        }
    }

    @Override
    public void sync() {
        checkOpen();
        try {
            channel.force(false);
        } catch (IOException e) {
            throw new DeviceIOException(path.toString(), "fdatasync", 0, e);
        }
    }

    @Override
    public long size() {
        checkOpen();
        try {
            return blockDevice ? LibC.seekEnd(fd) : channel.size();
        } catch (IOException e) {
            throw new DeviceIOException(path.toString(), "size", 0, e);
        } catch (LibC.Errno e) {
            throw new DeviceIOException(path + ": " + e.getMessage());
        }
    }

    @Override
    public void resize(long newSizeBytes) {
        checkOpen();
        if (blockDevice) {
            throw new DeviceIOException(path + ": a block device cannot be resized by jthin");
        }
        try {
            LibC.truncate(fd, newSizeBytes);
        } catch (LibC.Errno e) {
            throw new DeviceIOException(path + ": " + e.getMessage());
        }
    }

    @Override
    public void punchHole(long offsetBytes, long lengthBytes) {
        checkOpen();
        if (lengthBytes <= 0) {
            return;
        }
        try {
            LibC.punchHole(fd, offsetBytes, lengthBytes);
        } catch (LibC.Errno e) {
            throw new DeviceIOException(path + ": punching a hole of " + lengthBytes + " bytes at " + offsetBytes
                    + ": " + e.getMessage());
        }
    }

    @Override
    public long allocatedBytes() {
        checkOpen();
        try {
            return LibC.allocatedBytes(fd);
        } catch (LibC.Errno e) {
            throw new DeviceIOException(path + ": " + e.getMessage());
        }
    }

    @Override
    public String name() {
        return path.toString();
    }

    public boolean isReadOnly() {
        return readOnly;
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            lock.release();
        } catch (IOException ignored) {
            // the channel close below releases it too
        }
        cleanup(channel, fd, key);
    }
}
