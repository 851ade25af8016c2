package io.jthin.btree;

import io.jthin.loopfile.BlockDevice;
import java.nio.ByteBuffer;

/** TEMPORARY until loopfile's MemoryBlockDevice lands. */
final class TempDevice implements BlockDevice {
    private final byte[] data;

    TempDevice(long size) {
        data = new byte[Math.toIntExact(size)];
    }

    @Override
    public synchronized void read(long off, ByteBuffer dst) {
        int n = dst.remaining();
        dst.put(data, (int) off, n);
    }

    @Override
    public synchronized void write(long off, ByteBuffer src) {
        int n = src.remaining();
        src.get(data, (int) off, n);
    }

    @Override
    public void sync() {
    }

    @Override
    public long size() {
        return data.length;
    }

    @Override
    public void resize(long newSizeBytes) {
        throw new UnsupportedOperationException();
    }

    @Override
    public void punchHole(long offsetBytes, long lengthBytes) {
        throw new UnsupportedOperationException();
    }

    @Override
    public long allocatedBytes() {
        return data.length;
    }

    @Override
    public String name() {
        return "temp";
    }

    @Override
    public void close() {
    }
}
