package io.jthin.loopfile;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.StampedLock;

/**
 * A {@link BlockDevice} over a file whose reads and writes bypass the page cache ({@code O_DIRECT},
 * like {@code qemu-img -t none} or fio {@code direct=1}): for benchmarks and for pools that must not
 * double-cache their data.
 *
 * <p>Owns: a {@link SparseFile} on the path (the JVM-wide and OS lock, size, resize, punch-hole,
 * {@code fdatasync}, allocated bytes) and a second libc descriptor opened with {@code O_DIRECT} for
 * every read and write ({@code pread}/{@code pwrite} through FFM); per thread, a 4 KiB-aligned
 * bounce buffer of up to {@link #MAX_CHUNK} bytes and an errno capture segment.
 *
 * <p>Invariants:
 * <ul>
 *   <li>Every {@code pread}/{@code pwrite} is {@link #ALIGN}-aligned in offset, length and memory. An
 *       aligned range from a 4 KiB-aligned direct buffer goes straight to the kernel; anything else
 *       goes through the bounce buffer, and a write that does not cover whole 4 KiB pages reads the
 *       partial head and tail pages first (read-modify-write). Callers must therefore not write the
 *       same 4 KiB page from two threads at once (the pool's block locks guarantee this: one writer
 *       per data block).
 *   <li>The O_DIRECT descriptor stays open as long as the SparseFile holds its lock (should that be
 *       a POSIX lock, closing any descriptor of the file would drop it): {@link #close()} closes it
 *       first (no I/O can run then) and the SparseFile after.
 * </ul>
 *
 * <p>Thread-safety: read and write run concurrently under the read side of a (non-reentrant)
 * read-write lock; close takes its write side. Linux only (x86_64, aarch64), and the file
 * system must support O_DIRECT (ext4, xfs; not tmpfs), else {@link #open} fails naming the errno.
 */
public final class DirectFile implements BlockDevice {
    /** Offset, length and memory alignment of every direct transfer. */
    public static final int ALIGN = 4096;
    /** Largest transfer through the bounce buffer; bigger requests are split. */
    static final int MAX_CHUNK = 1 << 20;

    private final SparseFile file;
    private final int fd;
    private final String name;
    private final ReadWriteLock rw = new StampedLock().asReadWriteLock(); // not reentrant; no per-reader ThreadLocal
    private final ThreadLocal<Buffers> buffers = ThreadLocal.withInitial(Buffers::new);
    private volatile boolean closed;

    /** One thread's aligned bounce buffer (grown on demand) and errno capture segment. */
    private static final class Buffers {
        final Arena arena = Arena.ofAuto();
        final MemorySegment state = LibC.newCallState(arena);
        MemorySegment bounce = MemorySegment.NULL;

        MemorySegment bounce(long bytes) {
            if (bounce.byteSize() < bytes) {
                bounce = arena.allocate(Math.max(bytes, 64 * 1024), ALIGN);
            }
            return bounce;
        }
    }

    private DirectFile(SparseFile file, int fd) {
        this.file = file;
        this.fd = fd;
        this.name = file.name();
    }

    /** Opens an existing file read-write with O_DIRECT, holding the exclusive lock (as {@link SparseFile#open}). */
    public static DirectFile open(Path path) {
        NativeFile.requireSupported("open " + path + " with O_DIRECT");
        SparseFile f = SparseFile.open(path);
        try {
            int fd = LibC.open(f.canonicalPath().toString(), LibC.O_RDWR | LibC.O_CLOEXEC | LibC.O_DIRECT);
            return new DirectFile(f, fd);
        } catch (IOException e) {
            f.close();
            throw new DeviceIOException(path + ": cannot open with O_DIRECT (does the file system support it?): "
                    + e.getMessage(), e);
        } catch (RuntimeException e) {
            f.close();
            throw e;
        }
    }

    @Override
    public void read(long offsetBytes, ByteBuffer dst) {
        ByteBuffers.requireNonNegative(name, "read offset", offsetBytes);
        rw.readLock().lock();
        try {
            ensureOpen();
            long size = file.size();
            if (offsetBytes >= size) {
                ByteBuffers.fillZeros(dst);
                return;
            }
            int past = (int) Math.max(0, offsetBytes + dst.remaining() - size);
            ByteBuffer in = past == 0 ? dst : dst.slice(dst.position(), dst.remaining() - past);
            int n = in.remaining();
            MemorySegment direct = alignedDirect(in, offsetBytes);
            Buffers b = buffers.get();
            if (direct != null) {
                long got = LibC.pread(b.state, fd, direct, n, offsetBytes);
                zeroTail(direct, got);
            } else {
                readBounced(b, offsetBytes, in);
            }
            dst.position(dst.position() + n);
            ByteBuffers.fillZeros(dst);
        } catch (IOException e) {
            throw new DeviceIOException(name, "direct read of " + dst.remaining() + " bytes", offsetBytes, e);
        } finally {
            rw.readLock().unlock();
        }
    }

