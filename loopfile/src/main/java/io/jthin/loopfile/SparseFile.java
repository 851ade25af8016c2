package io.jthin.loopfile;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Set;

/**
 * A {@link BlockDevice} over a sparse file (or a block device node), held exclusively.
 *
 * <p>Owns: one FileChannel (syncs, and reads and writes of heap buffers), a second libc descriptor
 * ({@link NativeFile}: reads and writes of direct buffers, punch-hole, hole test, sparse grow,
 * {@code st_blocks}), the OS lock (exclusive, or shared when read-only) and the path's entry in the
 * JVM-wide {@link OpenFileRegistry}. A read-only regular file opens the libc descriptor on first
 * need, not with the file: a metadata check or dump reads heap buffers only, and linking libc
 * through FFM (its downcall stubs are generated at run time) cost such a short command about 0.1 s.
 *
 * <p>The OS lock: where the libc descriptor is opened with the file (read-write, or a block
 * device), an open file description lock on it ({@link NativeFile#tryLockWholeFile}): it belongs to
 * that descriptor, so code elsewhere in this JVM that opens and closes the file (a
 * {@code Files.readAllBytes}, another library) cannot drop it, and a second open under another
 * name (a hard link) is refused by the kernel even in this process. Otherwise — a read-only
 * regular file, or a kernel older than 3.15 — a classic POSIX lock through the FileChannel, which
 * the process owns and loses when <em>any</em> descriptor of the file closes. The two kinds
 * conflict with each other, so a reader of either kind excludes a writer of the other.
 *
 * <p>Invariants:
 * <ul>
 *   <li>While open, no other SparseFile in this JVM and no other process using OS locks holds the
 *       path. The registry is checked <em>before</em> any descriptor is opened, so a refused second
 *       open in this JVM closes no descriptor of a file whose POSIX lock this process holds.
 *   <li>{@link #size()} is cached: we hold the lock, so only {@link #resize} changes the length.
 *   <li>A grow never allocates: {@code ftruncate} leaves the new range a hole.
 *   <li>{@link #close()} releases the POSIX lock if it holds one, then closes the libc descriptor
 *       (which releases an OFD lock), then the channel, then the registry entry; it is idempotent.
 * </ul>
 *
 * <p>Thread-safety: read, write, sync, punchHole and allocatedBytes run concurrently under the read
 * side of one {@link StripedReadWriteLock} (not reentrant); resize and close take its exclusive side (so no I/O runs across
 * a size change or a close). No other lock is taken while it is held. Interrupting a thread in
 * a read or write of a heap buffer closes the FileChannel (FileChannel semantics); the device then
 * reports that and must be closed and reopened. Direct-buffer I/O goes through libc and is not
 * affected by interrupts.
 *
 * <p>Platform: locking and I/O work everywhere; punchHole and allocatedBytes need Linux on x86_64
 * or aarch64 and throw UnsupportedOperationException elsewhere (where a grow falls back to writing
 * one zero byte, and a block device's size is FileChannel's).
 */
public final class SparseFile implements BlockDevice {
    /** {@code S_IFMT} and {@code S_IFBLK} of {@code st_mode}, as the {@code unix:mode} attribute reports it. */
    private static final int S_IFMT = 0170000;
    private static final int S_IFBLK = 0060000;

    private final Path path;
    private final Path canonicalPath;
    private final String name;
    private final boolean readOnly;
    private final boolean blockDevice;
    private final FileChannel channel;
    /** The classic POSIX lock, or null where the libc descriptor holds an OFD lock (see the class comment). */
    private final FileLock lock;
    /** Null until opened on first need ({@link #nativeOnDemand}), or where libc is unsupported. */
    private volatile NativeFile nativeFile;
    /** True while a read-only regular file has not opened its libc descriptor yet; guarded by {@code this}. */
    private boolean nativeOnDemand;
    /** Not reentrant; its shared side is one CAS on a stripe of the calling thread, not on a word all I/O threads write. */
    private final StripedReadWriteLock rw = new StripedReadWriteLock();
    private volatile long sizeBytes;
    private volatile boolean closed;

