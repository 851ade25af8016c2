package io.jthin.snapshot;

import io.jthin.allocator.DiskSpaceMap;
import io.jthin.allocator.MetadataSpaceMap;
import io.jthin.allocator.SpaceMapRoot;
import io.jthin.btree.BTree;
import io.jthin.btree.BlockType;
import io.jthin.btree.CorruptMetadataException;
import io.jthin.btree.ReadBlock;
import io.jthin.btree.TransactionManager;
import io.jthin.btree.TwoLevelBTree;
import io.jthin.btree.ValueType;
import io.jthin.btree.WriteBlock;
import io.jthin.loopfile.BlockDevice;
import io.jthin.loopfile.StorageException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.LongConsumer;

/**
 * The thin pool's metadata (kernel dm-thin-metadata): superblock, device-details tree, the
 * two-level mapping tree, both space maps, and the device operations with the kernel's meaning
 * (dm-thin-format §6.4–§6.7).
 *
 * <p>Invariants:
 * <ul>
 *   <li>The device-details tree and the top-level mapping tree hold the same device ids.
 *   <li>{@code mapped_blocks} of each device equals the entries of its bottom-level tree.
 *   <li>Data reference counts equal the (distinct leaf, entry) pairs mapping each block (§5.6);
 *       metadata counts are kept exact by the transaction manager and the trees.
 *   <li>{@code time} never exceeds 2^24 − 1: the snapshot that would wrap it is refused.
 *   <li>Commit order: device details → data space map → metadata space map → dirty blocks → superblock.
 * </ul>
 * Not thread-safe: the pool serialises every call under its metadata lock.
 */
public final class PoolMetadata implements AutoCloseable {
    /** Thin device ids are 24 bits (§7.2). */
    public static final long MAX_DEVICE_ID = (1L << 24) - 1;
    /** The most mapping runs a walk keeps to give a second device with the same root (32 bytes each: 16 MiB). */
    static final int MAX_RECORDED_RUNS = 1 << 19;

    private final TransactionManager tm;
    private final boolean writable;
    private MetadataSpaceMap metadataSm;
    private DiskSpaceMap dataSm;
    private final TwoLevelBTree<Long> mappings;
    private final BTree<Long> topLevel;
    private final BTree<Long> bottomLevel;
    private final BTree<DeviceDetails> details;
    private Superblock sb;
    /** Details of devices touched in this transaction, written to the details tree at commit. */
    private final Map<Long, DeviceDetails> changedDetails = new TreeMap<>();
    /**
     * Each device's snapshotted time as {@link #details} gives it, for {@link #lookup} (every read and
     * write asks; the details tree lookup and decode were a tenth of a 4 KiB read's CPU). Filled by
     * lookups — which run concurrently, under the pool's shared lock, hence a concurrent map — and
     * cleared by every change of a snapshotted time (create_thin, create_snap, delete, restore,
     * abort/reload), which the pool makes under its exclusive lock. Mapped-block counts, which
     * inserts and removals change, are not cached.
     */
    private final Map<Long, Long> snapshottedTimes = new java.util.concurrent.ConcurrentHashMap<>();
    /**
     * Goes up after every change that may remove or alter a mapping other than {@link #insert}:
     * create_thin, create_snap, delete, {@link #removeRange}, restore, and abort or reload (back to the
     * last commit). A cache of lookups that records the generation it looked up under is valid while
     * the generation is unchanged, provided its owner updates it on each {@link #insert} itself (see
     * the engine's MappingCache). Written by the single writer; read by any thread.
     */
    private volatile long mappingGeneration;
    private boolean dirty;

    private PoolMetadata(BlockDevice device, long cacheBytes, boolean writable) {
        this.tm = TransactionManager.over(device, cacheBytes);
        this.writable = writable;
        this.mappings = new TwoLevelBTree<>(tm, new BlockTimeValueType());
        this.topLevel = mappings.top();
        this.bottomLevel = mappings.bottom();
        this.details = new BTree<>(tm, DeviceDetails.VALUE_TYPE);
    }

    /** The mapping leaves' value type: a data block reference (inc/dec its data count). */
    private final class BlockTimeValueType implements ValueType<Long> {
        @Override
        public int size() {
            return 8;
        }

        @Override
        public Long read(ReadBlock b, int offset) {
            return b.getLong(offset);
        }

