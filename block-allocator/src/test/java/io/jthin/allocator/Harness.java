package io.jthin.allocator;

import io.jthin.btree.BlockManager;
import io.jthin.btree.BlockType;
import io.jthin.btree.TransactionManager;
import io.jthin.btree.WriteBlock;

/**
 * Wires a metadata device, block manager, transaction manager and both space maps the way the pool
 * will, with the pool's commit sequence: {@code dataSm.commit()} → {@code metadataSm.commit()} →
 * superblock with both roots → {@code tm.commit(superblock)}. Abort = {@code tm.abort()} and open
 * both maps from the last superblock; reopen = a fresh block manager (cold cache) over the same bytes.
 */
final class Harness {
    static final int DATA_BLOCK_SIZE_SECTORS = 128;

    final RamDevice device;
    BlockManager bm;
    TransactionManager tm;
    MetadataSpaceMap msm;
    DiskSpaceMap dsm;
    long mappingRoot;
    long detailsRoot;
    int time;
    long transId;
    long metadataNrBlocksAtFormat;
    MinimalSuperblock lastCommit;

    private Harness(RamDevice device) {
        this.device = device;
    }

    static Harness format(long metadataBlocks, long dataBlocks) {
        Harness h = new Harness(new RamDevice(metadataBlocks * 4096));
        h.bm = new BlockManager(h.device);
        h.tm = new TransactionManager(h.bm, null);
        h.msm = MetadataSpaceMap.format(h.tm, metadataBlocks);
        h.dsm = DiskSpaceMap.format(h.tm, dataBlocks);
        h.metadataNrBlocksAtFormat = metadataBlocks;
        return h;
    }

    static Harness open(RamDevice device) {
        Harness h = new Harness(device);
        h.bm = new BlockManager(device);
        h.tm = new TransactionManager(h.bm, null);
        h.openMaps();
        return h;
    }

    private void openMaps() {
        MinimalSuperblock sb = MinimalSuperblock.decode(tm.read(0, BlockType.SUPERBLOCK));
        msm = MetadataSpaceMap.open(tm, sb.metadataSm());
        dsm = DiskSpaceMap.open(tm, sb.dataSm());
        mappingRoot = sb.mappingRoot();
        detailsRoot = sb.detailsRoot();
        time = sb.time();
        transId = sb.transId();
        metadataNrBlocksAtFormat = sb.metadataNrBlocks();
        lastCommit = sb;
    }

    /** The pool's commit sequence. */
    MinimalSuperblock commit() {
        MetadataSpaceMap.Roots roots = msm.commitWith(dsm);
        SpaceMapRoot data = roots.data();
        SpaceMapRoot meta = roots.metadata();
        MinimalSuperblock sb = new MinimalSuperblock(time, transId, data, meta, mappingRoot, detailsRoot,
                DATA_BLOCK_SIZE_SECTORS, metadataNrBlocksAtFormat);
        WriteBlock block = tm.superblockForUpdate(0, true);
        sb.encode(block);
        tm.commit(block);
        lastCommit = sb;
        return sb;
    }

    /** Throws the transaction away and opens both maps from the last superblock. */
    void abort() {
        tm.abort();
        openMaps();
    }

    /** A cold reopen: a new block manager and transaction manager over the same bytes. */
    Harness reopen() {
        return open(device);
    }

    /** Grows the metadata device and the metadata space map. */
    void extendMetadata(long extraBlocks) {
        device.resize(device.size() + extraBlocks * 4096);
        msm.extend(extraBlocks);
    }
}