    private SparseFile(Path path, Path canonicalPath, boolean readOnly, boolean blockDevice, FileChannel channel, FileLock lock,
            NativeFile nativeFile, boolean nativeOnDemand, long sizeBytes) {
        this.path = path;
        this.canonicalPath = canonicalPath;
        this.name = path.toString();
        this.readOnly = readOnly;
        this.blockDevice = blockDevice;
        this.channel = channel;
        this.lock = lock;
        this.nativeFile = nativeFile;
        this.nativeOnDemand = nativeOnDemand;
        this.sizeBytes = sizeBytes;
    }

    /**
     * Creates a new sparse file of {@code sizeBytes} (no blocks allocated) and opens it read-write.
     *
     * @throws DeviceIOException if the file already exists or cannot be created
     * @throws PoolLockedException if another owner holds the path
     */
    public static SparseFile create(Path path, long sizeBytes) {
        ByteBuffers.requireNonNegative(path.toString(), "size", sizeBytes);
        Path canonical;
        Path absolute = path.toAbsolutePath();
        if (absolute.getParent() == null) {
            throw new DeviceIOException(path + ": cannot create: not a file path");
        }
        try {
            canonical = absolute.getParent().toRealPath().resolve(absolute.getFileName());
        } catch (IOException e) {
            throw new DeviceIOException(path + ": cannot create: parent directory: " + e, e);
        }
        return open(path, canonical, false, sizeBytes);
    }

    /** Opens an existing file or block device read-write, holding an exclusive lock. */
    public static SparseFile open(Path path) {
        return open(path, false);
    }

    /** {@link #open(Path)} or {@link #openReadOnly(Path)}. */
    public static SparseFile open(Path path, boolean readOnly) {
        return open(path, realPath(path), readOnly, -1);
    }

    /**
     * Opens an existing file or block device read-only, holding a shared lock: other read-only
     * processes may open it too, a writer may not (and while a writer holds it, this fails).
     */
    public static SparseFile openReadOnly(Path path) {
        return open(path, true);
    }

    private static Path realPath(Path path) {
        try {
            return path.toRealPath();
        } catch (NoSuchFileException e) {
            throw new DeviceIOException(path + ": cannot open: no such file", e);
        } catch (IOException e) {
            throw new DeviceIOException(path + ": cannot open: " + e, e);
        }
    }

    /** {@code createSizeBytes >= 0} means create (the file must not exist) with that size. */
    private static SparseFile open(Path path, Path canonical, boolean readOnly, long createSizeBytes) {
        if (!OpenFileRegistry.reserve(canonical)) {
            throw new PoolLockedException(path);
        }
        FileChannel channel = null;
        FileLock lock = null;
        NativeFile nativeFile = null;
        boolean locked = false;
        boolean done = false;
        try {
            channel = FileChannel.open(canonical, openOptions(readOnly, createSizeBytes >= 0));
            boolean blockDevice = isBlockDevice(canonical);
            boolean onDemand = readOnly && !blockDevice; // (a block device's size needs it now)
            if (NativeFile.isSupported() && !onDemand) {
                nativeFile = NativeFile.open(canonical, !readOnly);
            }
            if (nativeFile == null || !tryOfdLock(nativeFile, path, readOnly)) {
                lock = tryLock(channel, path, readOnly);
            }
            locked = true;
            long size = blockDevice && nativeFile != null ? nativeFile.seekEndSize() : channel.size();
            SparseFile file = new SparseFile(path, canonical, readOnly, blockDevice, channel, lock, nativeFile,
                    onDemand && NativeFile.isSupported(), size);
            if (createSizeBytes > 0) {
                file.resize(createSizeBytes);
            }
            done = true;
            return file;
        } catch (FileAlreadyExistsException e) {
            throw new DeviceIOException(path + ": cannot create: the file already exists", e);
        } catch (NoSuchFileException e) {
            throw new DeviceIOException(path + ": cannot open: no such file", e);
        } catch (IOException e) {
            throw new DeviceIOException(path + ": cannot open: " + e.getMessage(), e);
        } finally {
            if (!done) {
                release(lock, nativeFile, channel); // already failing: the original exception is what matters
                if (createSizeBytes >= 0 && locked) {
                    deleteQuietly(canonical); // we created and locked it; leave no half-made file behind
                }
                OpenFileRegistry.release(canonical);
            }
        }
    }