        @Override
        public void write(WriteBlock b, int offset, Long value) {
            b.putLong(offset, value);
        }

        @Override
        public void inc(Long value) {
            dataSm.inc(BlockTime.dataBlockOf(value));
        }

        @Override
        public void dec(Long value) {
            dataSm.dec(BlockTime.dataBlockOf(value));
        }

        @Override
        public boolean equal(Long a, Long b) {
            return BlockTime.dataBlockOf(a) == BlockTime.dataBlockOf(b);
        }
    }

    /**
     * Formats {@code device} as empty pool metadata (§5.9) and commits it.
     *
     * @param dataBlockSectors data block size in 512-byte sectors
     * @param nrDataBlocks     data device size in data blocks
     */
    public static PoolMetadata format(BlockDevice device, long dataBlockSectors, long nrDataBlocks, long cacheBytes) {
        if (!Superblock.validDataBlockSectors(dataBlockSectors)) {
            throw new IllegalArgumentException("data block size " + dataBlockSectors
                    + " sectors is not a multiple of 128 between 128 and 2097152");
        }
        PoolMetadata pm = new PoolMetadata(device, cacheBytes, true);
        long nrMetadataBlocks = Math.min(pm.tm.nrBlocks(), MetadataSpaceMap.MAX_BLOCKS);
        pm.metadataSm = MetadataSpaceMap.format(pm.tm, nrMetadataBlocks);
        pm.dataSm = DiskSpaceMap.format(pm.tm, nrDataBlocks);
        Superblock sb = new Superblock();
        sb.dataBlockSectors = dataBlockSectors;
        sb.metadataNrBlocks = nrMetadataBlocks;
        sb.dataMappingRoot = pm.topLevel.createEmpty();
        sb.deviceDetailsRoot = pm.details.createEmpty();
        pm.sb = sb;
        pm.dirty = true;
        pm.commit();
        return pm;
    }

    /** Opens existing metadata; refuses an unformatted device, a bad superblock or bad space maps. */
    public static PoolMetadata open(BlockDevice device, long cacheBytes, boolean writable) {
        PoolMetadata pm = new PoolMetadata(device, cacheBytes, writable);
        try {
            pm.loadCommitted();
        } catch (RuntimeException e) {
            pm.tm.close();
            throw e;
        }
        return pm;
    }

    /**
     * Opens metadata to salvage what its trees hold (thin_dump --repair): read-only; the superblock
     * must be sound, the space maps are not read (damage there must not stop a salvage, and a walk
     * does not need them). Only the {@code accept} walks may be used on it. {@code standIn} takes the
     * place of a superblock that cannot be read (thin_dump --repair given the fields it lacks); null
     * reads the device's.
     */
    public static PoolMetadata openForSalvage(BlockDevice device, long cacheBytes, Superblock standIn) {
        PoolMetadata pm = new PoolMetadata(device, cacheBytes, false);
        try {
            pm.useSuperblock(standIn != null ? standIn.copy() : pm.readSuperblock());
        } catch (RuntimeException e) {
            pm.tm.close();
            throw e;
        }
        return pm;
    }

    /** True when block 0 of {@code device} is all zeros: metadata never formatted. */
    public static boolean isUnformatted(BlockDevice device) {
        if (device.size() < io.jthin.btree.MetadataBlock.SIZE) {
            return true;
        }
        return TransactionManager.over(device, 1 << 16).isZero(0);
    }

    private void loadCommitted() {
        if (tm.nrBlocks() == 0) {
            throw new CorruptMetadataException(BlockType.SUPERBLOCK, 0,
                    "the metadata device is smaller than one 4 KiB block");
        }
        if (tm.isZero(0)) {
            throw new CorruptMetadataException(BlockType.SUPERBLOCK, 0,
                    "the superblock is all zeros: the metadata device is not formatted");
        }
        Superblock s = readSuperblock();
        this.metadataSm = MetadataSpaceMap.open(tm, s.metadataSpaceMapRoot);
        this.dataSm = DiskSpaceMap.open(tm, s.dataSpaceMapRoot);
        useSuperblock(s);
    }

    private Superblock readSuperblock() {
        Superblock s = Superblock.decode(tm.read(0, BlockType.SUPERBLOCK));
        s.validate(0, writable);
        return s;
    }

    private void useSuperblock(Superblock s) {
        this.sb = s;
        changedDetails.clear();
        snapshottedTimes.clear();
        dirty = false;
        mappingsChanged();
    }

