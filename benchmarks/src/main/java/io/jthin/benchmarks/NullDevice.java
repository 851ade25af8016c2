package io.jthin.benchmarks;

import io.jthin.loopfile.BlockDevice;
import java.nio.ByteBuffer;

/**
 * A data device that stores nothing: writes vanish, reads return zeros, syncs cost nothing. Under a
 * pool it leaves only the engine's own work (locks, lookups, allocation, B-tree changes) in a
 * benchmark's score. Stateless apart from its size; thread-safe.
 */
final class NullDevice implements BlockDevice {
    private static final byte[] ZEROS = new byte[64 * 1024];
    private volatile long size;

    NullDevice(long sizeBytes) {
        this.size = sizeBytes;
    }

    @Override
    public void read(long offsetBytes, ByteBuffer dst) {
        while (dst.hasRemaining()) {
            dst.put(ZEROS, 0, Math.min(dst.remaining(), ZEROS.length));
        }
    }

    @Override
    public void write(long offsetBytes, ByteBuffer src) {
        if (offsetBytes + src.remaining() > size) {
            throw new IllegalArgumentException("write past the end of the null device");
        }
        src.position(src.limit());
    }

    @Override
    public void sync() {
    }

    @Override
    public long size() {
        return size;
    }

    @Override
    public void resize(long newSizeBytes) {
        size = newSizeBytes;
    }

    @Override
    public void punchHole(long offsetBytes, long lengthBytes) {
    }

    @Override
    public long allocatedBytes() {
        return 0;
    }

    @Override
    public String name() {
        return "null";
    }

    @Override
    public void close() {
    }
}
