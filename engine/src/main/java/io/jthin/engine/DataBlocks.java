package io.jthin.engine;

import io.jthin.loopfile.BlockDevice;
import java.nio.ByteBuffer;

/**
 * Data-block I/O on the pool's data device: byte ranges inside one data block, zeroing (by
 * punching a hole: a fresh or punched region of a sparse file is already zero) and copying a
 * whole block for copy-on-write. Thread-safe (the device is).
 */
final class DataBlocks {
    private final BlockDevice device;
    private final long blockBytes;

    DataBlocks(BlockDevice device, long blockBytes) {
        this.device = device;
        this.blockBytes = blockBytes;
    }

    long blockBytes() {
        return blockBytes;
    }

    BlockDevice device() {
        return device;
    }

    /** Data blocks the device holds. */
    long nrBlocks() {
        return device.size() / blockBytes;
    }

    void read(long dataBlock, long offsetInBlock, ByteBuffer dst) {
        device.read(dataBlock * blockBytes + offsetInBlock, dst);
    }

    void write(long dataBlock, long offsetInBlock, ByteBuffer src) {
        device.write(dataBlock * blockBytes + offsetInBlock, src);
    }

    /** Makes the whole block read as zeros. */
    void zero(long dataBlock) {
        device.punchHole(dataBlock * blockBytes, blockBytes);
    }

    /** Copies block {@code from} to block {@code to} in chunks of at most 1 MiB. */
    void copy(long from, long to) {
        int chunk = (int) Math.min(blockBytes, 1 << 20);
        ByteBuffer buf = ByteBuffer.allocate(chunk);
        for (long done = 0; done < blockBytes; done += chunk) {
            buf.clear();
            device.read(from * blockBytes + done, buf);
            buf.flip();
            device.write(to * blockBytes + done, buf);
        }
    }

    /** Releases the storage of a freed block (discard passdown). */
    void discard(long dataBlock) {
        device.punchHole(dataBlock * blockBytes, blockBytes);
    }

    void sync() {
        device.sync();
    }
}