    private void readBounced(Buffers b, long offsetBytes, ByteBuffer dst) throws IOException {
        MemorySegment out = MemorySegment.ofBuffer(dst);
        long done = 0;
        long n = dst.remaining();
        while (done < n) {
            long pos = offsetBytes + done;
            long start = alignDown(pos);
            int head = (int) (pos - start);
            long len = Math.min(n - done, MAX_CHUNK - head);
            long span = alignUp(head + len);
            MemorySegment bounce = b.bounce(span);
            long got = LibC.pread(b.state, fd, bounce, span, start);
            zeroTail(bounce.asSlice(0, span), got);
            MemorySegment.copy(bounce, head, out, done, len);
            done += len;
        }
    }

    @Override
    public void write(long offsetBytes, ByteBuffer src) {
        rw.readLock().lock();
        int n = src.remaining();
        try {
            ensureOpen();
            ByteBuffers.requireWithinSize(name, "write", offsetBytes, n, file.size());
            MemorySegment direct = alignedDirect(src, offsetBytes);
            Buffers b = buffers.get();
            if (direct != null) {
                LibC.pwrite(b.state, fd, direct, n, offsetBytes);
            } else {
                writeBounced(b, offsetBytes, src);
            }
            src.position(src.position() + n);
        } catch (IOException e) {
            throw new DeviceIOException(name, "direct write of " + n + " bytes", offsetBytes, e);
        } finally {
            rw.readLock().unlock();
        }
    }

    private void writeBounced(Buffers b, long offsetBytes, ByteBuffer src) throws IOException {
        MemorySegment in = MemorySegment.ofBuffer(src);
        long n = src.remaining();
        long done = 0;
        while (done < n) {
            long pos = offsetBytes + done;
            long start = alignDown(pos);
            int head = (int) (pos - start);
            long len = Math.min(n - done, MAX_CHUNK - head);
            long span = alignUp(head + len);
            MemorySegment bounce = b.bounce(span).asSlice(0, span);
            if (head != 0) {
                readPage(b, bounce, 0, start);
            }
            if ((head + len) % ALIGN != 0 && (span > ALIGN || head == 0)) {
                readPage(b, bounce, span - ALIGN, start + span - ALIGN);
            }
            MemorySegment.copy(in, done, bounce, head, len);
            LibC.pwrite(b.state, fd, bounce, span, start);
            done += len;
        }
    }

    /** Reads the page at {@code fileOffset} into {@code bounce} at {@code at} (zeros past end of file). */
    private void readPage(Buffers b, MemorySegment bounce, long at, long fileOffset) throws IOException {
        MemorySegment page = bounce.asSlice(at, ALIGN);
        zeroTail(page, LibC.pread(b.state, fd, page, ALIGN, fileOffset));
    }

    /** The buffer's remaining bytes as a segment the kernel can use directly, or null when anything is unaligned. */
    private static MemorySegment alignedDirect(ByteBuffer buf, long offsetBytes) {
        if (!buf.isDirect() || offsetBytes % ALIGN != 0 || buf.remaining() % ALIGN != 0
                || buf.remaining() == 0) {
            return null;
        }
        MemorySegment s = MemorySegment.ofBuffer(buf);
        return s.address() % ALIGN == 0 ? s : null;
    }

    private static void zeroTail(MemorySegment s, long from) {
        if (from < s.byteSize()) {
            s.asSlice(from).fill((byte) 0);
        }
    }

    private static long alignDown(long v) {
        return v & -(long) ALIGN;
    }

    private static long alignUp(long v) {
        return (v + ALIGN - 1) & -(long) ALIGN;
    }

    /** {@code fdatasync} of the file (through the SparseFile's channel: same inode). */
    @Override
    public void sync() {
        ensureOpen();
        file.sync();
    }

    @Override
    public long size() {
        return file.size();
    }

    @Override
    public void resize(long newSizeBytes) {
        ensureOpen();
        file.resize(newSizeBytes);
    }

    @Override
    public void punchHole(long offsetBytes, long lengthBytes) {
        ensureOpen();
        file.punchHole(offsetBytes, lengthBytes);
    }

    @Override
    public long zerosAt(long offsetBytes, long limitBytes) {
        return closed ? 0 : file.zerosAt(offsetBytes, limitBytes);
    }

    @Override
    public boolean reserve(long offsetBytes, long lengthBytes) {
        return !closed && file.reserve(offsetBytes, lengthBytes);
    }

    @Override
    public boolean isDirect() {
        return true;
    }

    @Override
    public long allocatedBytes() {
        ensureOpen();
        return file.allocatedBytes();
    }

    @Override
    public String name() {
        return name;
    }

    /** Closes the O_DIRECT descriptor, then the SparseFile (its lock, descriptors, registry entry); idempotent. */
    @Override
    public void close() {
        rw.writeLock().lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            IOException failure = null;
            try {
                LibC.close(fd);
            } catch (IOException e) {
                failure = e;
            }
            file.close();
            if (failure != null) {
                throw new DeviceIOException(name + ": close of the O_DIRECT descriptor failed: " + failure.getMessage(),
                        failure);
            }
        } finally {
            rw.writeLock().unlock();
        }
    }

    private void ensureOpen() {
        if (closed) {
            throw new DeviceIOException(name + ": device is closed");
        }
    }

    @Override
    public String toString() {
        return "DirectFile[" + name + ", " + file.size() + " bytes]";
    }
}