    /** {@link #mappingGeneration} += 1 (single writer: the plain read-modify-write is safe). */
    private void mappingsChanged() {
        mappingGeneration = mappingGeneration + 1;
    }

    /** See {@link #mappingGeneration}: unchanged since a lookup means that lookup's answer still holds, inserts apart. */
    public long mappingGeneration() {
        return mappingGeneration;
    }

    // ---- queries -------------------------------------------------------------------------

    public Superblock superblock() {
        return sb.copy();
    }

    public long transactionId() {
        return sb.transactionId;
    }

    public long time() {
        return sb.time;
    }

    public long heldRoot() {
        return sb.heldRoot;
    }

    public long dataBlockSectors() {
        return sb.dataBlockSectors;
    }

    public boolean needsCheck() {
        return sb.needsCheck();
    }

    public DiskSpaceMap dataSpaceMap() {
        return dataSm;
    }

    public MetadataSpaceMap metadataSpaceMap() {
        return metadataSm;
    }

    public TransactionManager transactionManager() {
        return tm;
    }

    /** True when this transaction changed anything. */
    public boolean isDirty() {
        return dirty;
    }

    public boolean exists(long devId) {
        return changedDetails.containsKey(devId) || details.lookup(sb.deviceDetailsRoot, devId) != null;
    }

    /** The device's details as of now (including this transaction's changes). */
    public DeviceDetails details(long devId) {
        DeviceDetails d = changedDetails.get(devId);
        if (d == null) {
            d = details.lookup(sb.deviceDetailsRoot, devId);
        }
        if (d == null) {
            throw new NoSuchDeviceException(devId);
        }
        return d;
    }

    /** Every device id, in increasing order. */
    public List<Long> deviceIds() {
        List<Long> ids = new ArrayList<>();
        topLevel.forEach(sb.dataMappingRoot, 0, Long.MAX_VALUE, (k, v) -> ids.add(k) || true);
        return ids;
    }

    private long deviceRoot(long devId) {
        Long root = topLevel.lookup(sb.dataMappingRoot, devId);
        if (root == null) {
            throw new NoSuchDeviceException(devId);
        }
        return root;
    }

    /** The mapping of {@code virtualBlock} in device {@code devId}, or null when unmapped. */
    public Mapping lookup(long devId, long virtualBlock) {
        Long raw = lookupBlockTime(devId, virtualBlock);
        if (raw == null) {
            return null;
        }
        long time = BlockTime.timeOf(raw);
        long dataBlock = BlockTime.dataBlockOf(raw);
        // The kernel's rule (the mapping predates the device's last snapshot), plus the data block's
        // count: metadata from thin_restore may map one block from two devices with no snapshot time
        // relation, and writing such a block in place would change the other device.
        boolean shared = snapshottedTime(devId) > time || dataSm.refCount(dataBlock) > 1;
        return new Mapping(dataBlock, time, shared);
    }

    /**
     * The data block {@code virtualBlock} of a device maps to, or −1 when it is unmapped: the read
     * path's lookup, without {@link #lookup}'s sharing test (a reference count read).
     *
     * @throws NoSuchDeviceException when the device does not exist
     */
    public long dataBlockOf(long devId, long virtualBlock) {
        Long raw = lookupBlockTime(devId, virtualBlock);
        return raw == null ? -1 : BlockTime.dataBlockOf(raw);
    }

    private Long lookupBlockTime(long devId, long virtualBlock) {
        Long raw = mappings.lookup(sb.dataMappingRoot, devId, virtualBlock);
        if (raw == null && !topLevelHas(devId)) {
            throw new NoSuchDeviceException(devId);
        }
        return raw;
    }

    private long snapshottedTime(long devId) {
        Long t = snapshottedTimes.get(devId);
        if (t == null) {
            t = details(devId).snapshottedTime();
            snapshottedTimes.put(devId, t);
        }
        return t;
    }

    private boolean topLevelHas(long devId) {
        return topLevel.lookup(sb.dataMappingRoot, devId) != null;
    }

    /** The highest mapped virtual block of the device, or −1 when nothing is mapped. */
    public long highestMappedBlock(long devId) {
        var e = bottomLevel.lookupLe(deviceRoot(devId), Long.MAX_VALUE);
        return e == null ? -1 : e.key();
    }

