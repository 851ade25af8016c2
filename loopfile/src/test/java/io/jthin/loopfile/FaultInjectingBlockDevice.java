package io.jthin.loopfile;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * A {@link BlockDevice} wrapper for crash and failure tests, published in loopfile's test-jar.
 *
 * <p>Model (write-through plus undo log): every write, punchHole and resize goes to the inner
 * device at once, so reads see it; until the next {@link #sync()} it is also recorded in an undo
 * log with the bytes (or size) it replaced. The durable state is therefore "inner minus the undo
 * log": {@link #crash()} rolls the inner device back to it (every change not followed by a sync is
 * lost), and {@link #durableCopy()} builds it in a fresh {@link MemoryBlockDevice} without
 * disturbing anything. Faults:
 * <ul>
 *   <li>{@link #failWriteAt}{@code (n)}: the n-th write from now (0-based) reaches nothing, throws
 *       {@link DeviceIOException}, and the device crashes.
 *   <li>{@link #tearWriteAt}{@code (n, keepBytes)}: the device crashes during the n-th write: the
 *       unsynced changes before it are lost, and exactly its first {@code keepBytes} (whole
 *       512-byte sectors) reach storage, durably.
 * </ul>
 * After a crash every read, write, sync, punchHole and resize throws DeviceIOException; size,
 * allocatedBytes, the counters and durableCopy still answer. Counters: {@link #writeCount()} is the
 * number of write calls seen (the index the next one gets), {@link #syncCount()} of syncs done.
 *
 * <p>Ownership: the inner device is "the disk". {@link #close()} closes this handle only (later I/O
 * fails until {@link #reopen()}); unsynced changes stay pending, so a later crash still loses them.
 * Close the inner device yourself if it holds resources (a SparseFile).
 *
 * <p>Thread-safety: every method is synchronized on this object; the inner device is called only
 * under that monitor.
 *
 * <pre>
 * var dev = new FaultInjectingBlockDevice(new MemoryBlockDevice("meta", 16 &lt;&lt; 20));
 * dev.failWriteAt(n);                              // or tearWriteAt(n, 512)
 * try { workload(dev); } catch (RuntimeException e) { assertTrue(dev.isCrashed(), "unexpected: " + e); }
 * MemoryBlockDevice survivor = dev.durableCopy();   // exactly what was synced (+ the torn prefix)
 * reopenCheckAndCompare(survivor);
 * </pre>
 */
public final class FaultInjectingBlockDevice implements BlockDevice {
    /** Torn writes keep whole sectors. */
    public static final int SECTOR_BYTES = 512;
    /** Granularity at which punched or truncated content is saved (only non-zero pieces are kept). */
    private static final int PIECE_BYTES = 64 * 1024;
    private static final int NO_FAULT = -1;

    /** One unsynced change, undone onto a device that holds the state just after it. */
    private sealed interface Undo permits Restore, RestorePieces, RestoreSize {
        void undo(BlockDevice target);
    }

    /** A write: puts back the bytes it overwrote. */
    private record Restore(long offsetBytes, byte[] old) implements Undo {
        @Override
        public void undo(BlockDevice target) {
            target.write(offsetBytes, ByteBuffer.wrap(old));
        }
    }

    /** A punched hole: writes back its non-zero pieces (the rest was zero before too). */
    private record RestorePieces(List<Restore> pieces) implements Undo {
        @Override
        public void undo(BlockDevice target) {
            pieces.forEach(p -> p.undo(target));
        }
    }

    /** A resize: restores the old size, then (after a shrink) the non-zero pieces of the cut tail. */
    private record RestoreSize(long oldSizeBytes, List<Restore> tail) implements Undo {
        @Override
        public void undo(BlockDevice target) {
            target.resize(oldSizeBytes);
            tail.forEach(p -> p.undo(target));
        }
    }

    private final BlockDevice inner;
    /** Unsynced changes, most recent first. */
    private final Deque<Undo> unsynced = new ArrayDeque<>();
    private long writes;
    private long syncs;
    private long faultAtWrite = NO_FAULT;
    private int faultKeepBytes;
    private boolean crashed;
    private String crashReason;
    private boolean closed;

    /** Wraps {@code inner}, whose current content counts as durable. */
    public FaultInjectingBlockDevice(BlockDevice inner) {
        this.inner = inner;
    }

    /** The n-th write from now (0-based) fails without reaching storage, and the device crashes. */
    public synchronized void failWriteAt(long n) {
        arm(n, 0);
    }

    /**
     * The n-th write from now (0-based) is torn: the unsynced changes before it are lost, its first
     * {@code keepBytes} (a multiple of 512, clipped to the write) reach storage, and the device crashes.
     */
    public synchronized void tearWriteAt(long n, int keepBytes) {
        if (keepBytes < 0 || keepBytes % SECTOR_BYTES != 0) {
            throw new IllegalArgumentException("a torn write keeps whole " + SECTOR_BYTES + "-byte sectors, not "
                    + keepBytes + " bytes");
        }
        arm(n, keepBytes);
    }

    private void arm(long n, int keepBytes) {
        if (n < 0) {
            throw new IllegalArgumentException("write index must be >= 0, was " + n);
        }
        faultAtWrite = writes + n;
        faultKeepBytes = keepBytes;
    }

    /** Cancels an armed failWriteAt / tearWriteAt. */
    public synchronized void clearFault() {
        faultAtWrite = NO_FAULT;
    }

    /** Power cut: every change not followed by a sync is lost; later I/O fails. Idempotent. */
    public synchronized void crash() {
        crash("crash()");
    }

    private void crash(String reason) {
        if (crashed) {
            return;
        }
        rollBack(inner);
        unsynced.clear();
        inner.sync();
        crashed = true;
        crashReason = reason;
    }

    public synchronized boolean isCrashed() {
        return crashed;
    }

    /** Write calls seen so far, including a failed one: the index the next write will have. */
    public synchronized long writeCount() {
        return writes;
    }

    /** Syncs that completed. */
    public synchronized long syncCount() {
        return syncs;
    }

    /** Writes, punched holes and resizes since the last sync (what a crash now would lose). */
    public synchronized int unsyncedChangeCount() {
        return unsynced.size();
    }

    /**
     * The durable state as a fresh, open MemoryBlockDevice: what was synced (plus a torn prefix).
     * Changes nothing here; works before or after a crash and after close.
     */
    public synchronized MemoryBlockDevice durableCopy() {
        MemoryBlockDevice copy = inner instanceof MemoryBlockDevice m ? m.copy() : copyOf(inner);
        rollBack(copy);
        return copy;
    }

    /** Makes a closed (not crashed) handle usable again; returns this. */
    public synchronized FaultInjectingBlockDevice reopen() {
        closed = false;
        return this;
    }

    /** The wrapped device ("the disk"). */
    public BlockDevice inner() {
        return inner;
    }

    private void rollBack(BlockDevice target) {
        for (Undo u : unsynced) {
            u.undo(target);
        }
    }

    private static MemoryBlockDevice copyOf(BlockDevice device) {
        MemoryBlockDevice copy = new MemoryBlockDevice(device.name(), device.size());
        for (Restore piece : nonZeroPieces(device, 0, device.size())) {
            piece.undo(copy);
        }
        return copy;
    }

    private static List<Restore> nonZeroPieces(BlockDevice device, long offsetBytes, long lengthBytes) {
        List<Restore> pieces = new ArrayList<>();
        long end = Math.min(device.size(), offsetBytes + lengthBytes);
        for (long p = offsetBytes; p < end; p += PIECE_BYTES) {
            byte[] bytes = new byte[(int) Math.min(PIECE_BYTES, end - p)];
            device.read(p, ByteBuffer.wrap(bytes));
            for (byte b : bytes) {
                if (b != 0) {
                    pieces.add(new Restore(p, bytes));
                    break;
                }
            }
        }
        return pieces;
    }

    private void ensureUsable() {
        if (crashed) {
            throw new DeviceIOException(inner.name() + ": device is gone (injected crash: " + crashReason + ")");
        }
        if (closed) {
            throw new DeviceIOException(inner.name() + ": device is closed");
        }
    }

    @Override
    public synchronized void read(long offsetBytes, ByteBuffer dst) {
        ensureUsable();
        inner.read(offsetBytes, dst);
    }

    @Override
    public synchronized void write(long offsetBytes, ByteBuffer src) {
        ensureUsable();
        long index = writes++;
        int length = src.remaining();
        if (index == faultAtWrite) {
            faultAtWrite = NO_FAULT;
            injectFault(index, offsetBytes, src);
        }
        byte[] old = new byte[length];
        inner.read(offsetBytes, ByteBuffer.wrap(old));
        inner.write(offsetBytes, src); // validates the range; nothing recorded if it throws
        unsynced.push(new Restore(offsetBytes, old));
    }

    private void injectFault(long index, long offsetBytes, ByteBuffer src) {
        int length = src.remaining();
        String what = "write #" + index + " (" + length + " bytes at byte " + offsetBytes + ")";
        crash(faultKeepBytes == 0 ? "failed " + what : "tore " + what + " after " + faultKeepBytes + " bytes");
        long room = Math.max(0, inner.size() - offsetBytes); // a rolled-back grow may leave no room
        int keep = (int) Math.min(Math.min(faultKeepBytes, length), room);
        if (keep > 0) {
            inner.write(offsetBytes, src.slice(src.position(), keep));
            inner.sync();
        }
        throw new DeviceIOException(inner.name() + ": injected " + crashReason);
    }

    @Override
    public synchronized void sync() {
        ensureUsable();
        inner.sync();
        unsynced.clear();
        syncs++;
    }

    @Override
    public synchronized long size() {
        return inner.size();
    }

    @Override
    public synchronized void resize(long newSizeBytes) {
        ensureUsable();
        long oldSize = inner.size();
        List<Restore> tail = newSizeBytes < oldSize ? nonZeroPieces(inner, newSizeBytes, oldSize - newSizeBytes)
                : List.of();
        inner.resize(newSizeBytes);
        unsynced.push(new RestoreSize(oldSize, tail));
    }

    @Override
    public synchronized void punchHole(long offsetBytes, long lengthBytes) {
        ensureUsable();
        List<Restore> pieces = nonZeroPieces(inner, offsetBytes, lengthBytes);
        inner.punchHole(offsetBytes, lengthBytes);
        unsynced.push(new RestorePieces(pieces));
    }

    @Override
    public synchronized long allocatedBytes() {
        return inner.allocatedBytes();
    }

    @Override
    public String name() {
        return inner.name();
    }

    /** Closes this handle only (see the class comment); idempotent. */
    @Override
    public synchronized void close() {
        closed = true;
    }

    @Override
    public synchronized String toString() {
        return "FaultInjectingBlockDevice[" + inner.name() + ", writes " + writes + ", syncs " + syncs + ", unsynced "
                + unsynced.size() + (crashed ? ", crashed: " + crashReason : "") + "]";
    }
}
