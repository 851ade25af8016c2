package io.jthin.loopfile;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.file.Path;

/**
 * A second descriptor on a file, opened through libc, for what FileChannel cannot do: punch holes
 * ({@code fallocate}), grow sparsely ({@code ftruncate}), count allocated blocks ({@code fstat}), find holes
 * ({@code lseek(SEEK_DATA)}) and size a block device ({@code lseek(SEEK_END)}) — and for the I/O
 * path of direct buffers: {@code pread}/{@code pwrite} straight into the buffer's memory. That path
 * skips FileChannel's per-call bookkeeping (a monitor on the channel's thread set, the interrupt
 * hooks), which 16 threads doing 4 KiB page-cache I/O on 2 cores contended on, and a thread
 * interrupt no longer closes the device.
 *
 * <p>Owns one file descriptor from {@link #open} until {@link #close()}. The descriptor is
 * {@code O_CLOEXEC} so child processes never inherit it. It may hold the file's lock itself
 * ({@link #tryLockWholeFile}: an open file description lock, released when this descriptor closes).
 * Invariant: where the owner holds a classic POSIX lock on the file instead, it must keep this
 * descriptor open as long as it holds that lock, because closing <em>any</em> descriptor of a file
 * drops all of the process's POSIX locks on it; {@link SparseFile} closes it after releasing its lock.
 *
 * <p>Thread-safety: the descriptor is only read after construction; {@code close()} must not race
 * with the other methods (SparseFile guarantees this with its write lock).
 */
final class NativeFile implements AutoCloseable {
    /** Each thread's errno capture segment for {@link #read}/{@link #write}, allocated once. */
    private static final ThreadLocal<MemorySegment> CALL_STATE =
            ThreadLocal.withInitial(() -> LibC.newCallState(Arena.ofAuto()));

    private final String name;
    private final int fd;
    private boolean closed;

    private NativeFile(String name, int fd) {
        this.name = name;
        this.fd = fd;
    }

    /** True where the libc bindings work (Linux x86_64 or aarch64); elsewhere callers get UnsupportedOperationException. */
    static boolean isSupported() {
        return LibC.Platform.isSupported(); // (without initialising LibC: see Platform)
    }

    /** Opens {@code path} read-write (or read-only) with {@code O_CLOEXEC}. */
    static NativeFile open(Path path, boolean writable) throws IOException {
        requireSupported("open " + path);
        int flags = (writable ? LibC.O_RDWR : LibC.O_RDONLY) | LibC.O_CLOEXEC;
        return new NativeFile(path.toString(), LibC.open(path.toString(), flags));
    }

    /**
     * Locks the whole file, exclusively or shared, with an open file description lock on this
     * descriptor ({@code F_OFD_SETLK}), without waiting: true when taken, false when another
     * holder's lock conflicts (another process's, or another descriptor's in this one). Held until
     * {@link #close()}; closing other descriptors of the file, in this process too, does not drop it.
     *
     * @throws ErrnoException errno {@link LibC#EINVAL} where the kernel has no OFD locks (before 3.15)
     */
    boolean tryLockWholeFile(boolean exclusive) throws IOException {
        return LibC.ofdLockWholeFile(fd, exclusive);
    }

    /** Deallocates {@code [offsetBytes, offsetBytes + lengthBytes)}; the file size is kept. */
    void punchHole(long offsetBytes, long lengthBytes) throws IOException {
        LibC.fallocate(fd, LibC.FALLOC_FL_PUNCH_HOLE | LibC.FALLOC_FL_KEEP_SIZE, offsetBytes, lengthBytes);
    }

    /**
     * {@code pread} into the remaining bytes of a direct buffer at {@code offsetBytes}, until it is
     * full or end of file; advances the buffer's position by the bytes read and returns them.
     */
    long read(ByteBuffer dst, long offsetBytes) throws IOException {
        int count = dst.remaining();
        long got = LibC.pread(CALL_STATE.get(), fd, MemorySegment.ofBuffer(dst), count, offsetBytes);
        dst.position(dst.position() + (int) got);
        return got;
    }

    /** {@code pwrite} of the remaining bytes of a direct buffer at {@code offsetBytes}; consumes them. */
    void write(ByteBuffer src, long offsetBytes) throws IOException {
        int count = src.remaining();
        LibC.pwrite(CALL_STATE.get(), fd, MemorySegment.ofBuffer(src), count, offsetBytes);
        src.position(src.limit());
    }

    /** Allocates storage for the range, keeping the file size and the range's content (zeros stay zeros). */
    void reserve(long offsetBytes, long lengthBytes) throws IOException {
        LibC.fallocate(fd, LibC.FALLOC_FL_KEEP_SIZE, offsetBytes, lengthBytes);
    }

    /** Sets the file length: a shrink discards the tail, a grow adds a hole (no blocks allocated). */
    void truncate(long lengthBytes) throws IOException {
        LibC.ftruncate(fd, lengthBytes);
    }

    /** The offset of the first data at or after {@code offsetBytes} by {@code lseek(SEEK_DATA)}; −1 when none follows. */
    long nextData(long offsetBytes) throws IOException {
        return LibC.seekData(fd, offsetBytes);
    }

    /** The size by {@code lseek(SEEK_END)}: right for block devices, where st_size is 0. */
    long seekEndSize() throws IOException {
        return LibC.seekEnd(fd);
    }

    /** {@code st_blocks × 512} of the open file. */
    long allocatedBytes() throws IOException {
        return LibC.allocatedBytes(fd);
    }

    /** Closes the descriptor; idempotent. */
    @Override
    public void close() throws IOException {
        if (!closed) {
            closed = true;
            LibC.close(fd);
        }
    }

    static void requireSupported(String what) {
        if (!isSupported()) {
            throw new UnsupportedOperationException("cannot " + what + ": needs Linux on x86_64 or aarch64 (libc via FFM), this is "
                    + System.getProperty("os.name") + " on " + System.getProperty("os.arch"));
        }
    }

    @Override
    public String toString() {
        return "NativeFile[" + name + ", fd " + fd + "]";
    }
}