    /** The first mapped virtual block ≥ {@code from}, or −1. */
    public long nextMappedBlock(long devId, long from) {
        var e = bottomLevel.lookupGe(deviceRoot(devId), from);
        return e == null ? -1 : e.key();
    }

    /** Visits the device's mappings in [from, to) in order; the visitor gets (vblock, raw block_time). */
    public void forEachMapping(long devId, long from, long to, BTree.EntryVisitor<Long> visitor) {
        bottomLevel.forEach(deviceRoot(devId), from, to, visitor);
    }

    // ---- device operations ---------------------------------------------------------------

    private void checkWritable() {
        if (!writable) {
            throw new MetadataOperationException("the pool metadata is open read-only");
        }
    }

    private static void checkDeviceId(long devId) {
        if (devId < 0 || devId > MAX_DEVICE_ID) {
            throw new MetadataOperationException("invalid device id " + devId + " (thin device ids are 0…"
                    + MAX_DEVICE_ID + ")");
        }
    }

    /** create_thin: a new, empty thin device. */
    public void createThin(long devId) {
        checkWritable();
        checkDeviceId(devId);
        if (exists(devId)) {
            throw new DeviceExistsException(devId);
        }
        long root = bottomLevel.createEmpty();
        try {
            sb.dataMappingRoot = topLevel.insert(sb.dataMappingRoot, devId, root).root();
        } finally {
            mappingsChanged();
        }
        snapshottedTimes.clear();
        changedDetails.put(devId, new DeviceDetails(0, sb.transactionId, sb.time, sb.time));
        dirty = true;
    }

    /** create_snap: {@code devId} shares every block of {@code originId}, in O(1). */
    public void createSnap(long devId, long originId) {
        checkWritable();
        checkDeviceId(devId);
        if (exists(devId)) {
            throw new DeviceExistsException(devId);
        }
        long originRoot = deviceRoot(originId);
        if (sb.time >= Superblock.MAX_TIME) {
            throw new MetadataOperationException("cannot create snapshot " + devId + ": the pool's snapshot time "
                    + sb.time + " would overflow its 24 bits");
        }
        DeviceDetails origin = details(originId);
        bottomLevel.share(originRoot);
        try {
            sb.dataMappingRoot = topLevel.insert(sb.dataMappingRoot, devId, originRoot).root();
        } finally {
            mappingsChanged();
        }
        sb.time++;
        snapshottedTimes.clear();
        changedDetails.put(originId, origin.withSnapshottedTime(sb.time));
        changedDetails.put(devId, new DeviceDetails(origin.mappedBlocks(), sb.transactionId, sb.time, sb.time));
        dirty = true;
    }

    /** delete: removes the device and releases every block no other device references. */
    public void delete(long devId) {
        checkWritable();
        if (!exists(devId)) {
            throw new NoSuchDeviceException(devId);
        }
        try {
            sb.dataMappingRoot = topLevel.remove(sb.dataMappingRoot, devId).root();
        } finally {
            mappingsChanged();
        }
        snapshottedTimes.clear();
        changedDetails.remove(devId);
        var d = details.remove(sb.deviceDetailsRoot, devId);
        sb.deviceDetailsRoot = d.root();
        dirty = true;
    }

    /** set_transaction_id: compare-and-swap of the user-space transaction id. */
    public void setTransactionId(long current, long next) {
        checkWritable();
        if (sb.transactionId != current) {
            throw new MetadataOperationException("transaction id mismatch: the pool's is " + sb.transactionId
                    + ", not " + current);
        }
        sb.transactionId = next;
        dirty = true;
    }

    // ---- mappings ------------------------------------------------------------------------

    /** Allocates a data block (count 1); the caller maps it with {@link #insert} or releases it. */
    public long allocateDataBlock() {
        checkWritable();
        dirty = true;
        return dataSm.newBlock();
    }

    /** Maps {@code virtualBlock} → {@code dataBlock} stamped with the current time; drops the old block's reference. */
    public void insert(long devId, long virtualBlock, long dataBlock) {
        checkWritable();
        var r = mappings.insert(sb.dataMappingRoot, devId, virtualBlock, BlockTime.pack(dataBlock, sb.time));
        sb.dataMappingRoot = r.root();
        if (r.added()) {
            DeviceDetails d = details(devId);
            changedDetails.put(devId, d.withMappedBlocks(d.mappedBlocks() + 1));
        }
        dirty = true;
    }

