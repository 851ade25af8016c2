package io.jthin.btree;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.jthin.loopfile.BlockDevice;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * 4 KiB metadata blocks over a {@link BlockDevice}: reads with validation, a Caffeine cache of
 * clean blocks bounded in bytes, and the set of dirty blocks of the current transaction.
 *
 * <p>Owns: the cache and the dirty set. Invariants:
 * <ul>
 *   <li>Every block returned by {@link #read} passed {@link MetadataBlock#verify} for the type asked
 *       (a block cached as another type is verified again), so wrong bytes are never served.
 *   <li>Dirty blocks are pinned (never evicted) until {@link #flush} writes them (sealing checksum and
 *       block number) or {@link #discardDirty} drops them.
 *   <li>The front table only ever holds the current clean block of a location: a location's slot is
 *       cleared when the location gets new content and refilled from the cache or by {@link #flush}.
 *   <li>Block 0 (the superblock) is only written by {@link #writeSuperblock}.
 * </ul>
 * Thread-safety: reads may run concurrently with each other; changes (new, copy, flush, discard)
 * come from the single transaction owner. Only the {@link TransactionManager} uses this class.
 */
public final class BlockManager implements AutoCloseable {
    /** Default bound of the clean-block cache. */
    public static final long DEFAULT_CACHE_BYTES = 64L << 20;
    /** Java object overhead charged per cached block on top of its 4 KiB of data. */
    private static final int CACHE_ENTRY_OVERHEAD = 128;
    /** Largest single write when flushing contiguous dirty blocks. */
    private static final int MAX_RUN_BLOCKS = 256;
    /** Upper bound of the front table's slots. */
    private static final int MAX_FRONT_SLOTS = 1 << 16;
    /** Most zeros written after a flushed run that ends in a hole of a sparse device (see {@link #zeroAhead}). */
    static final int ZERO_AHEAD_BYTES = 1 << 20;

    /**
     * The zeros' source, made on first use: a read-only command (check, dump, ls) loads this class
     * and never writes, and 1 MiB of direct memory at class initialisation cost it ~4 ms.
     */
    private static final class Zeros {
        static final ByteBuffer BUFFER = ByteBuffer.allocateDirect(ZERO_AHEAD_BYTES); // never written: only duplicates are read
    }

    private final BlockDevice device;
    private final Cache<Long, MetadataBlock> cache;
    /**
     * A direct-mapped front of {@link #cache} for the hottest reads (tree roots and upper levels,
     * a lookup's leaves): slot {@code nr & (length - 1)} may hold the current clean block {@code nr}.
     * A slot is cleared whenever block {@code nr} gets new content (new or copied dirty block,
     * superblock write) and all slots on close, so it never holds a stale block. It has a
     * quarter to a half as many slots as the bound has blocks; that share is taken out of the cache's
     * bound, so both together stay within the bytes asked for.
     */
    private final AtomicReferenceArray<MetadataBlock> front;
    private final Map<Long, MetadataBlock> dirty = new ConcurrentHashMap<>();
    private long reads;
    private long writes;

    public BlockManager(BlockDevice device) {
        this(device, DEFAULT_CACHE_BYTES);
    }

    public BlockManager(BlockDevice device, long cacheBytes) {
        this.device = device;
        long bound = Math.max(cacheBytes, MetadataBlock.SIZE);
        int entryWeight = MetadataBlock.SIZE + CACHE_ENTRY_OVERHEAD;
        // The front may keep up to one block per slot that the cache has evicted: take its share
        // out of the cache's bound so that both together stay within cacheBytes.
        int slots = Integer.highestOneBit(Math.clamp(bound / entryWeight / 2, 1, MAX_FRONT_SLOTS));
        this.front = new AtomicReferenceArray<>(slots);
        this.cache = Caffeine.newBuilder()
                .maximumWeight(Math.max(bound - (long) slots * entryWeight, MetadataBlock.SIZE))
                .weigher((Long k, MetadataBlock v) -> entryWeight)
                .build();
    }

    /** Blocks the metadata device holds (its size in 4 KiB units, rounded down). */
    public long nrBlocks() {
        return device.size() / MetadataBlock.SIZE;
    }

    public BlockDevice device() {
        return device;
    }

    /** Reads and validates block {@code nr} as {@code type}. */
    public MetadataBlock read(long nr, BlockType type) {
        // isEmpty first: between transactions (read-mostly) this skips boxing the block number.
        MetadataBlock b = dirty.isEmpty() ? null : dirty.get(nr);
        if (b != null) {
            if (b.type() != type) {
                throw new CorruptMetadataException(type, nr, "block is in use as a " + b.type() + " in this transaction");
            }
            return b;
        }
        int slot = (int) nr & (front.length() - 1);
        b = front.getAcquire(slot);
        if (b != null && b.location() == nr && b.type() == type) {
            return b;
        }
        b = cache.getIfPresent(nr);
        if (b == null) {
            b = readFromDevice(nr);
            b.verify(type);
            cache.put(nr, b);
        } else if (b.type() != type) {
            MetadataBlock again = new MetadataBlock(nr, b.array(), null);
            again.verify(type);
            cache.put(nr, again);
            b = again;
        }
        front.setRelease(slot, b);
        return b;
    }

    /**
     * {@link #read}, for a walk that visits each block once (a check): a block that is not already
     * dirty, in the front table or in the cache is read and validated without being cached. Caching
     * it would only evict blocks worth keeping and cost an insertion per block (a seventh of the
     * CPU of checking 1 M mappings).
     */
    public MetadataBlock readOnce(long nr, BlockType type) {
        return readOnce(nr, type, null);
    }

    /**
     * {@link #readOnce(long, BlockType)}, reading a block that is not held anywhere into {@code scratch}
     * (from {@link MetadataBlock#scratch()}; null: a new buffer) instead of a new buffer: the caller
     * reuses it once done with the block, and for a walk of 1 M mappings that is 35 MB less to
     * allocate (the young collection and the page faults of fresh heap it cost). The block returned
     * is {@code scratch} or one held elsewhere; either way it is valid until {@code scratch} is reused.
     */
    public MetadataBlock readOnce(long nr, BlockType type, MetadataBlock scratch) {
        MetadataBlock b = dirty.isEmpty() ? null : dirty.get(nr);
        if (b == null) {
            b = front.getAcquire((int) nr & (front.length() - 1));
            if (b == null || b.location() != nr) {
                b = cache.getIfPresent(nr);
            }
        }
        if (b == null) {
            b = readFromDevice(nr, scratch == null ? MetadataBlock.scratch() : scratch);
            b.verify(type);
            return b;
        }
        return read(nr, type); // present: the usual path checks (or re-validates) its type
    }

    /** True when block {@code nr} on the device is all zeros (e.g. an unformatted superblock). */
    public boolean isZero(long nr) {
        return readFromDevice(nr).isAllZero();
    }

    private MetadataBlock readFromDevice(long nr) {
        return readFromDevice(nr, MetadataBlock.scratch());
    }

    /** Reads block {@code nr} into {@code into} (a fresh or reused buffer), not yet validated. */
    private MetadataBlock readFromDevice(long nr, MetadataBlock into) {
        checkBounds(nr, null);
        into.reuseAt(nr);
        device.read(nr * MetadataBlock.SIZE, ByteBuffer.wrap(into.array()));
        reads++;
        return into;
    }

    private void checkBounds(long nr, BlockType type) {
        long n = nrBlocks();
        if (nr < 0 || nr >= n) {
            throw new CorruptMetadataException(type == null ? BlockType.BTREE_NODE : type, nr,
                    "block number " + nr + " is past the end of the metadata device (" + n + " blocks)");
        }
    }

    /** A new, zero-filled dirty block at {@code nr} (which the caller allocated). */
    public MetadataBlock newZeroed(long nr, BlockType type) {
        checkBounds(nr, type);
        MetadataBlock b = MetadataBlock.zeroed(nr, type);
        forget(nr);
        dirty.put(nr, b);
        return b;
    }

    /** A dirty copy of {@code src} at location {@code nr} (which the caller allocated). */
    public MetadataBlock copyTo(ReadBlock src, long nr, BlockType type) {
        checkBounds(nr, type);
        MetadataBlock b = ((MetadataBlock) src).copyAt(nr, type);
        forget(nr);
        dirty.put(nr, b);
        return b;
    }

    /** Block {@code nr} gets new content: drop the clean copy from the cache and its front slot. */
    private void forget(long nr) {
        cache.invalidate(nr);
        front.setRelease((int) nr & (front.length() - 1), null);
    }

    private void forgetAll() {
        cache.invalidateAll();
        for (int i = 0; i < front.length(); i++) {
            front.setRelease(i, null);
        }
    }

    /** The dirty block at {@code nr}, or null if that block is not dirty in this transaction. */
    public MetadataBlock dirtyBlock(long nr) {
        return dirty.get(nr);
    }

    public int dirtyCount() {
        return dirty.size();
    }

    /**
     * Seals and writes every dirty block except block 0, then syncs the device. Afterwards the
     * blocks are clean and cached. Contiguous blocks go out as one write.
     */
    public void flush() {
        List<MetadataBlock> blocks = new ArrayList<>(dirty.values());
        blocks.removeIf(b -> b.location() == 0);
        blocks.sort((a, b) -> Long.compare(a.location(), b.location()));
        int i = 0;
        while (i < blocks.size()) {
            int j = i + 1;
            while (j < blocks.size() && j - i < MAX_RUN_BLOCKS
                    && blocks.get(j).location() == blocks.get(j - 1).location() + 1) {
                j++;
            }
            writeRun(blocks.subList(i, j));
            i = j;
        }
        device.sync();
        for (MetadataBlock b : blocks) {
            dirty.remove(b.location());
            cache.put(b.location(), b);
            front.setRelease((int) b.location() & (front.length() - 1), b);
        }
    }

    private void writeRun(List<MetadataBlock> run) {
        ByteBuffer buf = ByteBuffer.allocate(run.size() * MetadataBlock.SIZE);
        for (MetadataBlock b : run) {
            b.seal(b.type());
            buf.put(b.array());
        }
        buf.flip();
        long at = run.get(0).location() * MetadataBlock.SIZE;
        device.write(at, buf);
        writes += run.size();
        zeroAhead(at + (long) run.size() * MetadataBlock.SIZE);
    }

    /**
     * Where a flushed run ends in a hole (a sparse metadata file: the allocator moves forward through
     * never-written blocks, as the kernel's does), writes zeros over the rest of that hole, up to
     * {@link #ZERO_AHEAD_BYTES}. The next commits then overwrite written blocks: on ext4 an
     * {@code fdatasync} after writes into holes also commits the journal for their new extents (a
     * commit's two syncs: 595–775 µs into holes, 411–442 µs into written blocks). Zeros go only where
     * the device says the bytes read as zeros already ({@link BlockDevice#zerosAt}): no block's
     * content changes, so no committed block can be harmed. A later run in the same flush may
     * overwrite some of them; runs are written in order, so its content lands after the zeros.
     */
    private void zeroAhead(long from) {
        long limit = Math.min(ZERO_AHEAD_BYTES, device.size() - from);
        if (limit < MetadataBlock.SIZE) {
            return;
        }
        long hole = device.zerosAt(from, limit) / MetadataBlock.SIZE * MetadataBlock.SIZE;
        if (hole > 0) {
            device.write(from, Zeros.BUFFER.duplicate().limit((int) hole));
        }
    }

    /** Seals and writes {@code sb} at its location (0, or a metadata-snapshot copy), then syncs. */
    public void writeSuperblock(MetadataBlock sb) {
        sb.seal(BlockType.SUPERBLOCK);
        device.write(sb.location() * MetadataBlock.SIZE, ByteBuffer.wrap(sb.array()));
        writes++;
        device.sync();
        dirty.remove(sb.location());
        forget(sb.location());
        cache.put(sb.location(), sb);
    }

    /**
     * Drops every dirty block (abort: the device holds the last commit). Clean cached blocks stay:
     * they are never modified, and each holds what its location held when it was read or written;
     * a later allocation of that location replaces it ({@link #newZeroed}, {@link #copyTo}).
     */
    public void discardDirty() {
        dirty.clear();
    }

    /** Blocks read from the device since creation. */
    public long readCount() {
        return reads;
    }

    /** Blocks written to the device since creation. */
    public long writeCount() {
        return writes;
    }

    @Override
    public void close() {
        dirty.clear();
        forgetAll();
        device.close();
    }
}
