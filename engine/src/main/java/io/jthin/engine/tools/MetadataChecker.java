package io.jthin.engine.tools;

import io.jthin.allocator.MetadataSpaceMap;
import io.jthin.allocator.SpaceMapRoot;
import io.jthin.btree.BlockType;
import io.jthin.btree.TransactionManager;
import io.jthin.loopfile.BlockDevice;
import io.jthin.loopfile.StorageException;
import io.jthin.snapshot.BlockTime;
import io.jthin.snapshot.DeviceDetails;
import io.jthin.snapshot.Superblock;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * {@code thin_check}, and stricter: reads pool metadata block by block without trusting it and
 * reports every problem in a {@link CheckReport} (it never throws for bad metadata).
 *
 * <p>What it checks (dm-thin-format §3, §4.8, §5, §9):
 * <ul>
 *   <li>superblock: checksum, magic, version 1 or 2, metadata block size, data block size, feature
 *       flags, {@code time} &lt; 2^24, roots inside the metadata; NEEDS_CHECK is a warning;
 *   <li>every B-tree node as thin_check does ({@link CheckTreeWalker}), in the device-details tree,
 *       both levels of the mapping tree, both space maps' trees, and the metadata snapshot's trees;
 *   <li>the device-details tree and the top-level mapping tree hold the same devices, and each
 *       device's {@code mapped_blocks} equals the mappings of its tree;
 *   <li>every mapped data block lies inside the data space map (and the data file, when known);
 *   <li>metadata reference counts recounted from every reference (§5.6) and compared with the
 *       metadata space map; data reference counts recounted from the distinct mapping leaves and
 *       compared with the data space map (0.9.0 thin_check skips this); {@code nr_allocated},
 *       {@code nr_free} and {@code none_free_before} of both maps ({@link SpaceMapCheck}).
 * </ul>
 * Memory: one byte per metadata block and per data block, plus the set of visited nodes.
 * Stateless; the device is only read (the caller owns and closes it).
 */
public final class MetadataChecker {
    private static final long CACHE_BYTES = 32L << 20;

    /**
     * What to check, as thin_check's options.
     *
     * @param superBlockOnly   {@code --super-block-only}
     * @param skipMappings     {@code --skip-mappings}: no bottom-level trees, so no count comparison
     * @param dataDeviceBytes  size of the data device, or −1 when unknown
     * @param ignoreNonFatal   {@code --ignore-non-fatal-errors}: leaked reference counts are warnings
     * @param metadataSnap     {@code -m}: the held metadata snapshot's devices and trees only — what
     *                         stays still while a live pool changes the rest — without the space maps
     *                         or their counts
     * @param mappingRoot      {@code --override-mapping-root}: the top-level mapping tree to check the
     *                         live devices against instead of the superblock's, or −1; the reference
     *                         counts are then not compared (they follow the superblock's trees)
     */
    public record Options(boolean superBlockOnly, boolean skipMappings, long dataDeviceBytes, boolean ignoreNonFatal,
            boolean metadataSnap, long mappingRoot) {
        public Options(boolean superBlockOnly, boolean skipMappings, long dataDeviceBytes, boolean ignoreNonFatal) {
            this(superBlockOnly, skipMappings, dataDeviceBytes, ignoreNonFatal, false, -1);
        }

        public Options(boolean superBlockOnly, boolean skipMappings, long dataDeviceBytes) {
            this(superBlockOnly, skipMappings, dataDeviceBytes, false);
        }

        public static Options full() {
            return new Options(false, false, -1);
        }
    }

    private final TransactionManager tm;
    private final Options options;
    private final CheckReport report = new CheckReport();
    private CheckTreeWalker walker;
    private RefCounts expectedData;
    /** The values of the mapping leaf being read (mapping leaves are read one at a time, never nested). */
    private long[] leafValues = new long[0];
    /** Data blocks the data device holds, −1 when unknown. */
    private long dataDeviceBlocks = -1;