    /**
     * Unmaps [begin, end) of the device. Each data block whose count drops to 0 is passed to
     * {@code freed} (a discard passdown candidate: punch it only after the commit).
     *
     * @return how many mappings were removed
     */
    public long removeRange(long devId, long begin, long end, LongConsumer freed) {
        checkWritable();
        long root = deviceRoot(devId);
        List<Long> blocks = new ArrayList<>();
        bottomLevel.forEach(root, begin, end, (k, v) -> blocks.add(BlockTime.dataBlockOf(v)) || true);
        if (blocks.isEmpty()) {
            return 0;
        }
        BTree.RemoveRange r;
        try {
            r = mappings.removeRange(sb.dataMappingRoot, devId, begin, end);
            sb.dataMappingRoot = r.root();
        } finally {
            mappingsChanged();
        }
        DeviceDetails d = details(devId);
        changedDetails.put(devId, d.withMappedBlocks(d.mappedBlocks() - r.removed()));
        dirty = true;
        if (freed != null) {
            for (long b : blocks) {
                if (dataSm.refCount(b) == 0) {
                    freed.accept(b);
                }
            }
        }
        return r.removed();
    }

    // ---- restore (thin_restore) --------------------------------------------------------------

    /**
     * Restore: sets the superblock fields a dump records, written by the next commit. Used on
     * freshly formatted metadata before any device is restored.
     *
     * @param time          the pool's snapshot time (24 bits, §4.4)
     * @param transactionId the user-space transaction id
     * @param flags         superblock flags (bit 0 = NEEDS_CHECK)
     * @param version       1 or 2
     * @param uuid          up to 16 bytes, zero padded (thin_restore copies the XML's uuid text)
     */
    public void restoreSuperblock(long time, long transactionId, int flags, int version, byte[] uuid) {
        checkWritable();
        if (time < 0 || time > Superblock.MAX_TIME) {
            throw new MetadataOperationException("superblock time " + time + " does not fit in 24 bits");
        }
        if (version != 1 && version != 2) {
            throw new MetadataOperationException("unsupported metadata version " + version + " (1 or 2)");
        }
        if (uuid.length > Superblock.UUID_SIZE) {
            throw new MetadataOperationException("uuid of " + uuid.length + " bytes is longer than "
                    + Superblock.UUID_SIZE);
        }
        sb.time = time;
        sb.transactionId = transactionId;
        sb.flags = flags;
        sb.version = version;
        sb.uuid = java.util.Arrays.copyOf(uuid, Superblock.UUID_SIZE);
        dirty = true;
    }

    /**
     * Restore: creates thin device {@code devId}, empty, with the transaction id and times of
     * {@code details}; its {@code mapped_blocks} is recounted by {@link #restoreMapping}, as
     * thin_restore does (the given value is ignored).
     */
    public void restoreDevice(long devId, DeviceDetails details) {
        checkWritable();
        checkDeviceId(devId);
        if (exists(devId)) {
            throw new DeviceExistsException(devId);
        }
        if (details.creationTime() < 0 || details.creationTime() > 0xFFFF_FFFFL
                || details.snapshottedTime() < 0 || details.snapshottedTime() > 0xFFFF_FFFFL) {
            throw new MetadataOperationException("device " + devId + ": creation or snapshot time does not fit in 32 bits");
        }
        long root = bottomLevel.createEmpty();
        try {
            sb.dataMappingRoot = topLevel.insert(sb.dataMappingRoot, devId, root).root();
        } finally {
            mappingsChanged();
        }
        snapshottedTimes.clear();
        changedDetails.put(devId, details.withMappedBlocks(0));
        dirty = true;
    }

