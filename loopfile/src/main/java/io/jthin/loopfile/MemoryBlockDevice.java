package io.jthin.loopfile;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A sparse {@link BlockDevice} in memory, for fast tests and benchmarks: 64 KiB chunks allocated on
 * first write, so a 100 GiB device costs nothing until written; a chunk made all zero by
 * {@link #punchHole} is dropped. Thread-safe: each chunk is guarded by its own monitor.
 */
public final class MemoryBlockDevice implements BlockDevice {
    static final int CHUNK = 64 * 1024;

    private final String name;
    private final ConcurrentHashMap<Long, byte[]> chunks = new ConcurrentHashMap<>();
    private volatile long size;
    private final AtomicLong syncs = new AtomicLong();
    private volatile boolean closed;

    public MemoryBlockDevice(long sizeBytes) {
        this("memory", sizeBytes);
    }

    public MemoryBlockDevice(String name, long sizeBytes) {
        if (sizeBytes < 0) {
            throw new IllegalArgumentException("size must not be negative: " + sizeBytes);
        }
        this.name = name;
        this.size = sizeBytes;
    }

    /** An independent copy of this device's current content. */
    public MemoryBlockDevice copy() {
        MemoryBlockDevice c = new MemoryBlockDevice(name, size);
        chunks.forEach((k, v) -> {
            synchronized (v) {
                c.chunks.put(k, v.clone());
            }
        });
        return c;
    }

    private void checkOpen() {
        if (closed) {
            throw new DeviceIOException(name + " is closed");
        }
    }

    @Override
    public void read(long offsetBytes, ByteBuffer dst) {
        checkOpen();
        long pos = offsetBytes;
        while (dst.hasRemaining()) {
            long c = pos / CHUNK;
            int in = (int) (pos % CHUNK);
            int n = Math.min(dst.remaining(), CHUNK - in);
            byte[] chunk = pos >= size ? null : chunks.get(c);
            if (chunk == null) {
                for (int i = 0; i < n; i++) {
                    dst.put((byte) 0);
                }
            } else {
                int valid = (int) Math.max(0, Math.min(n, size - pos));
                synchronized (chunk) {
                    dst.put(chunk, in, valid);
                }
                for (int i = valid; i < n; i++) {
                    dst.put((byte) 0);
                }
            }
            pos += n;
        }
    }

    @Override
    public void write(long offsetBytes, ByteBuffer src) {
        checkOpen();
        if (offsetBytes < 0 || offsetBytes + src.remaining() > size) {
            throw new DeviceIOException(name + ": write of " + src.remaining() + " bytes at " + offsetBytes
                    + " is past the end of the device (" + size + " bytes)");
        }
        long pos = offsetBytes;
        while (src.hasRemaining()) {
            long c = pos / CHUNK;
            int in = (int) (pos % CHUNK);
            int n = Math.min(src.remaining(), CHUNK - in);
            byte[] chunk = chunks.computeIfAbsent(c, k -> new byte[CHUNK]);
            synchronized (chunk) {
                src.get(chunk, in, n);
            }
            pos += n;
        }
    }

    @Override
    public void sync() {
        checkOpen();
        syncs.incrementAndGet();
    }

    /** How many times {@link #sync()} was called. */
    public long syncCount() {
        return syncs.get();
    }

    @Override
    public long size() {
        return size;
    }

    @Override
    public synchronized void resize(long newSizeBytes) {
        checkOpen();
        if (newSizeBytes < size) {
            punchHole(newSizeBytes, size - newSizeBytes);
        }
        size = newSizeBytes;
    }

    @Override
    public void punchHole(long offsetBytes, long lengthBytes) {
        checkOpen();
        long end = Math.min(size, offsetBytes + lengthBytes);
        long pos = offsetBytes;
        while (pos < end) {
            long c = pos / CHUNK;
            int in = (int) (pos % CHUNK);
            int n = (int) Math.min(end - pos, CHUNK - in);
            byte[] chunk = chunks.get(c);
            if (chunk != null) {
                synchronized (chunk) {
                    Arrays.fill(chunk, in, in + n, (byte) 0);
                    if (n == CHUNK || isZero(chunk)) {
                        chunks.remove(c, chunk);
                    }
                }
            }
            pos += n;
        }
    }

    private static boolean isZero(byte[] chunk) {
        for (byte b : chunk) {
            if (b != 0) {
                return false;
            }
        }
        return true;
    }

    @Override
    public long allocatedBytes() {
        return (long) chunks.size() * CHUNK;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public void close() {
        closed = true;
    }

    /** Opens again after {@link #close()} (the content stays), as reopening a file would. */
    public MemoryBlockDevice reopen() {
        closed = false;
        return this;
    }
}
