package io.jthin.engine;

import io.jthin.allocator.OutOfDataSpaceException;
import io.jthin.btree.NoFreeBlocksException;
import io.jthin.btree.OutOfMetadataSpaceException;
import io.jthin.loopfile.BlockDevice;
import io.jthin.snapshot.DeviceDetails;
import io.jthin.snapshot.DeviceExistsException;
import io.jthin.snapshot.Mapping;
import io.jthin.snapshot.MetadataOperationException;
import io.jthin.snapshot.MetadataVisitor;
import io.jthin.snapshot.NoSuchDeviceException;
import io.jthin.snapshot.PoolMetadata;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.roaringbitmap.longlong.LongIterator;
import org.roaringbitmap.longlong.Roaring64Bitmap;

/**
 * A thin pool over a data and a metadata {@link BlockDevice}, with the kernel thin-pool target's
 * behaviour: device messages, allocation on demand, copy-on-write of shared blocks, commit on
 * flush and once a second, discard passdown after commit, out-of-space modes, read-only on
 * metadata failure (dm-thin-format §6–§7).
 *
 * <p>Lock order (never take them the other way round):
 * <ol>
 *   <li>a volume's lock ({@link ThinVolume}: I/O shared, snapshot of it and discard exclusive);
 *   <li>one block lock ({@link BlockLocks}; never two at once);
 *   <li>the metadata lock ({@link MetadataLock}: lookups shared, every metadata change exclusive).
 * </ol>
 * No data I/O runs under the metadata lock except the data sync that must precede a commit.
 * Thread-safe.
 */
public final class ThinPool implements AutoCloseable {
    /** Free metadata blocks kept back so that any single operation and a commit always fit. */
    static final long METADATA_OP_RESERVE = 64;

    private final BlockDevice dataDevice;
    private final BlockDevice metadataDevice;
    private final PoolOptions options;
    private final PoolMetadata md;
    private final DataBlocks data;
    private final MetadataLock metaLock = new MetadataLock();
    private final BlockLocks blockLocks = new BlockLocks();
    private final MappingCache mappingCache = new MappingCache();
    private final Map<Long, ThinVolume> openVolumes = new ConcurrentHashMap<>();
    /**
     * Data blocks freed in this transaction, to punch after it commits (discard passdown): a set in
     * block order, a few bytes per run of blocks however long (fstrim of a large volume frees millions).
     */
    private final Roaring64Bitmap pendingDiscards = new Roaring64Bitmap();
    /** Free data blocks known to be holes; guarded by the metadata write lock. */
    private final KnownZeroBlocks knownZeros;
    private final ScheduledExecutorService committer;
    private volatile PoolMode mode = PoolMode.WRITE;
    private volatile Throwable failure;
    private volatile Runnable lowWaterListener;
    private boolean lowWaterFired;
    private volatile boolean closed;