    /**
     * Restore: maps {@code virtualBlock} → {@code dataBlock} stamped with {@code time} (not the
     * pool's current time), and takes the reference: the data block's count goes up by one (§5.6:
     * each restored mapping lives in its own device's leaves). Overwriting a mapping of the same
     * virtual block drops the old block's reference (a mapping to the same block is left as is).
     * {@code mapped_blocks} counts new keys only.
     *
     * @throws MetadataOperationException if the block lies past the data device or the time does not fit 24 bits
     */
    public void restoreMapping(long devId, long virtualBlock, long dataBlock, long time) {
        checkWritable();
        if (dataBlock < 0 || dataBlock >= dataSm.nrBlocks()) {
            throw new MetadataOperationException("device " + devId + ", block " + virtualBlock + ": data block "
                    + dataBlock + " is beyond the end of the data device (" + dataSm.nrBlocks() + " blocks)");
        }
        if (time < 0 || time > BlockTime.TIME_MASK) {
            throw new MetadataOperationException("device " + devId + ", block " + virtualBlock + ": time " + time
                    + " does not fit in 24 bits");
        }
        if (!exists(devId)) {
            throw new NoSuchDeviceException(devId);
        }
        Long old = mappings.lookup(sb.dataMappingRoot, devId, virtualBlock);
        boolean sameBlock = old != null && BlockTime.dataBlockOf(old) == dataBlock;
        if (!sameBlock) {
            dataSm.inc(dataBlock);
        }
        var r = mappings.insert(sb.dataMappingRoot, devId, virtualBlock, BlockTime.pack(dataBlock, time));
        sb.dataMappingRoot = r.root();
        mappingsChanged();
        if (r.added()) {
            DeviceDetails d = details(devId);
            changedDetails.put(devId, d.withMappedBlocks(d.mappedBlocks() + 1));
        }
        dirty = true;
    }

    /**
     * Reads and validates the committed superblock of {@code device} without opening the pool
     * (nothing is loaded; the device stays open). For callers that need the data block size before
     * they can open the pool with matching options.
     *
     * @throws CorruptMetadataException if block 0 is zero, fails its checksum or is not
     *     dm-thin metadata jthin can read
     */
    public static Superblock readSuperblock(BlockDevice device) {
        TransactionManager probe = TransactionManager.over(device, 1 << 16);
        if (probe.nrBlocks() == 0 || probe.isZero(0)) {
            throw new CorruptMetadataException(BlockType.SUPERBLOCK, 0,
                    "the superblock is all zeros: the metadata device is not formatted");
        }
        Superblock s = Superblock.decode(probe.read(0, BlockType.SUPERBLOCK));
        s.validate(0, false);
        return s;
    }

    // ---- metadata snapshots --------------------------------------------------------------

    /** reserve_metadata_snap: commits, then freezes a copy of the trees readable by thin_dump -m. */
    public void reserveMetadataSnap() {
        checkWritable();
        if (sb.heldRoot != 0) {
            throw new MetadataOperationException("a metadata snapshot is already held at block " + sb.heldRoot);
        }
        commit();
        tm.inc(0);
        var shadow = tm.shadow(0, BlockType.SUPERBLOCK);
        WriteBlock copy = shadow.block();
        Superblock held = Superblock.decode(copy);
        held.dataSpaceMapRoot = new byte[Superblock.SPACE_MAP_ROOT_SIZE];
        held.metadataSpaceMapRoot = new byte[Superblock.SPACE_MAP_ROOT_SIZE];
        held.heldRoot = 0;
        held.encode(copy);
        tm.inc(held.dataMappingRoot);
        tm.inc(held.deviceDetailsRoot);
        sb.heldRoot = copy.location();
        dirty = true;
        commit();
    }

    /** release_metadata_snap: drops the held copy and every block only it referenced. */
    public void releaseMetadataSnap() {
        checkWritable();
        if (sb.heldRoot == 0) {
            throw new MetadataOperationException("no metadata snapshot is held");
        }
        Superblock held = Superblock.decode(tm.read(sb.heldRoot, BlockType.SUPERBLOCK));
        topLevel.delete(held.dataMappingRoot);
        details.delete(held.deviceDetailsRoot);
        tm.dec(sb.heldRoot);
        sb.heldRoot = 0;
        dirty = true;
        commit();
    }

    // ---- walks -----------------------------------------------------------------------------

    /**
     * Walks the live metadata (or the held metadata snapshot) in thin_dump order. Uncommitted
     * changes of this transaction are included for the live view.
     */
    public void accept(MetadataVisitor v, boolean metadataSnap, Long onlyDevice) {
        accept(v, metadataSnap, onlyDevice, null);
    }