    private MetadataChecker(BlockDevice metadata, Options options) {
        this.tm = TransactionManager.over(metadata, CACHE_BYTES);
        this.options = options;
    }

    /** Checks the metadata on {@code metadata} (read only). */
    public static CheckReport check(BlockDevice metadata, Options options) {
        MetadataChecker c = new MetadataChecker(metadata, options);
        try {
            c.run();
        } catch (StorageException | IllegalArgumentException e) {
            c.report.error("read", "cannot go on: " + e.getMessage());
        }
        return c.report;
    }

    private void run() {
        Superblock sb = superblock();
        if (sb == null || options.superBlockOnly()) {
            return;
        }
        if (options.metadataSnap()) {
            runOnSnapshot(sb);
            return;
        }
        if (options.mappingRoot() >= 0) {
            if (!blockRef("data_mapping_root given by --override-mapping-root", options.mappingRoot(), report.metadataBlocks)) {
                return;
            }
            report.warning("superblock", "mapping tree checked from block " + options.mappingRoot()
                    + " instead of the superblock's " + sb.dataMappingRoot + "; reference counts not compared");
            sb = sb.copy();
            sb.dataMappingRoot = options.mappingRoot();
        }
        SpaceMapRoot mdRoot = SpaceMapRoot.fromBytes(sb.metadataSpaceMapRoot);
        SpaceMapRoot dataRoot = SpaceMapRoot.fromBytes(sb.dataSpaceMapRoot);
        RefCounts expectedMetadata = new RefCounts(Math.min(mdRoot.nrBlocks(), MetadataSpaceMap.MAX_BLOCKS));
        expectedMetadata.inc(0);
        walker = new CheckTreeWalker(tm, expectedMetadata, report);
        SpaceMapCheck mdMap = SpaceMapCheck.readMetadata(tm, mdRoot, walker, report);
        SpaceMapCheck dataMap = SpaceMapCheck.readData(tm, dataRoot, walker, report);
        try {
            expectedData = new RefCounts(dataRoot.nrBlocks());
        } catch (IllegalArgumentException e) {
            report.warning("data count", "data reference counts not compared: " + e.getMessage());
        }

        Devices live = devices(sb, "");
        Devices held = null;
        if (sb.heldRoot != 0 && walker.reference(sb.heldRoot, "metadata snapshot superblock")) {
            held = heldDevices(sb.heldRoot);
        }
        report.devices = live == null ? 0 : live.details.size();
        report.metadataBlocksUsed = mdRoot.nrAllocated();
        report.dataBlocksUsed = dataRoot.nrAllocated();
        if (options.skipMappings()) {
            report.mappings = live == null ? 0 : live.details.values().stream().mapToLong(DeviceDetails::mappedBlocks).sum();
            return;
        }
        Map<Long, CheckTreeWalker.Summary> trees = new HashMap<>();
        walkMappings(live, trees);
        walkMappings(held, trees);
        report.mappings = mappedBlocks(live, trees, "");
        mappedBlocks(held, trees, "metadata snapshot: ");
        if (live == null || (sb.heldRoot != 0 && held == null) || !mdMap.sound() || walker.skippedSomething()
                || options.mappingRoot() >= 0) {
            return; // the recount would be incomplete (or of other trees): comparing it would only mislead
        }
        report.metadataBlocksUsed = mdMap.compare(tm, expectedMetadata, "metadata block", options.ignoreNonFatal(), report);
        if (dataMap.sound() && expectedData != null) {
            report.dataBlocksUsed = dataMap.compare(tm, expectedData, "data block", options.ignoreNonFatal(), report);
        }
        report.countsChecked = dataMap.sound() && expectedData != null;
    }

