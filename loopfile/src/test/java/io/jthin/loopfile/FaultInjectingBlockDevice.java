package io.jthin.loopfile;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * A {@link BlockDevice} wrapper for crash and failure tests (published in the test-jar).
 *
 * <p>Model: writes go through to the inner device at once; for every write not yet followed by a
 * {@link #sync()}, the bytes it overwrote are kept in an undo log. {@link #crash()} rolls the inner
 * device back to its state at the last sync — every unsynced write is lost — so the inner device
 * then holds exactly what a power cut would have left. A write can be made to fail at a given index
 * ({@link #failWriteAt}: the write is dropped) or to tear ({@link #tearWriteAt}: only its first bytes
 * reach storage, durably); either way the device crashes right there and every later call fails.
 *
 * <pre>
 * var dev = new FaultInjectingBlockDevice(new MemoryBlockDevice(16 &lt;&lt; 20));
 * dev.tearWriteAt(37, 512);          // write #37 keeps 512 bytes, then the machine "dies"
 * try { workload(dev); } catch (DeviceIOException expected) { }
 * MemoryBlockDevice after = dev.durableCopy();   // what survived
 * reopenAndCheck(after);
 * </pre>
 * Thread-safe (one monitor).
 */
public final class FaultInjectingBlockDevice implements BlockDevice {
    private record Undo(long offset, byte[] old) {
    }

    private final BlockDevice inner;
    private final Deque<Undo> unsynced = new ArrayDeque<>();
    private long writes;
    private long syncs;
    private long failAt = -1;
    private int keepBytes = -1;
    private boolean crashed;

    public FaultInjectingBlockDevice(BlockDevice inner) {
        this.inner = inner;
    }

    /** The write with index {@code n} (counted from 0 since creation) is dropped and the device crashes. */
    public synchronized void failWriteAt(long n) {
        failAt = n;
        keepBytes = 0;
    }

    /** The write with index {@code n} keeps only its first {@code keep} bytes (a multiple of 512), then the device crashes. */
    public synchronized void tearWriteAt(long n, int keep) {
        if (keep % 512 != 0) {
            throw new IllegalArgumentException("a torn write keeps whole 512-byte sectors, not " + keep + " bytes");
        }
        failAt = n;
        keepBytes = keep;
    }

    /** Power cut: every write not followed by a sync is lost; all later calls fail. */
    public synchronized void crash() {
        while (!unsynced.isEmpty()) {
            Undo u = unsynced.pop();
            inner.write(u.offset, ByteBuffer.wrap(u.old));
        }
        crashed = true;
    }

    public synchronized boolean isCrashed() {
        return crashed;
    }

    /** Writes seen so far (the index the next write will have). */
    public synchronized long writeCount() {
        return writes;
    }

    public synchronized long syncCount() {
        return syncs;
    }

    /** A copy of the inner device's content (after a crash: what survived). Needs a MemoryBlockDevice inside. */
    public synchronized MemoryBlockDevice durableCopy() {
        if (!crashed) {
            crash();
        }
        if (inner instanceof MemoryBlockDevice m) {
            return m.copy();
        }
        throw new IllegalStateException("durableCopy needs a MemoryBlockDevice inside, not " + inner.name());
    }

    private void checkAlive() {
        if (crashed) {
            throw new DeviceIOException(inner.name() + ": injected crash (device is gone)");
        }
    }

    @Override
    public synchronized void read(long offsetBytes, ByteBuffer dst) {
        checkAlive();
        inner.read(offsetBytes, dst);
    }

    @Override
    public synchronized void write(long offsetBytes, ByteBuffer src) {
        checkAlive();
        long index = writes++;
        int len = src.remaining();
        if (index == failAt) {
            crash();
            if (keepBytes > 0) {
                ByteBuffer part = src.slice(src.position(), Math.min(keepBytes, len));
                inner.write(offsetBytes, part);
            }
            throw new DeviceIOException(inner.name() + ": injected failure of write #" + index + " (" + len
                    + " bytes at " + offsetBytes + (keepBytes > 0 ? ", torn after " + keepBytes + " bytes" : "") + ")");
        }
        byte[] old = new byte[len];
        inner.read(offsetBytes, ByteBuffer.wrap(old));
        unsynced.push(new Undo(offsetBytes, old));
        inner.write(offsetBytes, src);
    }

    @Override
    public synchronized void sync() {
        checkAlive();
        syncs++;
        inner.sync();
        unsynced.clear();
    }

    @Override
    public synchronized long size() {
        checkAlive();
        return inner.size();
    }

    @Override
    public synchronized void resize(long newSizeBytes) {
        checkAlive();
        inner.resize(newSizeBytes);
    }

    @Override
    public synchronized void punchHole(long offsetBytes, long lengthBytes) {
        checkAlive();
        byte[] old = new byte[(int) Math.min(lengthBytes, Math.max(0, inner.size() - offsetBytes))];
        inner.read(offsetBytes, ByteBuffer.wrap(old));
        unsynced.push(new Undo(offsetBytes, old));
        inner.punchHole(offsetBytes, lengthBytes);
    }

    @Override
    public synchronized long allocatedBytes() {
        return inner.allocatedBytes();
    }

    @Override
    public String name() {
        return inner.name();
    }

    @Override
    public synchronized void close() {
        if (!crashed) {
            inner.close();
        }
    }
}