    /**
     * {@link #accept(MetadataVisitor, boolean, Long)}; with {@code damaged} non-null it walks past
     * damage, as thin_dump --repair: a tree node that cannot be read is reported and its subtree
     * left out (a device whose details cannot be read, with its mappings), the rest is visited. The
     * superblock must be readable.
     */
    public void accept(MetadataVisitor v, boolean metadataSnap, Long onlyDevice, BTree.DamagedNode damaged) {
        if (metadataSnap) {
            if (sb.heldRoot == 0) {
                throw new MetadataOperationException("no metadata snapshot is held");
            }
            walk(Superblock.decode(tm.read(sb.heldRoot, BlockType.SUPERBLOCK)), 0, Map.of(), v, onlyDevice, damaged);
        } else {
            walk(sb.copy(), nrDataBlocks(), changedDetails, v, onlyDevice, damaged);
        }
    }

    /**
     * The walk of {@link #accept(MetadataVisitor, boolean, Long, BTree.DamagedNode)} over the live
     * metadata, but from other roots than the superblock's, with another {@code time} in the
     * superblock it reports: thin_dump --repair's walk from the roots it found by searching the
     * metadata when the superblock's cannot be walked (read-only use; changes of this transaction
     * to device details are not seen).
     */
    public void acceptFrom(long deviceDetailsRoot, long dataMappingRoot, long time, MetadataVisitor v, Long onlyDevice,
            BTree.DamagedNode damaged) {
        Superblock s = sb.copy();
        s.deviceDetailsRoot = deviceDetailsRoot;
        s.dataMappingRoot = dataMappingRoot;
        s.time = time;
        walk(s, nrDataBlocks(), Map.of(), v, onlyDevice, damaged);
    }

    private long nrDataBlocks() {
        return dataSm != null ? dataSm.nrBlocks() // (null: opened for salvage)
                : SpaceMapRoot.fromBytes(sb.dataSpaceMapRoot).nrBlocks();
    }

    /** Walks from superblock {@code s}'s roots; {@code overlay} holds device details changed in this transaction. */
    private void walk(Superblock s, long nrDataBlocks, Map<Long, DeviceDetails> overlay, MetadataVisitor v,
            Long onlyDevice, BTree.DamagedNode damaged) {
        v.superblock(s, nrDataBlocks);
        List<long[]> devs = new ArrayList<>();
        topLevel.forEachSalvaging(s.dataMappingRoot, 0, Long.MAX_VALUE, (k, root) -> devs.add(new long[] {k, root}) || true,
                damaged);
        // Devices whose mapping root is the same block (snapshots not written since they were taken):
        // the first one's walk is recorded and given again to the others.
        Map<Long, Integer> rootUses = new HashMap<>();
        for (long[] dev : devs) {
            if (onlyDevice == null || onlyDevice == dev[0]) {
                rootUses.merge(dev[1], 1, Integer::sum);
            }
        }
        Map<Long, MappingRuns> recorded = new HashMap<>();
        for (long[] dev : devs) {
            long id = dev[0];
            if (onlyDevice != null && onlyDevice != id) {
                continue;
            }
            DeviceDetails d = overlay.get(id);
            if (d == null) {
                try {
                    d = details.lookup(s.deviceDetailsRoot, id);
                } catch (StorageException e) {
                    if (damaged == null) {
                        throw e;
                    }
                    // the node the lookup could not read (a damaged header names it), else the tree's root
                    damaged.skipped(e instanceof CorruptMetadataException c ? c.blockNr() : s.deviceDetailsRoot, e);
                    continue; // the device is left out with its mappings
                }
            }
            if (d == null) {
                throw new CorruptMetadataException(BlockType.BTREE_NODE, s.deviceDetailsRoot,
                        "device " + id + " has a mapping tree but no device details");
            }
            if (v.device(id, d)) {
                long root = dev[1];
                MappingRuns again = recorded.get(root);
                if (again != null) {
                    again.replay(id, v);
                } else {
                    MappingRuns runs = rootUses.get(root) > 1 ? new MappingRuns(MAX_RECORDED_RUNS) : null;
                    bottomLevel.forEachOnceRaw(root, 0, Long.MAX_VALUE, (vb, raw) -> {
                        long dataBlock = BlockTime.dataBlockOf(raw);
                        long time = BlockTime.timeOf(raw);
                        v.mapping(id, vb, dataBlock, time);
                        if (runs != null) {
                            runs.add(vb, dataBlock, time);
                        }
                        return true;
                    }, damaged);
                    if (runs != null && runs.overflowed()) {
                        rootUses.put(root, 1); // too many runs to keep: the others walk it too
                    } else if (runs != null) {
                        recorded.put(root, runs);
                    }
                }
            }
            v.endDevice(id);
        }
        v.end();
    }