    /** {@code -m}: the held snapshot's devices and every node of its trees; no space maps, no counts. */
    private void runOnSnapshot(Superblock sb) {
        report.metadataBlocksUsed = SpaceMapRoot.fromBytes(sb.metadataSpaceMapRoot).nrAllocated();
        report.dataBlocksUsed = SpaceMapRoot.fromBytes(sb.dataSpaceMapRoot).nrAllocated();
        if (sb.heldRoot == 0) {
            report.error("superblock", "no metadata snapshot is held (the superblock's held_root is 0)");
            return;
        }
        walker = new CheckTreeWalker(tm, new RefCounts(Math.min(report.metadataBlocks, MetadataSpaceMap.MAX_BLOCKS)), report);
        Devices held = walker.reference(sb.heldRoot, "metadata snapshot superblock") ? heldDevices(sb.heldRoot) : null;
        report.devices = held == null ? 0 : held.details.size();
        if (held == null || options.skipMappings()) {
            report.mappings = held == null ? 0 : held.details.values().stream().mapToLong(DeviceDetails::mappedBlocks).sum();
            return;
        }
        Map<Long, CheckTreeWalker.Summary> trees = new HashMap<>();
        walkMappings(held, trees);
        report.mappings = mappedBlocks(held, trees, "metadata snapshot: ");
    }

    // ---- superblock ----------------------------------------------------------------------------

    private Superblock superblock() {
        long nrDev = tm.nrBlocks();
        if (nrDev == 0) {
            report.error("superblock", "the metadata device is smaller than one 4 KiB block");
            return null;
        }
        if (tm.isZero(0)) {
            report.error("superblock", "the superblock is all zeros: the metadata was never formatted");
            return null;
        }
        Superblock sb;
        try {
            sb = Superblock.decode(tm.read(0, BlockType.SUPERBLOCK));
        } catch (StorageException e) {
            report.error("superblock", e.getMessage());
            return null;
        }
        report.transactionId = sb.transactionId;
        if (sb.magic != Superblock.MAGIC) {
            report.error("superblock", "superblock: bad magic " + sb.magic + " (expected " + Superblock.MAGIC
                    + "): not dm-thin metadata");
            return null;
        }
        if (sb.metadataBlockSectors != Superblock.METADATA_BLOCK_SECTORS) {
            report.error("superblock", "superblock: metadata block size is " + sb.metadataBlockSectors
                    + " sectors, expected " + Superblock.METADATA_BLOCK_SECTORS);
            return null;
        }
        if (sb.version != 1 && sb.version != 2) {
            report.error("superblock", "superblock: unknown metadata version " + Integer.toUnsignedString(sb.version)
                    + " (1 and 2 exist)");
        }
        if (!Superblock.validDataBlockSectors(sb.dataBlockSectors)) {
            report.error("superblock", "superblock: data block size " + sb.dataBlockSectors
                    + " sectors is not a multiple of 128 between 128 and 2097152");
        }
        if (sb.incompatFlags != 0) {
            report.error("superblock", "superblock: unknown incompatible feature flags 0x"
                    + Long.toHexString(sb.incompatFlags));
        }
        if (sb.compatRoFlags != 0) {
            report.warning("superblock", "superblock: unknown read-only-compatible feature flags 0x"
                    + Long.toHexString(sb.compatRoFlags) + " (the kernel would only open it read-only)");
        }
        if (sb.time > Superblock.MAX_TIME) {
            report.error("superblock", "superblock: time " + sb.time + " does not fit the 24 bits of a mapping's time");
        }
        if (sb.needsCheck()) {
            report.warning("superblock", "superblock: the NEEDS_CHECK flag is set (a metadata operation failed)");
        }
        SpaceMapRoot md = SpaceMapRoot.fromBytes(sb.metadataSpaceMapRoot);
        SpaceMapRoot data = SpaceMapRoot.fromBytes(sb.dataSpaceMapRoot);
        report.metadataBlocks = md.nrBlocks();
        report.dataBlocks = data.nrBlocks();
        boolean ok = root("metadata space map", md, nrDev) & root("data space map", data, nrDev);
        if (md.nrBlocks() > nrDev) {
            report.error("superblock", "metadata space map covers " + md.nrBlocks()
                    + " blocks but the metadata device holds only " + nrDev);
        }
        if (md.nrBlocks() > MetadataSpaceMap.MAX_BLOCKS) {
            report.error("superblock", "metadata space map covers " + md.nrBlocks() + " blocks, more than the format's "
                    + MetadataSpaceMap.MAX_BLOCKS);
            ok = false;
        }
        ok &= blockRef("data_mapping_root", sb.dataMappingRoot, md.nrBlocks());
        ok &= blockRef("device_details_root", sb.deviceDetailsRoot, md.nrBlocks());
        ok &= sb.heldRoot == 0 || blockRef("held_root", sb.heldRoot, md.nrBlocks());
        if (options.dataDeviceBytes() >= 0 && Superblock.validDataBlockSectors(sb.dataBlockSectors)) {
            dataDeviceBlocks = options.dataDeviceBytes() / (sb.dataBlockSectors * 512);
        }
        if (dataDeviceBlocks >= 0 && dataDeviceBlocks < data.nrBlocks()) {
            report.error("superblock", "the data device holds " + dataDeviceBlocks
                    + " data blocks but the metadata records " + data.nrBlocks());
        }
        return ok ? sb : null;
    }

