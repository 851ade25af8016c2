package io.jthin.allocator;

import io.jthin.btree.BTree;
import io.jthin.btree.BlockType;
import io.jthin.btree.ReadBlock;
import io.jthin.btree.TransactionManager;
import io.jthin.btree.ValueType;
import io.jthin.btree.WriteBlock;
import java.util.HashSet;
import java.util.Set;

/**
 * Test oracle: the metadata reference counts dm-thin-format §5.6 requires, and the data counts the
 * mapping trees imply, computed by walking everything reachable from a superblock, independently of
 * the space maps' own bookkeeping. Shared nodes contribute their children once ("distinct" nodes).
 */
final class MetadataRefs {
    /** Any 24-byte value, for walking the device-details tree. */
    static final ValueType<byte[]> DETAILS_24 = new ValueType<>() {
        @Override
        public int size() {
            return 24;
        }

        @Override
        public byte[] read(ReadBlock b, int offset) {
            byte[] v = new byte[24];
            b.getBytes(offset, v, 0, 24);
            return v;
        }

        @Override
        public void write(WriteBlock b, int offset, byte[] value) {
            b.putBytes(offset, value, 0, 24);
        }
    };

    final long[] metadata;
    final long[] data;
    private final TransactionManager tm;
    private final Set<Long> seenNodes = new HashSet<>();

    private MetadataRefs(TransactionManager tm, long metadataBlocks, long dataBlocks) {
        this.tm = tm;
        this.metadata = new long[Math.toIntExact(metadataBlocks)];
        this.data = new long[Math.toIntExact(dataBlocks)];
    }

    /**
     * Counts from the superblock's point of view: block 0, both space maps' own blocks, and (when
     * non-zero) the details tree and the two-level mapping tree with their data references.
     */
    static MetadataRefs of(TransactionManager tm, MinimalSuperblock sb) {
        MetadataRefs r = new MetadataRefs(tm, sb.metadataSm().nrBlocks(), sb.dataSm().nrBlocks());
        r.metadata[0]++;
        r.metadataSpaceMap(sb.metadataSm());
        r.dataSpaceMap(sb.dataSm());
        if (sb.detailsRoot() != 0) {
            r.metadata[(int) sb.detailsRoot()]++;
            r.tree(new BTree<>(tm, DETAILS_24), sb.detailsRoot());
        }
        if (sb.mappingRoot() != 0) {
            r.metadata[(int) sb.mappingRoot()]++;
            r.mappings(sb.mappingRoot());
        }
        return r;
    }

    private void metadataSpaceMap(SpaceMapRoot root) {
        metadata[(int) root.bitmapRoot()]++;
        int n = (int) BitmapBlock.bitmapsFor(root.nrBlocks());
        for (IndexEntry e : MetadataIndexBlock.decode(tm.read(root.bitmapRoot(), BlockType.INDEX), n)) {
            metadata[(int) e.blocknr()]++;
        }
        metadata[(int) root.refCountRoot()]++;
        tree(new BTree<>(tm, ValueType.u32()), root.refCountRoot());
    }

    private void dataSpaceMap(SpaceMapRoot root) {
        metadata[(int) root.bitmapRoot()]++;
        BTree<IndexEntry> index = new BTree<>(tm, IndexEntry.VALUE_TYPE);
        tree(index, root.bitmapRoot());
        index.forEach(root.bitmapRoot(), 0, Long.MAX_VALUE, (k, e) -> {
            metadata[(int) e.blocknr()]++;
            return true;
        });
        metadata[(int) root.refCountRoot()]++;
        tree(new BTree<>(tm, ValueType.u32()), root.refCountRoot());
    }

    /** Child edges of every distinct node of the tree at {@code root} (the root's own reference is the caller's). */
    private <V> void tree(BTree<V> t, long root) {
        t.walk(root, node -> {
            if (seenNodes.add(node.location())) {
                for (long c : node.children()) {
                    metadata[(int) c]++;
                }
            }
        });
    }

    private void mappings(long topRoot) {
        BTree<Long> top = new BTree<>(tm, ValueType.u64());
        tree(top, topRoot);
        Set<Long> seenTopLeaves = new HashSet<>();
        top.walk(topRoot, node -> {
            if (node.leaf() && seenTopLeaves.add(node.location()) && node.nrEntries() > 0) {
                top.forEach(topRoot, node.keys()[0], node.keys()[node.nrEntries() - 1] + 1, (dev, bottomRoot) -> {
                    metadata[(int) (long) bottomRoot]++;
                    bottom(bottomRoot);
                    return true;
                });
            }
        });
    }

    private final Set<Long> seenBottomLeaves = new HashSet<>();

    private void bottom(long root) {
        BTree<Long> t = new BTree<>(tm, ValueType.u64());
        t.walk(root, node -> {
            if (seenNodes.add(node.location())) {
                for (long c : node.children()) {
                    metadata[(int) c]++;
                }
            }
            if (node.leaf() && seenBottomLeaves.add(node.location()) && node.nrEntries() > 0) {
                t.forEach(root, node.keys()[0], node.keys()[node.nrEntries() - 1] + 1, (vblock, blockTime) -> {
                    data[(int) (blockTime >>> 24)]++;
                    return true;
                });
            }
        });
    }
}