    private static void deleteQuietly(Path path) {
        try {
            Files.deleteIfExists(path);
        } catch (IOException ignored) {
            // best effort: the caller gets the original failure
        }
    }

    private static Set<OpenOption> openOptions(boolean readOnly, boolean create) {
        if (readOnly) {
            return Set.of(StandardOpenOption.READ);
        }
        return create
                ? Set.of(StandardOpenOption.READ, StandardOpenOption.WRITE, StandardOpenOption.CREATE_NEW)
                : Set.of(StandardOpenOption.READ, StandardOpenOption.WRITE);
    }

    private static FileLock tryLock(FileChannel channel, Path path, boolean shared) throws IOException {
        FileLock lock;
        try {
            lock = shared ? channel.tryLock(0, Long.MAX_VALUE, true) : channel.tryLock();
        } catch (OverlappingFileLockException e) {
            throw new PoolLockedException(path);
        }
        if (lock == null) {
            throw new PoolLockedException(path);
        }
        return lock;
    }

    /**
     * Locks the file through the libc descriptor (an OFD lock): true when held; false where the
     * kernel has no OFD locks, and the caller falls back to a POSIX lock.
     *
     * @throws PoolLockedException when another holder's lock conflicts
     */
    private static boolean tryOfdLock(NativeFile nativeFile, Path path, boolean shared) throws IOException {
        try {
            if (!nativeFile.tryLockWholeFile(!shared)) {
                throw new PoolLockedException(path);
            }
            return true;
        } catch (ErrnoException e) {
            if (e.errno() == LibC.EINVAL) {
                return false;
            }
            throw e;
        }
    }

    private static boolean isBlockDevice(Path path) {
        try {
            return ((Integer) Files.getAttribute(path, "unix:mode") & S_IFMT) == S_IFBLK;
        } catch (UnsupportedOperationException | IllegalArgumentException | IOException e) {
            return false;
        }
    }

    /** Releases in close order (lock, libc descriptor, channel); returns the first failure, others suppressed. */
    private static IOException release(FileLock lock, NativeFile nativeFile, FileChannel channel) {
        IOException first = null;
        try {
            if (lock != null && lock.isValid()) {
                lock.release();
            }
        } catch (IOException e) {
            first = e;
        }
        try {
            if (nativeFile != null) {
                nativeFile.close();
            }
        } catch (IOException e) {
            first = firstOf(first, e);
        }
        try {
            if (channel != null) {
                channel.close();
            }
        } catch (IOException e) {
            first = firstOf(first, e);
        }
        return first;
    }

    private static IOException firstOf(IOException first, IOException next) {
        if (first == null) {
            return next;
        }
        first.addSuppressed(next);
        return first;
    }

    @Override
    public void read(long offsetBytes, ByteBuffer dst) {
        ByteBuffers.requireNonNegative(name, "read offset", offsetBytes);
        rw.lockShared();
        try {
            ensureOpen();
            NativeFile nf = dst.isDirect() ? nativeFile() : null;
            if (nf != null) {
                if (nf.read(dst, offsetBytes) >= 0 && dst.hasRemaining()) {
                    ByteBuffers.fillZeros(dst); // past EOF reads as zeros
                }
                return;
            }
            long position = offsetBytes;
            while (dst.hasRemaining()) {
                int n = channel.read(dst, position);
                if (n < 0) {
                    ByteBuffers.fillZeros(dst); // past EOF reads as zeros
                    break;
                }
                position += n;
            }
        } catch (IOException e) {
            throw ioError("read", offsetBytes, e);
        } finally {
            rw.unlockShared();
        }
    }