    private boolean blockRef(String field, long nr, long nrBlocks) {
        if (nr > 0 && nr < nrBlocks) {
            return true;
        }
        report.error("superblock", "superblock: " + field + " " + nr + " is not a metadata block (the map covers "
                + nrBlocks + ")");
        return false;
    }

    private boolean root(String name, SpaceMapRoot r, long nrDev) {
        boolean ok = true;
        if (r.nrBlocks() <= 0 || r.nrAllocated() < 0 || r.nrAllocated() > r.nrBlocks()) {
            report.error("superblock", name + " root: nr_allocated " + r.nrAllocated() + " does not fit nr_blocks "
                    + r.nrBlocks());
            ok = r.nrBlocks() > 0;
        }
        if (r.bitmapRoot() <= 0 || r.bitmapRoot() >= nrDev || r.refCountRoot() <= 0 || r.refCountRoot() >= nrDev) {
            report.error("superblock", name + " root: bitmap root " + r.bitmapRoot() + " or ref count root "
                    + r.refCountRoot() + " is not a metadata block");
            ok = false;
        }
        return ok;
    }

    // ---- devices -----------------------------------------------------------------------------------

    /** A superblock's devices: details by id and bottom-tree root by id (null = tree unreadable). */
    private record Devices(Map<Long, DeviceDetails> details, Map<Long, Long> roots) {
    }

    private Devices devices(Superblock sb, String prefix) {
        Map<Long, DeviceDetails> details = new TreeMap<>();
        var d = walker.walk(sb.deviceDetailsRoot, CheckTreeWalker.Tree.DETAILS, prefix + "device details tree", true,
                (nr, b, keys, n, start, size) -> { });
        if (d != null) {
            walker.entries(sb.deviceDetailsRoot, (nr, b, keys, n, start, size) -> {
                for (int i = 0; i < n; i++) {
                    details.put(keys[i], DeviceDetails.VALUE_TYPE.read(b, start + size * i));
                }
            });
        }
        Map<Long, Long> roots = new TreeMap<>();
        var t = walker.walk(sb.dataMappingRoot, CheckTreeWalker.Tree.TOP, prefix + "top-level mapping tree", true,
                (nr, b, keys, n, start, size) -> {
                    for (int i = 0; i < n; i++) {
                        walker.reference(b.getLong(start + size * i), prefix + "mapping tree root of device " + keys[i]);
                    }
                });
        if (t != null) {
            walker.entries(sb.dataMappingRoot, (nr, b, keys, n, start, size) -> {
                for (int i = 0; i < n; i++) {
                    roots.put(keys[i], b.getLong(start + size * i));
                }
            });
        }
        if (d == null || t == null) {
            return null;
        }
        Set<Long> all = new TreeSet<>(details.keySet());
        all.addAll(roots.keySet());
        for (long id : all) {
            if (!details.containsKey(id)) {
                report.error("devices", prefix + "device " + id + " has a mapping tree but no device details");
            } else if (!roots.containsKey(id)) {
                report.error("devices", prefix + "device " + id + " has device details but no mapping tree");
            }
            DeviceDetails dd = details.get(id);
            if (dd != null && (dd.creationTime() > Superblock.MAX_TIME || dd.snapshottedTime() > Superblock.MAX_TIME)) {
                report.error("devices", prefix + "device " + id + ": creation or snapshot time does not fit 24 bits");
            }
        }
        return new Devices(details, roots);
    }