    /**
     * Recounts the data references from the mapping trees as dm-thin-format §5.6 defines them: one
     * per (distinct bottom-level leaf node, entry), over every leaf reachable from the live mapping
     * root (with this transaction's changes) and from the held metadata snapshot's. A shared leaf
     * counts once however many devices reach it. Read-only; for checkers and tests, which compare
     * the result with {@link #dataSpaceMap()}.
     *
     * @return data block → expected reference count; a block that is absent should have count 0
     */
    public Map<Long, Long> recountDataReferences() {
        List<Long> tops = new ArrayList<>();
        tops.add(sb.dataMappingRoot);
        if (sb.heldRoot != 0) {
            tops.add(Superblock.decode(tm.read(sb.heldRoot, BlockType.SUPERBLOCK)).dataMappingRoot);
        }
        java.util.Set<Long> bottomRoots = new java.util.LinkedHashSet<>();
        for (long top : tops) {
            topLevel.forEach(top, 0, Long.MAX_VALUE, (dev, root) -> bottomRoots.add(root) || true);
        }
        java.util.Set<Long> leaves = new java.util.HashSet<>();
        Map<Long, Long> counts = new TreeMap<>();
        for (long root : bottomRoots) {
            bottomLevel.walk(root, node -> {
                if (node.leaf() && leaves.add(node.location())) {
                    bottomLevel.forEach(node.location(), 0, Long.MAX_VALUE, (vblock, raw) -> {
                        counts.merge(BlockTime.dataBlockOf(raw), 1L, Long::sum);
                        return true;
                    });
                }
            });
        }
        return counts;
    }

    // ---- size changes ------------------------------------------------------------------------

    /** Grows the data space map to {@code nrDataBlocks}. */
    public void resizeData(long nrDataBlocks) {
        checkWritable();
        long now = dataSm.nrBlocks();
        if (nrDataBlocks < now) {
            throw new MetadataOperationException("cannot shrink the data device from " + now + " to "
                    + nrDataBlocks + " blocks");
        }
        if (nrDataBlocks > now) {
            dataSm.extend(nrDataBlocks - now);
            dirty = true;
        }
    }

    /** Grows the metadata space map to the metadata device's current size (capped at the format's limit). */
    public void resizeMetadata() {
        checkWritable();
        long target = Math.min(tm.nrBlocks(), MetadataSpaceMap.MAX_BLOCKS);
        long now = metadataSm.nrBlocks();
        if (target < now) {
            throw new MetadataOperationException("cannot shrink the metadata device from " + now + " to "
                    + target + " blocks");
        }
        if (target > now) {
            metadataSm.extend(target - now);
            dirty = true;
        }
    }

    // ---- transactions --------------------------------------------------------------------------

    /** Sets or clears NEEDS_CHECK; written by the next commit (or at once with {@link #writeFlagsNow}). */
    public void needsCheck(boolean on) {
        sb.needsCheck(on);
        dirty = true;
    }

    /**
     * After a failure: abort, then write NEEDS_CHECK into the committed superblock alone (the
     * kernel's dm_pool_metadata_set_needs_check). Nothing else of the failed transaction survives.
     */
    public void writeFlagsNow() {
        abort();
        Superblock committed = Superblock.decode(tm.read(0, BlockType.SUPERBLOCK));
        committed.needsCheck(true);
        WriteBlock w = tm.superblockForUpdate(0, true);
        committed.encode(w);
        tm.commit(w);
        sb = committed;
    }

    /** Commits the transaction (§6.3): details, data sm, metadata sm, blocks, superblock. */
    public void commit() {
        checkWritable();
        for (var e : changedDetails.entrySet()) {
            sb.deviceDetailsRoot = details.insert(sb.deviceDetailsRoot, e.getKey(), e.getValue()).root();
        }
        changedDetails.clear();
        sb.dataSpaceMapRoot = dataSm.commitRoot().toBytes();
        sb.metadataSpaceMapRoot = metadataSm.commitRoot().toBytes();
        tm.preCommit();
        WriteBlock w = tm.superblockForUpdate(0, true);
        sb.encode(w);
        tm.commit(w);
        dirty = false;
    }

    /** Throws away the transaction: back to the last commit. */
    public void abort() {
        tm.abort();
        loadCommitted();
    }

    @Override
    public void close() {
        tm.close();
    }
}