    @Override
    public void write(long offsetBytes, ByteBuffer src) {
        rw.lockShared();
        try {
            ensureOpen();
            ensureWritable("write");
            ByteBuffers.requireWithinSize(name, "write", offsetBytes, src.remaining(), sizeBytes);
            if (nativeFile != null && src.isDirect()) {
                nativeFile.write(src, offsetBytes);
                return;
            }
            long position = offsetBytes;
            while (src.hasRemaining()) {
                position += channel.write(src, position);
            }
        } catch (IOException e) {
            throw ioError("write", offsetBytes, e);
        } finally {
            rw.unlockShared();
        }
    }

    /** {@code fdatasync}: makes completed writes, punched holes and size changes durable. */
    @Override
    public void sync() {
        rw.lockShared();
        try {
            ensureOpen();
            channel.force(false);
        } catch (IOException e) {
            throw ioError("sync", 0, e);
        } finally {
            rw.unlockShared();
        }
    }

    @Override
    public long size() {
        return sizeBytes;
    }

    /**
     * Truncates or sparsely extends the file.
     *
     * @throws UnsupportedOperationException on a block device (its size is the hardware's)
     */
    @Override
    public void resize(long newSizeBytes) {
        ByteBuffers.requireNonNegative(name, "new size", newSizeBytes);
        if (blockDevice) {
            throw new UnsupportedOperationException(name + ": a block device cannot be resized (its size is "
                    + sizeBytes + " bytes)");
        }
        rw.lockExclusive();
        try {
            ensureOpen();
            ensureWritable("resize");
            if (nativeFile != null) {
                nativeFile.truncate(newSizeBytes);
            } else if (newSizeBytes < channel.size()) {
                channel.truncate(newSizeBytes);
            } else if (newSizeBytes > channel.size()) {
                channel.write(ByteBuffer.allocate(1), newSizeBytes - 1); // portable fallback: one block
            }
            sizeBytes = newSizeBytes;
        } catch (IOException e) {
            throw ioError("resize to " + newSizeBytes + " bytes", newSizeBytes, e);
        } finally {
            rw.unlockExclusive();
        }
    }

    /**
     * Deallocates the range with {@code fallocate(PUNCH_HOLE | KEEP_SIZE)}; it reads back as zeros.
     * Durable after the next {@link #sync()}. On a block device the kernel discards or zeroes the
     * range if the device supports it, else this fails naming the errno.
     */
    @Override
    public void punchHole(long offsetBytes, long lengthBytes) {
        rw.lockShared();
        try {
            ensureOpen();
            ensureWritable("punch hole");
            ByteBuffers.requireWithinSize(name, "punch hole", offsetBytes, lengthBytes, sizeBytes);
            if (lengthBytes == 0) {
                return;
            }
            NativeFile.requireSupported("punch a hole in " + name);
            nativeFile.punchHole(offsetBytes, lengthBytes);
        } catch (IOException e) {
            throw ioError("punch hole of " + lengthBytes + " bytes", offsetBytes, e);
        } finally {
            rw.unlockShared();
        }
    }

    /** {@code fallocate(FALLOC_FL_KEEP_SIZE)} on the range (clipped to the size); false where refused or unsupported. */
    @Override
    public boolean reserve(long offsetBytes, long lengthBytes) {
        rw.lockShared();
        try {
            ensureOpen();
            long end = Math.min(sizeBytes, offsetBytes + lengthBytes);
            if (readOnly || blockDevice || nativeFile == null || offsetBytes < 0 || offsetBytes >= end) {
                return false;
            }
            nativeFile.reserve(offsetBytes, end - offsetBytes);
            return true;
        } catch (IOException e) {
            return false; // ENOSPC, EOPNOTSUPP…: a hint refused; the write that follows reports real trouble
        } finally {
            rw.unlockShared();
        }
    }