    private Devices heldDevices(long heldRoot) {
        Superblock held;
        try {
            held = Superblock.decode(tm.read(heldRoot, BlockType.SUPERBLOCK));
        } catch (StorageException e) {
            report.error("superblock", "metadata snapshot superblock: " + e.getMessage());
            return null;
        }
        if (!SpaceMapRoot.fromBytes(held.dataSpaceMapRoot).isZero()
                || !SpaceMapRoot.fromBytes(held.metadataSpaceMapRoot).isZero()) {
            report.warning("superblock", "metadata snapshot superblock at block " + heldRoot
                    + " has space map roots (they should be zero and are ignored)");
        }
        return devices(held, "metadata snapshot: ");
    }

    /** Walks each distinct bottom-level tree once; the reference from its top-level leaf was counted there. */
    private void walkMappings(Devices devices, Map<Long, CheckTreeWalker.Summary> trees) {
        if (devices == null) {
            return;
        }
        for (var e : devices.roots.entrySet()) {
            long root = e.getValue();
            if (trees.containsKey(root) || root <= 0 || root >= report.metadataBlocks) {
                continue;
            }
            trees.put(root, walker.walk(root, CheckTreeWalker.Tree.BOTTOM, "device " + e.getKey() + " mapping tree",
                    false, this::mappingLeaf));
        }
    }

    private void mappingLeaf(long nr, io.jthin.btree.ReadBlock b, long[] keys, int n, int start, int size) {
        if (leafValues.length < n) {
            leafValues = new long[Math.max(n, 256)];
        }
        long[] values = leafValues; // size is 8: the walker checked the leaf's value size
        b.getLongs(start, values, 0, n);
        for (int i = 0; i < n; i++) {
            long dataBlock = BlockTime.dataBlockOf(values[i]);
            if (dataBlock >= report.dataBlocks) {
                report.error("bounds", "mapping leaf " + nr + ": virtual block " + keys[i] + " maps to data block "
                        + dataBlock + ", past the end of the data device (" + report.dataBlocks + " blocks)");
            } else if (dataDeviceBlocks >= 0 && dataBlock >= dataDeviceBlocks) {
                report.error("bounds", "mapping leaf " + nr + ": virtual block " + keys[i] + " maps to data block "
                        + dataBlock + ", past the end of the data file (" + dataDeviceBlocks + " blocks)");
            } else if (expectedData != null) {
                expectedData.inc(dataBlock);
            }
        }
    }

    /** Compares each device's mapped_blocks with its tree; returns the sum of the counted mappings. */
    private long mappedBlocks(Devices devices, Map<Long, CheckTreeWalker.Summary> trees, String prefix) {
        if (devices == null) {
            return 0;
        }
        long total = 0;
        for (var e : devices.details.entrySet()) {
            Long root = devices.roots.get(e.getKey());
            CheckTreeWalker.Summary s = root == null ? null : trees.get(root);
            if (s == null) {
                continue;
            }
            total += s.entries();
            if (s.entries() != e.getValue().mappedBlocks()) {
                report.error("devices", prefix + "device " + e.getKey() + ": mapped_blocks is "
                        + e.getValue().mappedBlocks() + " but its mapping tree holds " + s.entries() + " mappings");
            }
        }
        return total;
    }
}
