package io.jthin.engine;

import io.jthin.loopfile.BlockDevice;
import java.nio.ByteBuffer;
import java.util.BitSet;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Data-block I/O on the pool's data device: byte ranges inside one data block, zeroing (by
 * punching a hole: a fresh or punched region of a sparse file is already zero) and copying a
 * whole block for copy-on-write. Thread-safe (the device is).
 *
 * <p>Zeroing first asks the device whether the block already reads as zeros (a hole: one
 * {@code lseek(SEEK_DATA)}), and punches only when it does not know: on ext4 a punch takes a journal
 * handle and costs 30–150 µs, ten times the 4 KiB write it precedes, while a block that was never
 * written — every block of a new pool, every block punched by discard passdown — is a hole already.
 * The pool often knows already ({@link KnownZeroBlocks}) and says so ({@link #zero(long, BlockContent)}).
 *
 * <p>{@link #sync()} skips the device's {@code fdatasync} when nothing changed the device since the
 * last one began (an {@code fdatasync} of a clean file still flushes the disk cache: ~200 µs here,
 * a fifth of a snapshot's commit). Invariant: every change of the data device goes through this
 * class ({@link #write}, {@link #zero}, {@link #copy}, {@link #copyWith}, {@link #discard}, {@link #resize}) and sets
 * {@code dirty} after it completes; {@code sync} clears it before syncing, so a change racing with
 * a sync leaves it set for the next.
 *
 * <p>Reservation ({@link #reserveFor}, on when the reserve chunk is non-zero): before the first write
 * to a newly allocated block, the aligned chunk holding it is reserved in the data file once
 * ({@link BlockDevice#reserve}); a discard punch forgets its chunk, so reuse reserves it again. It
 * changes no content (reserved storage reads as zeros), so it needs no sync.
 */
final class DataBlocks {
    private final BlockDevice device;
    private final long blockBytes;
    private final int copyChunk;
    /**
     * Each copying thread's buffer: direct (a FileChannel copies a heap buffer through a temporary
     * direct one) and 4 KiB-aligned (an O_DIRECT device takes it as it is), allocated once rather
     * than 64 KiB of zeroed heap per copy-on-write.
     */
    private final ThreadLocal<ByteBuffer> copyBuffer;
    /** Bytes per reservation chunk (a multiple of the block size), or 0 when not reserving. */
    private final long reserveChunkBytes;
    /** Chunks reserved since open (the device may hold more); guarded by itself. */
    private final BitSet reservedChunks = new BitSet();
    /** Set after any change of the device, cleared when a sync begins; starts set (state unknown). */
    private final AtomicBoolean dirty = new AtomicBoolean(true);

    DataBlocks(BlockDevice device, long blockBytes) {
        this(device, blockBytes, 0);
    }

    /** With reservation in chunks of {@code reserveBytes} rounded up to whole blocks (0 = none). */
    DataBlocks(BlockDevice device, long blockBytes, long reserveBytes) {
        this.device = device;
        this.blockBytes = blockBytes;
        this.reserveChunkBytes = reserveBytes <= 0 ? 0 : Math.ceilDiv(reserveBytes, blockBytes) * blockBytes;
        int chunk = (int) Math.min(blockBytes, 1 << 20);
        this.copyChunk = chunk;
        this.copyBuffer = ThreadLocal.withInitial(
                () -> ByteBuffer.allocateDirect(chunk + 4096).alignedSlice(4096).limit(chunk).slice());
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
        changed();
    }

    private void changed() {
        if (!dirty.getPlain()) {
            dirty.set(true);
        }
    }

    /** Reserves the storage of the chunk holding a newly allocated block, once per chunk (a hint: failures are ignored). */
    void reserveFor(long dataBlock) {
        int chunk = chunkOf(dataBlock);
        if (chunk < 0) {
            return;
        }
        synchronized (reservedChunks) {
            if (reservedChunks.get(chunk)) {
                return;
            }
            reservedChunks.set(chunk); // refused or not, one try per chunk
        }
        device.reserve(chunk * reserveChunkBytes, reserveChunkBytes);
    }

    /** The reservation chunk of a block, or −1 when not reserving (or past what a BitSet indexes). */
    private int chunkOf(long dataBlock) {
        if (reserveChunkBytes == 0) {
            return -1;
        }
        long chunk = dataBlock * blockBytes / reserveChunkBytes;
        return chunk > Integer.MAX_VALUE ? -1 : (int) chunk;
    }

    /** Makes the whole block read as zeros (nothing to do when it is a hole already). */
    void zero(long dataBlock) {
        if (!device.readsAsZeros(dataBlock * blockBytes, blockBytes)) {
            punch(dataBlock);
        }
    }

    /** As {@link #zero(long)}, for a block whose content is {@code known} already: asks the device only when UNKNOWN. */
    void zero(long dataBlock, BlockContent known) {
        switch (known) {
            case ZEROS -> { }
            case MAY_HOLD_DATA -> punch(dataBlock);
            case UNKNOWN -> zero(dataBlock);
        }
    }

    private void punch(long dataBlock) {
        device.punchHole(dataBlock * blockBytes, blockBytes);
        changed();
    }

    /** Copies block {@code from} to block {@code to} in chunks of at most 1 MiB. */
    void copy(long from, long to) {
        int chunk = copyChunk;
        ByteBuffer buf = copyBuffer.get();
        for (long done = 0; done < blockBytes; done += chunk) {
            buf.clear();
            device.read(from * blockBytes + done, buf);
            buf.flip();
            device.write(to * blockBytes + done, buf);
        }
        changed();
    }

    /**
     * Copy-on-write of a partial write: block {@code from} is copied to block {@code to} with
     * {@code src} laid over it at {@code offsetInBlock}, chunk by chunk, so that each chunk is read
     * once and written once (copying first and writing the new bytes after costs one more write —
     * a third I/O per copy-on-write where the device is O_DIRECT). Consumes {@code src}.
     */
    void copyWith(long from, long to, long offsetInBlock, ByteBuffer src) {
        int chunk = copyChunk;
        ByteBuffer buf = copyBuffer.get();
        long srcStart = offsetInBlock;
        long srcEnd = offsetInBlock + src.remaining();
        int srcPos = src.position();
        for (long done = 0; done < blockBytes; done += chunk) {
            buf.clear();
            device.read(from * blockBytes + done, buf);
            long lo = Math.max(srcStart, done);
            long hi = Math.min(srcEnd, done + chunk);
            if (lo < hi) {
                buf.put((int) (lo - done), src, srcPos + (int) (lo - srcStart), (int) (hi - lo));
            }
            buf.clear();
            device.write(to * blockBytes + done, buf);
        }
        src.position(src.limit());
        changed();
    }

    /** Releases the storage of {@code count} freed blocks from {@code first} (discard passdown): one punch. */
    void discard(long first, long count) {
        device.punchHole(first * blockBytes, count * blockBytes);
        changed();
        if (reserveChunkBytes == 0) {
            return;
        }
        long from = first * blockBytes / reserveChunkBytes;
        long to = Math.min(((first + count) * blockBytes - 1) / reserveChunkBytes + 1, Integer.MAX_VALUE);
        if (from < to) {
            synchronized (reservedChunks) {
                reservedChunks.clear((int) from, (int) to); // reserved again when a block is reused
            }
        }
    }

    /** Grows the device (a file is extended sparsely). */
    void resize(long newSizeBytes) {
        device.resize(newSizeBytes);
        changed();
    }

    /** Makes every completed change durable; nothing to do when there was none since the last sync. */
    void sync() {
        if (dirty.getAndSet(false)) {
            try {
                device.sync();
            } catch (RuntimeException e) {
                dirty.set(true);
                throw e;
            }
        }
    }
}