    /**
     * The hole at {@code offsetBytes} by one {@code lseek(SEEK_DATA)} (one syscall, no journal,
     * unlike a punch), up to the next data or, when none follows, to {@code limitBytes}; past the
     * end, {@code limitBytes}. 0 on a block device, on data, and on any error: "unknown" is always a
     * safe answer.
     */
    @Override
    public long zerosAt(long offsetBytes, long limitBytes) {
        rw.lockShared();
        try {
            if (closed || blockDevice || offsetBytes < 0 || limitBytes <= 0) {
                return 0;
            }
            if (offsetBytes >= sizeBytes) {
                return limitBytes;
            }
            NativeFile nf = nativeFile();
            if (nf == null) {
                return 0;
            }
            long data = nf.nextData(offsetBytes);
            return data < 0 ? limitBytes : Math.min(limitBytes, data - offsetBytes);
        } catch (IOException e) {
            return 0;
        } finally {
            rw.unlockShared();
        }
    }

    /** {@code st_blocks × 512}; for a block device, its whole size. */
    @Override
    public long allocatedBytes() {
        rw.lockShared();
        try {
            ensureOpen();
            if (blockDevice) {
                return sizeBytes;
            }
            NativeFile.requireSupported("count allocated blocks of " + name);
            return nativeFile().allocatedBytes();
        } catch (IOException e) {
            throw ioError("fstat", 0, e);
        } finally {
            rw.unlockShared();
        }
    }

    @Override
    public String name() {
        return name;
    }

    /** The path as the caller gave it (also {@link #name()}). */
    public Path path() {
        return path;
    }

    /** The path with symlinks resolved: the key of the JVM-wide open set. */
    public Path canonicalPath() {
        return canonicalPath;
    }

    public boolean isReadOnly() {
        return readOnly;
    }

    /** True if the path is a block device node rather than a regular file. */
    public boolean isBlockDevice() {
        return blockDevice;
    }

    /** Releases the lock and both descriptors, then frees the path for other opens; idempotent. */
    @Override
    public void close() {
        rw.lockExclusive();
        try {
            if (closed) {
                return;
            }
            closed = true;
            IOException failure = release(lock, nativeFile, channel);
            OpenFileRegistry.release(canonicalPath); // only after every descriptor is closed (see OpenFileRegistry)
            if (failure != null) {
                throw new DeviceIOException(name + ": close failed: " + failure.getMessage(), failure);
            }
        } finally {
            rw.unlockExclusive();
        }
    }

    /**
     * The libc descriptor, opened now if this read-only file has not needed it before; null where
     * libc is unsupported. The caller holds the shared side of {@link #rw} on an open file, so
     * {@link #close} (exclusive) sees whatever this opens.
     */
    private NativeFile nativeFile() throws IOException {
        NativeFile nf = nativeFile;
        if (nf != null) {
            return nf;
        }
        synchronized (this) {
            if (nativeOnDemand) {
                nativeFile = NativeFile.open(canonicalPath, false);
                nativeOnDemand = false;
            }
            return nativeFile;
        }
    }

    private void ensureOpen() {
        if (closed) {
            throw new DeviceIOException(name + ": device is closed");
        }
    }

    private void ensureWritable(String operation) {
        if (readOnly) {
            throw new DeviceIOException(name + ": " + operation + " refused: the device was opened read-only");
        }
    }

    private DeviceIOException ioError(String operation, long offsetBytes, IOException e) {
        if (e instanceof ClosedByInterruptException) {
            return new DeviceIOException(name + ": " + operation + " at byte " + offsetBytes
                    + " interrupted: Thread.interrupt() during FileChannel I/O closes the channel;"
                    + " close and reopen the device", e);
        }
        if (e instanceof ClosedChannelException) {
            return new DeviceIOException(name + ": " + operation + " at byte " + offsetBytes
                    + " failed: the channel was closed (by an interrupt or a concurrent close);"
                    + " close and reopen the device", e);
        }
        return new DeviceIOException(name, operation, offsetBytes, e);
    }

    @Override
    public String toString() {
        return "SparseFile[" + name + (readOnly ? ", read-only" : "") + (blockDevice ? ", block device" : "")
                + ", " + sizeBytes + " bytes]";
    }
}
