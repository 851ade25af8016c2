package io.jthin.loopfile;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * A sparse {@link BlockDevice} in memory, for fast tests and benchmarks of every module.
 *
 * <p>Owns a map of 64 KiB chunks ({@link #CHUNK}), each allocated on its first write, so a
 * 100 GiB device costs nothing until written; {@link #allocatedBytes()} is chunks held × 64 KiB.
 *
 * <p>Invariants: no chunk lies wholly at or past {@link #size()}, and bytes of a chunk past the size
 * are zero (a shrink drops and zeroes them, so a later grow reads zeros); a chunk that a
 * {@link #punchHole} leaves all zero is dropped. Content outlives {@link #close()}: I/O on a closed
 * device fails, {@link #reopen()} makes it usable again (as reopening a file would), and
 * {@link #copy()} works either way.
 *
 * <p>Thread-safety: read and write run concurrently under the read side of a ReentrantReadWriteLock
 * (overlapping concurrent writes are unordered, as on a disk); punchHole, resize and copy take the
 * write side, so a chunk is never dropped while a writer holds it. No other lock is taken.
 */
public final class MemoryBlockDevice implements BlockDevice {
    /** Allocation unit in bytes. */
    public static final int CHUNK = 64 * 1024;

    private static final int CHUNK_SHIFT = 16;
    private static final byte[] ZERO_CHUNK = new byte[CHUNK];

    private final String name;
    private final ConcurrentHashMap<Long, byte[]> chunks = new ConcurrentHashMap<>();
    private final ReentrantReadWriteLock rw = new ReentrantReadWriteLock();
    private final AtomicLong syncs = new AtomicLong();
    private final AtomicLong writes = new AtomicLong();
    private volatile long sizeBytes;
    private volatile boolean closed;

    /** A device named "memory" of {@code sizeBytes}, all zero. */
    public MemoryBlockDevice(long sizeBytes) {
        this("memory", sizeBytes);
    }

    /** A device named {@code name} (used in error messages) of {@code sizeBytes}, all zero. */
    public MemoryBlockDevice(String name, long sizeBytes) {
        ByteBuffers.requireNonNegative(name, "size", sizeBytes);
        this.name = name;
        this.sizeBytes = sizeBytes;
    }

    /** An independent, open copy of the current content (same name and size); allowed when closed. */
    public MemoryBlockDevice copy() {
        rw.writeLock().lock();
        try {
            MemoryBlockDevice c = new MemoryBlockDevice(name, sizeBytes);
            chunks.forEach((index, chunk) -> c.chunks.put(index, chunk.clone()));
            return c;
        } finally {
            rw.writeLock().unlock();
        }
    }

    /** Makes a closed device usable again, content unchanged; returns this. */
    public MemoryBlockDevice reopen() {
        closed = false;
        return this;
    }

    public boolean isClosed() {
        return closed;
    }

    /** How many times {@link #sync()} returned. */
    public long syncCount() {
        return syncs.get();
    }

    /** How many times {@link #write} returned. */
    public long writeCount() {
        return writes.get();
    }

    @Override
    public void read(long offsetBytes, ByteBuffer dst) {
        ByteBuffers.requireNonNegative(name, "read offset", offsetBytes);
        rw.readLock().lock();
        try {
            ensureOpen();
            long position = offsetBytes;
            while (dst.hasRemaining()) {
                int within = (int) (position & (CHUNK - 1));
                int n = Math.min(dst.remaining(), CHUNK - within);
                byte[] chunk = position < 0 ? null : chunks.get(position >>> CHUNK_SHIFT);
                if (chunk == null) {
                    ByteBuffers.fillZeros(dst.slice(dst.position(), n));
                    dst.position(dst.position() + n);
                } else {
                    dst.put(chunk, within, n); // bytes past the size are zero (invariant)
                }
                position += n; // may overflow past Long.MAX_VALUE: then it reads zeros
            }
        } finally {
            rw.readLock().unlock();
        }
    }

    @Override
    public void write(long offsetBytes, ByteBuffer src) {
        rw.readLock().lock();
        try {
            ensureOpen();
            ByteBuffers.requireWithinSize(name, "write", offsetBytes, src.remaining(), sizeBytes);
            long position = offsetBytes;
            while (src.hasRemaining()) {
                int within = (int) (position & (CHUNK - 1));
                int n = Math.min(src.remaining(), CHUNK - within);
                byte[] chunk = chunks.computeIfAbsent(position >>> CHUNK_SHIFT, k -> new byte[CHUNK]);
                src.get(chunk, within, n);
                position += n;
            }
            writes.incrementAndGet();
        } finally {
            rw.readLock().unlock();
        }
    }

    /** A no-op apart from counting (memory is as durable as it gets here). */
    @Override
    public void sync() {
        ensureOpen();
        syncs.incrementAndGet();
    }

    @Override
    public long size() {
        return sizeBytes;
    }

    /** Grows (the new range reads zeros, costs nothing) or shrinks (the tail is discarded). */
    @Override
    public void resize(long newSizeBytes) {
        ByteBuffers.requireNonNegative(name, "new size", newSizeBytes);
        rw.writeLock().lock();
        try {
            ensureOpen();
            if (newSizeBytes < sizeBytes) {
                zeroRange(newSizeBytes, sizeBytes - newSizeBytes);
            }
            sizeBytes = newSizeBytes;
        } finally {
            rw.writeLock().unlock();
        }
    }

    @Override
    public void punchHole(long offsetBytes, long lengthBytes) {
        rw.writeLock().lock();
        try {
            ensureOpen();
            ByteBuffers.requireWithinSize(name, "punch hole", offsetBytes, lengthBytes, sizeBytes);
            zeroRange(offsetBytes, lengthBytes);
        } finally {
            rw.writeLock().unlock();
        }
    }

    /** Up to the first chunk held at or after {@code offsetBytes} (a chunk is held once written, dropped when punched whole). */
    @Override
    public long zerosAt(long offsetBytes, long limitBytes) {
        if (offsetBytes < 0 || limitBytes <= 0) {
            return 0;
        }
        rw.readLock().lock();
        try {
            long end = offsetBytes + Math.min(limitBytes, Long.MAX_VALUE - offsetBytes);
            long first = offsetBytes >>> CHUNK_SHIFT;
            long last = (end - 1) >>> CHUNK_SHIFT;
            long held = Long.MAX_VALUE;
            if (last - first >= chunks.size()) {
                for (long c : chunks.keySet()) {
                    if (c >= first && c < held) {
                        held = c;
                    }
                }
            } else {
                for (long c = first; c <= last; c++) {
                    if (chunks.containsKey(c)) {
                        held = c;
                        break;
                    }
                }
            }
            return held > last ? end - offsetBytes : Math.max(0, (held << CHUNK_SHIFT) - offsetBytes);
        } finally {
            rw.readLock().unlock();
        }
    }

    /** Zeroes the range; drops chunks it covers wholly or leaves all zero. Caller holds the write lock. */
    private void zeroRange(long offsetBytes, long lengthBytes) {
        long end = offsetBytes + lengthBytes;
        long position = offsetBytes;
        while (position < end) {
            int within = (int) (position & (CHUNK - 1));
            int n = (int) Math.min(end - position, CHUNK - within);
            long index = position >>> CHUNK_SHIFT;
            byte[] chunk = chunks.get(index);
            if (chunk != null) {
                Arrays.fill(chunk, within, within + n, (byte) 0);
                if (n == CHUNK || isZero(chunk)) {
                    chunks.remove(index);
                }
            }
            position += n;
        }
    }

    private static boolean isZero(byte[] chunk) {
        return Arrays.mismatch(chunk, ZERO_CHUNK) < 0;
    }

    @Override
    public long allocatedBytes() {
        return (long) chunks.size() * CHUNK;
    }

    @Override
    public String name() {
        return name;
    }

    /** Marks the device closed (later I/O fails); the content stays for {@link #reopen()} and {@link #copy()}. */
    @Override
    public void close() {
        closed = true;
    }

    private void ensureOpen() {
        if (closed) {
            throw new DeviceIOException(name + ": device is closed");
        }
    }

    @Override
    public String toString() {
        return "MemoryBlockDevice[" + name + ", " + sizeBytes + " bytes, " + chunks.size() + " chunks]";
    }
}