    private ThinPool(BlockDevice dataDevice, BlockDevice metadataDevice, PoolOptions options, PoolMetadata md) {
        this.dataDevice = dataDevice;
        this.metadataDevice = metadataDevice;
        this.options = options;
        this.md = md;
        this.data = new DataBlocks(dataDevice, md.dataBlockSectors() * 512,
                dataDevice.isDirect() ? options.dataReserveBytes() : 0);
        this.knownZeros = new KnownZeroBlocks(dataDevice, data.blockBytes(), b -> {
            var sm = md.dataSpaceMap();
            return b < sm.nrBlocks() && sm.refCount(b) == 0;
        });
        if (md.needsCheck()) {
            mode = PoolMode.READ_ONLY;
        }
        long period = options.commitInterval().toMillis();
        if (period > 0) {
            committer = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "jthin-commit");
                t.setDaemon(true);
                return t;
            });
            committer.scheduleWithFixedDelay(this::backgroundCommit, period, period, TimeUnit.MILLISECONDS);
        } else {
            committer = null;
        }
    }

    /** Formats new pool metadata on {@code metadataDevice} for the whole of {@code dataDevice}. */
    public static ThinPool create(BlockDevice dataDevice, BlockDevice metadataDevice, PoolOptions options) {
        if (!PoolMetadata.isUnformatted(metadataDevice)) {
            throw new MetadataOperationException(metadataDevice.name()
                    + " already holds metadata (its superblock is not zero): open the pool instead");
        }
        long nrDataBlocks = dataDevice.size() / options.dataBlockBytes();
        PoolMetadata md = PoolMetadata.format(metadataDevice, options.dataBlockSectors(), nrDataBlocks,
                options.metadataCacheBytes());
        return new ThinPool(dataDevice, metadataDevice, options, md);
    }

    /**
     * Opens existing pool metadata. The data block size comes from the metadata; it must equal
     * {@code options}' (as the kernel refuses a table with another). A data device smaller than the
     * metadata claims is refused; a larger one grows the pool.
     *
     * <p>Ownership: on success the pool owns both devices (its {@link #close()} closes them). On
     * failure the metadata device is closed (the metadata opened on it owns it) and the data device
     * is left to the caller, who opened it and closes it.
     */
    public static ThinPool open(BlockDevice dataDevice, BlockDevice metadataDevice, PoolOptions options) {
        PoolMetadata md = PoolMetadata.open(metadataDevice, options.metadataCacheBytes(), true);
        ThinPool pool = null;
        try {
            long blockBytes = md.dataBlockSectors() * 512;
            if (blockBytes != options.dataBlockBytes()) {
                throw new MetadataOperationException("the pool's data block size is " + blockBytes
                        + " bytes, not " + options.dataBlockBytes() + " as requested");
            }
            long have = dataDevice.size() / blockBytes;
            long recorded = md.dataSpaceMap().nrBlocks();
            if (have < recorded) {
                throw new MetadataOperationException("data device " + dataDevice.name() + " holds " + have
                        + " data blocks but the metadata records " + recorded + " (pool target too small)");
            }
            // Like the kernel ("metadata device (%llu blocks) too small: expected %llu"), refuse a
            // metadata device shorter than its space map: the allocator would hand out blocks past
            // its end, and the first commit would fail half-way. (Found by BadInputTest: a metadata
            // file truncated after its last used block opened read-write.)
            long metaHave = metadataDevice.size() / io.jthin.btree.MetadataBlock.SIZE;
            long metaRecorded = md.metadataSpaceMap().nrBlocks();
            if (metaHave < metaRecorded) {
                throw new MetadataOperationException("metadata device " + metadataDevice.name() + " holds " + metaHave
                        + " metadata blocks but the metadata records " + metaRecorded + " (metadata device too small)");
            }
            pool = new ThinPool(dataDevice, metadataDevice, options, md);
            if (have > recorded && pool.mode == PoolMode.WRITE) {
                pool.withMetadataWrite(() -> {
                    md.resizeData(have);
                    md.commit();
                    return null;
                });
            }
            if (md.metadataSpaceMap().nrBlocks() < Math.min(metadataDevice.size() / 4096,
                    io.jthin.allocator.MetadataSpaceMap.MAX_BLOCKS) && pool.mode == PoolMode.WRITE) {
                pool.withMetadataWrite(() -> {
                    md.resizeMetadata();
                    md.commit();
                    return null;
                });
            }
            return pool;
        } catch (RuntimeException e) {
            if (pool != null && pool.committer != null) {
                // The pool object exists (its open-time grow failed): stop its background committer,
                // which would otherwise outlive the failed open. (Found by OpenFailureTest.)
                pool.committer.shutdownNow();
            }
            md.close();
            throw e;
        }
    }

    public PoolOptions options() {
        return options;
    }

    public PoolMode mode() {
        return mode;
    }

    public long dataBlockBytes() {
        return data.blockBytes();
    }

    // ---- device operations (pool messages) -------------------------------------------------

    public void createThin(long devId) {
        metadataChange(() -> {
            md.createThin(devId);
            syncDataAndCommit();
            return null;
        });
    }

    /** Snapshots {@code originId} as {@code devId}; an open origin volume is quiesced meanwhile. */
    public void createSnap(long devId, long originId) {
        ThinVolume origin = openVolumes.get(originId);
        Runnable snap = () -> metadataChange(() -> {
            md.createSnap(devId, originId);
            syncDataAndCommit();
            return null;
        });
        if (origin != null) {
            origin.quiesced(snap);
        } else {
            snap.run();
        }
    }

    public void delete(long devId) {
        if (openVolumes.containsKey(devId)) {
            throw new MetadataOperationException("thin device " + devId + " is open (close its volume first)");
        }
        metadataChange(() -> {
            md.delete(devId);
            syncDataAndCommit();
            return null;
        });
    }

    public void setTransactionId(long current, long next) {
        metadataChange(() -> {
            md.setTransactionId(current, next);
            syncDataAndCommit();
            return null;
        });
    }

    public void reserveMetadataSnap() {
        metadataChange(() -> {
            data.sync();
            md.reserveMetadataSnap();
            return null;
        });
    }

    public void releaseMetadataSnap() {
        metadataChange(() -> {
            data.sync(); // releaseMetadataSnap commits: see syncDataAndCommit
            md.releaseMetadataSnap();
            return null;
        });
    }

    /** Runs a dmsetup message string ({@link PoolMessage#parse}). */
    public void message(String text) {
        switch (PoolMessage.parse(text)) {
            case PoolMessage.CreateThin m -> createThin(m.devId());
            case PoolMessage.CreateSnap m -> createSnap(m.devId(), m.originId());
            case PoolMessage.Delete m -> delete(m.devId());
            case PoolMessage.SetTransactionId m -> setTransactionId(m.current(), m.next());
            case PoolMessage.ReserveMetadataSnap m -> reserveMetadataSnap();
            case PoolMessage.ReleaseMetadataSnap m -> releaseMetadataSnap();
        }
    }

    /**
     * The commit of a pool message. The data device is synced first (dm-thin-format §6.3 step 1):
     * the transaction also holds the mappings of every block written since the last flush, and a
     * mapping must never become durable before the data it points to. (Found by CrashTest: without
     * the sync, a crash after create_thin / create_snap / delete / set_transaction_id left committed
     * mappings to blocks whose data never reached the disk — they read back as the block's stale
     * content, possibly a deleted device's old data.)
     */
    private void syncDataAndCommit() {
        data.sync();
        md.commit();
    }

    // ---- volumes ---------------------------------------------------------------------------

    /**
     * Opens thin device {@code devId} as a volume of {@code sizeBytes} (the dm table length: the
     * metadata stores no size). One open volume per device.
     */
    public ThinVolume openVolume(long devId, long sizeBytes) {
        checkOpen();
        if (sizeBytes < 0) {
            throw new IllegalArgumentException("volume size must not be negative: " + sizeBytes);
        }
        withMetadataRead(() -> md.details(devId));
        ThinVolume v = new ThinVolume(this, devId, sizeBytes);
        if (openVolumes.putIfAbsent(devId, v) != null) {
            throw new MetadataOperationException("thin device " + devId + " is already open");
        }
        return v;
    }

    void volumeClosed(ThinVolume v) {
        openVolumes.remove(v.deviceId(), v);
    }

    public List<Long> deviceIds() {
        return withMetadataRead(md::deviceIds);
    }

    public DeviceDetails details(long devId) {
        return withMetadataRead(() -> md.details(devId));
    }

    // ---- the I/O path (package-private, used by ThinVolume) ---------------------------------

    BlockLocks blockLocks() {
        return blockLocks;
    }

    DataBlocks data() {
        return data;
    }

    /**
     * The write path's first question: the data block a write to {@code virtualBlock} may overwrite in
     * place, when the {@link MappingCache} knows it to be the device's own under the current mapping
     * generation; else −1, and the answer is {@link #lookup}'s. The caller holds the block's lock
     * (exclusive).
     */
    long ownBlockOf(long devId, long virtualBlock) {
        if (mode == PoolMode.FAIL) {
            throw failed();
        }
        long cached = mappingCache.getExclusive(devId, virtualBlock, md.mappingGeneration());
        return cached == MappingCache.MISS ? -1 : cached;
    }

    /**
     * The write path's lookup: where the block lives and whether it is shared (null: unmapped). The
     * caller holds the block's lock (exclusive). A block found to be the device's own is remembered for
     * {@link #ownBlockOf}.
     */
    Mapping lookup(long devId, long virtualBlock) {
        if (mode == PoolMode.FAIL) {
            throw failed();
        }
        long generation = md.mappingGeneration();
        Mapping m;
        metaLock.lockLookup();
        try {
            m = md.lookup(devId, virtualBlock);
        } finally {
            metaLock.unlockLookup();
        }
        if (m != null && !m.shared()) {
            mappingCache.putExclusive(devId, virtualBlock, m.dataBlock(), generation);
        }
        return m;
    }

    /**
     * The read path's lookup: the data block of a virtual block, or −1 when it is unmapped. The caller
     * holds the block's lock (shared). Answered from the {@link MappingCache} while the metadata's
     * mapping generation, read before the tree lookup, is unchanged.
     */
    long dataBlockOf(long devId, long virtualBlock) {
        if (mode == PoolMode.FAIL) {
            throw failed();
        }
        long generation = md.mappingGeneration();
        long cached = mappingCache.get(devId, virtualBlock, generation);
        if (cached != MappingCache.MISS) {
            return cached;
        }
        long dataBlock;
        metaLock.lockLookup();
        try {
            dataBlock = md.dataBlockOf(devId, virtualBlock);
        } finally {
            metaLock.unlockLookup();
        }
        mappingCache.put(devId, virtualBlock, dataBlock, generation);
        return dataBlock;
    }

    /** A data block just allocated for a write, and what it is known to hold. */
    record FreshBlock(long block, BlockContent content) {
    }

    /**
     * Allocates a data block for a write; with {@code ask} (the write will zero the rest of the
     * block), also says whether it reads as zeros already ({@link KnownZeroBlocks}). Out of space:
     * commits once to release blocks freed in this transaction; then fails at once
     * (error_if_no_space) or returns null: the caller lets go of its block lock, waits in
     * {@link #awaitSpace} and tries again. (Waiting here, with the block lock held, stalled every
     * discard whose range covers that lock's stripe — the very discards that could free space —
     * until the no-space timeout, or for ever without one.)
     */
    FreshBlock tryAllocate(boolean ask) {
        metaLock.lockWrite();
        try {
            boolean committed = false;
            while (true) {
                checkWritableLocked();
                try {
                    long b = md.allocateDataBlock();
                    BlockContent content = knownZeros.claim(b, ask);
                    checkLowWaterLocked();
                    return new FreshBlock(b, content);
                } catch (NoFreeBlocksException e) {
                    if (e instanceof OutOfMetadataSpaceException) {
                        throw e;
                    }
                    if (!committed && md.isDirty()) {
                        committed = true;
                        commitLocked();
                        continue;
                    }
                    mode = PoolMode.OUT_OF_DATA_SPACE;
                    if (options.errorIfNoSpace()) {
                        throw outOfDataSpace();
                    }
                    return null;
                }
            }
        } finally {
            metaLock.unlockWrite();
        }
    }

    /** The {@link System#nanoTime} by which a write that starts waiting for space now gives up (MAX_VALUE: never). */
    long spaceDeadline() {
        return options.noSpaceTimeout().isZero() ? Long.MAX_VALUE : System.nanoTime() + options.noSpaceTimeout().toNanos();
    }

    /**
     * Waits, holding no block lock, until data space is added ({@link #resizeData}, or a commit that
     * frees blocks) or {@code deadline} passes; returns at once when space is there already.
     *
     * @throws OutOfDataSpaceException when the deadline has passed
     */
    void awaitSpace(long deadline) {
        metaLock.lockWrite();
        try {
            checkWritableLocked();
            if (mode != PoolMode.OUT_OF_DATA_SPACE || md.dataSpaceMap().nrFree() > 0) {
                return; // space came while the writer let go of its lock: try again
            }
            long left = deadline == Long.MAX_VALUE ? Long.MAX_VALUE : deadline - System.nanoTime();
            if (left <= 0) {
                throw outOfDataSpace();
            }
            try {
                metaLock.awaitSpaceAdded(left);
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
                throw outOfDataSpace();
            }
        } finally {
            metaLock.unlockWrite();
        }
    }

    private OutOfDataSpaceException outOfDataSpace() {
        return new OutOfDataSpaceException(md.dataSpaceMap().nrBlocks(), md.dataSpaceMap().nrFreedThisTransaction());
    }

    /**
     * Maps {@code virtualBlock} to a block from {@link #tryAllocate}; the caller holds the block's lock
     * (exclusive). The cache learns the new mapping here, as the device's own (a fresh block, mapped at
     * the current time): an insert does not change the mapping generation.
     */
    void insert(long devId, long virtualBlock, long dataBlock) {
        metadataChange(() -> {
            md.insert(devId, virtualBlock, dataBlock);
            mappingCache.putExclusive(devId, virtualBlock, dataBlock, md.mappingGeneration());
            return null;
        });
    }

    /** Gives back a block from {@link #tryAllocate} that was not mapped (the write failed). */
    void release(long dataBlock) {
        metadataChange(() -> {
            md.dataSpaceMap().dec(dataBlock);
            return null;
        });
    }

    /** Unmaps [begin, end) of a device; freed blocks are punched after the next commit when passdown is on. */
    long discard(long devId, long begin, long end) {
        if (mode == PoolMode.READ_ONLY || mode == PoolMode.OUT_OF_METADATA_SPACE) {
            return 0; // the kernel accepts and ignores discards in read-only mode
        }
        return metadataChange(() -> md.removeRange(devId, begin, end,
                options.discardPassdown() ? pendingDiscards::addLong : null));
    }

    // ---- commit ----------------------------------------------------------------------------

    /** Flush: makes every completed write durable (data sync, then metadata commit). */
    public void commit() {
        checkOpen();
        if (mode == PoolMode.FAIL) {
            throw failed();
        }
        metaLock.lockWrite();
        try {
            if (md.isDirty() && mode != PoolMode.READ_ONLY) {
                commitLocked();
            } else {
                metaLock.withLookupsOpen(data::sync);
            }
        } finally {
            metaLock.unlockWrite();
        }
    }

    private void commitLocked() {
        try {
            // Lookups may run during the data sync (no metadata changes meanwhile; writers stay
            // out): reads of mapped blocks are not stalled behind a commit's fdatasync.
            metaLock.withLookupsOpen(data::sync);
            md.commit();
        } catch (RuntimeException e) {
            metadataFailed(e);
            throw e;
        }
        punchFreedLocked();
        if (mode == PoolMode.OUT_OF_DATA_SPACE && md.dataSpaceMap().nrFree() > 0) {
            mode = PoolMode.WRITE;
            metaLock.signalSpaceAdded();
        }
    }

    /**
     * thin_trim for a pool on files: punches every free data block out of the data file, one punch
     * per run of free blocks, and returns how many blocks that was. For space a pool holds on to
     * without using it: blocks freed while discard passdown was off, or by a kernel pool whose
     * discards were not passed down, stay allocated in the data file until then.
     *
     * <p>It commits first, holding the metadata lock throughout, so "free" is what the committed
     * metadata says and no block is handed out while it punches (a block freed only in an
     * uncommitted transaction would come back mapped after a crash, its data gone). Lookups go on
     * meanwhile, as during passdown.
     */
    public long trim() {
        metaLock.lockWrite();
        try {
            checkWritableLocked();
            commitLocked();
            List<long[]> runs = new ArrayList<>(); // [first, end)
            var sm = md.dataSpaceMap();
            long first = -1;
            for (long b = 0; b <= sm.nrBlocks(); b++) {
                boolean free = b < sm.nrBlocks() && sm.refCount(b) == 0;
                if (free && first < 0) {
                    first = b;
                } else if (!free && first >= 0) {
                    runs.add(new long[] {first, b});
                    first = -1;
                }
            }
            punchLocked(runs);
            return runs.stream().mapToLong(run -> run[1] - run[0]).sum();
        } finally {
            metaLock.unlockWrite();
        }
    }

    /**
     * Discard passdown, after a commit (the freed blocks are free on disk now): punches the blocks
     * freed in the transaction that just committed, one punch per run of contiguous blocks (as the
     * kernel passes down one discard per run). A block allocated and freed within the transaction
     * may have been handed out again (the committed tree never referenced it): only what is still
     * free is punched, so such a block splits a run.
     *
     * <p>Lookups go on meanwhile (a punch changes no metadata, and no mapping refers to a free
     * block; writers that allocate stay out, so none of these blocks is handed out during it): on
     * ext4 mounted with {@code discard} a punch costs about a millisecond, and one per block made a
     * discard of 8,192 blocks stall every read of the pool for 8 s.
     */
    private void punchFreedLocked() {
        if (pendingDiscards.isEmpty()) {
            return;
        }
        List<long[]> runs = new ArrayList<>(); // [first, end)
        long first = -1;
        long end = -1;
        for (LongIterator it = pendingDiscards.getLongIterator(); it.hasNext(); ) {
            long b = it.next();
            if (md.dataSpaceMap().refCount(b) != 0) {
                continue; // handed out again: ends the run (the next free block does not extend it)
            }
            if (b != end) {
                if (first >= 0) {
                    runs.add(new long[] {first, end});
                }
                first = b;
            }
            end = b + 1;
        }
        if (first >= 0) {
            runs.add(new long[] {first, end});
        }
        pendingDiscards.clear();
        punchLocked(runs);
    }

    /** Punches runs [first, end) of free data blocks out of the data file, lookups let in meanwhile. */
    private void punchLocked(List<long[]> runs) {
        metaLock.withLookupsOpen(() -> {
            for (long[] run : runs) {
                data.discard(run[0], run[1] - run[0]);
                knownZeros.punched(run[0], run[1]);
            }
        });
    }

    private void backgroundCommit() {
        if (closed || mode == PoolMode.FAIL || mode == PoolMode.READ_ONLY) {
            return;
        }
        try {
            metaLock.lockWrite();
            try {
                if (md.isDirty()) {
                    commitLocked();
                }
            } finally {
                metaLock.unlockWrite();
            }
        } catch (RuntimeException e) {
            // metadataFailed already recorded it; the next foreground call reports the mode
        }
    }

    // ---- growing ---------------------------------------------------------------------------

    /** Grows the data device to {@code newSizeBytes} and the data space map with it; leaves OUT_OF_DATA_SPACE. */
    public void resizeData(long newSizeBytes) {
        checkOpen();
        metaLock.lockWrite();
        try {
            checkGrowableLocked();
            long blocks = newSizeBytes / data.blockBytes();
            long now = md.dataSpaceMap().nrBlocks();
            if (blocks < now) {
                throw new MetadataOperationException("cannot shrink the data device from " + now + " to " + blocks
                        + " blocks of " + data.blockBytes() + " bytes");
            }
            if (dataDevice.size() < newSizeBytes) {
                data.resize(newSizeBytes);
            }
            guarded(() -> {
                md.resizeData(blocks);
                commitLocked();
                return null;
            });
            if (mode == PoolMode.OUT_OF_DATA_SPACE) {
                mode = PoolMode.WRITE;
            }
            if (md.dataSpaceMap().nrFree() > options.lowWaterMarkBlocks()) {
                lowWaterFired = false;
            }
            metaLock.signalSpaceAdded();
        } finally {
            metaLock.unlockWrite();
        }
    }

    /** Grows the metadata device to {@code newSizeBytes}; leaves OUT_OF_METADATA_SPACE. */
    public void resizeMetadata(long newSizeBytes) {
        checkOpen();
        metaLock.lockWrite();
        try {
            checkGrowableLocked();
            if (newSizeBytes < metadataDevice.size()) {
                throw new MetadataOperationException("cannot shrink the metadata device from "
                        + metadataDevice.size() + " to " + newSizeBytes + " bytes");
            }
            metadataDevice.resize(newSizeBytes);
            guarded(() -> {
                md.resizeMetadata();
                commitLocked();
                return null;
            });
            if (mode == PoolMode.OUT_OF_METADATA_SPACE) {
                mode = PoolMode.WRITE;
            }
        } finally {
            metaLock.unlockWrite();
        }
    }

    private void checkGrowableLocked() {
        if (md.needsCheck() || mode == PoolMode.READ_ONLY || mode == PoolMode.FAIL) {
            throw new NeedsCheckException("the pool cannot grow: its metadata needs a check (needs_check is set)",
                    failure);
        }
    }

    // ---- events ----------------------------------------------------------------------------

    /** Called (on a pool thread, once per crossing) when free data blocks fall to the low-water mark or below. */
    public void onLowWaterMark(Runnable listener) {
        this.lowWaterListener = listener;
    }

    private void checkLowWaterLocked() {
        long mark = options.lowWaterMarkBlocks();
        if (mark <= 0 || lowWaterFired) {
            return;
        }
        if (md.dataSpaceMap().nrFree() <= mark) {
            lowWaterFired = true;
            Runnable l = lowWaterListener;
            if (l != null) {
                Thread.ofVirtual().name("jthin-low-water").start(l);
            }
        }
    }

    // ---- status ----------------------------------------------------------------------------

    public PoolStatus status() {
        return withMetadataRead(() -> {
            long totalMeta = md.metadataSpaceMap().nrBlocks();
            long freeMeta = md.metadataSpaceMap().nrFree();
            return new PoolStatus(md.transactionId(), PoolStatus.reportedUsedMetadata(totalMeta, freeMeta), totalMeta,
                    md.dataSpaceMap().nrAllocated(), md.dataSpaceMap().nrBlocks(), md.heldRoot(), mode,
                    options.discardPassdown(), options.errorIfNoSpace(), md.needsCheck(),
                    PoolStatus.metadataLowWatermark(totalMeta));
        });
    }

    public ThinStatus thinStatus(long devId) {
        if (mode == PoolMode.FAIL) {
            return new ThinStatus(0, -1, true);
        }
        return withMetadataRead(() -> ThinStatus.of(md.details(devId).mappedBlocks(), md.highestMappedBlock(devId),
                md.dataBlockSectors()));
    }

    /** Walks the metadata (live, including uncommitted changes, or the held snapshot). */
    public void accept(MetadataVisitor visitor, boolean metadataSnap, Long onlyDevice) {
        withMetadataRead(() -> {
            md.accept(visitor, metadataSnap, onlyDevice);
            return null;
        });
    }

    /** Where {@code virtualBlock} of a device lives, and whether it may be shared; null when unmapped. */
    public Mapping mapping(long devId, long virtualBlock) {
        return withMetadataRead(() -> md.lookup(devId, virtualBlock));
    }

    /** Bytes the data device really occupies (sparse files: allocated blocks only). */
    public long dataAllocatedBytes() {
        return dataDevice.allocatedBytes();
    }

    /** The reference count of a data block (how many distinct mapping leaves point at it, §5.6). */
    public long dataRefCount(long dataBlock) {
        return withMetadataRead(() -> md.dataSpaceMap().refCount(dataBlock));
    }

    /** The first mapped block ≥ from of a device, or −1 (for sparse export and map). */
    public long nextMappedBlock(long devId, long from) {
        return withMetadataRead(() -> md.nextMappedBlock(devId, from));
    }

    // ---- locking and failure handling --------------------------------------------------------

    private <T> T withMetadataRead(Supplier<T> op) {
        metaLock.lockRead();
        try {
            return op.get();
        } finally {
            metaLock.unlockRead();
        }
    }

    <T> T withMetadataWrite(Supplier<T> op) {
        metaLock.lockWrite();
        try {
            return op.get();
        } finally {
            metaLock.unlockWrite();
        }
    }

    /** A metadata change under the write lock, refused in read-only modes, failure-handled. */
    private <T> T metadataChange(Supplier<T> op) {
        checkOpen();
        metaLock.lockWrite();
        try {
            checkWritableLocked();
            ensureMetadataSpaceLocked();
            T result = guarded(op);
            if (!md.isDirty()) {
                punchFreedLocked(); // the change committed (a message does): passdown now, as after a flush
            }
            return result;
        } finally {
            metaLock.unlockWrite();
        }
    }

    /** Runs a metadata change; an unexpected failure aborts, sets NEEDS_CHECK and makes the pool read-only. */
    private <T> T guarded(Supplier<T> op) {
        try {
            return op.get();
        } catch (DeviceExistsException | NoSuchDeviceException | MetadataOperationException
                | IllegalArgumentException | OutOfDataSpaceException e) {
            throw e; // refused before anything changed
        } catch (OutOfMetadataSpaceException e) {
            try {
                md.abort();
                pendingDiscards.clear();
                knownZeros.clear(); // blocks freed in the aborted transaction are referenced again
                mode = PoolMode.OUT_OF_METADATA_SPACE;
            } catch (RuntimeException again) {
                metadataFailed(again);
            }
            throw e;
        } catch (RuntimeException e) {
            metadataFailed(e);
            throw e;
        }
    }

    private void ensureMetadataSpaceLocked() {
        if (md.metadataSpaceMap().nrFree() >= METADATA_OP_RESERVE) {
            return;
        }
        if (md.isDirty()) {
            commitLocked();
        }
        if (md.metadataSpaceMap().nrFree() < METADATA_OP_RESERVE) {
            mode = PoolMode.OUT_OF_METADATA_SPACE;
            throw new OutOfMetadataSpaceException(md.metadataSpaceMap().nrBlocks());
        }
    }

    /** The kernel's metadata-failure path (§7.6): roll back, set NEEDS_CHECK, go read-only; if that fails, FAIL. */
    private void metadataFailed(Throwable cause) {
        failure = cause;
        pendingDiscards.clear();
        knownZeros.clear();
        try {
            md.writeFlagsNow();
            mode = PoolMode.READ_ONLY;
        } catch (RuntimeException e) {
            cause.addSuppressed(e);
            mode = PoolMode.FAIL;
        }
    }

    private void checkWritableLocked() {
        switch (mode) {
            case WRITE, OUT_OF_DATA_SPACE -> { }
            case OUT_OF_METADATA_SPACE -> throw new OutOfMetadataSpaceException(md.metadataSpaceMap().nrBlocks());
            case READ_ONLY -> throw new NeedsCheckException("the pool is read-only: its metadata needs a check"
                    + (failure == null ? " (needs_check is set; with the pool closed, jthin check "
                            + "--clear-needs-check-flag clears it if the metadata is clean)"
                            : " after: " + failure.getMessage()), failure);
            case FAIL -> throw failed();
        }
    }

    private PoolFailedException failed() {
        return new PoolFailedException("the pool has failed" + (failure == null ? "" : ": " + failure.getMessage()),
                failure);
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("the pool is closed");
        }
    }

    /** Commits (if anything changed and the pool is writable), stops the committer, closes both devices. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        try {
            if (mode == PoolMode.WRITE || mode == PoolMode.OUT_OF_DATA_SPACE) {
                commit();
            }
        } finally {
            closed = true;
            if (committer != null) {
                committer.shutdownNow();
            }
            metaLock.lockWrite();
            try {
                md.close();
                dataDevice.close();
            } finally {
                metaLock.unlockWrite();
            }
        }
    }
}
