package io.jthin.tests;

import io.jthin.allocator.BitmapBlock;
import io.jthin.allocator.IndexEntry;
import io.jthin.allocator.MetadataIndexBlock;
import io.jthin.allocator.SpaceMapRoot;
import io.jthin.btree.BTree;
import io.jthin.btree.BlockType;
import io.jthin.btree.TransactionManager;
import io.jthin.btree.ValueType;
import io.jthin.loopfile.BlockDevice;
import io.jthin.snapshot.DeviceDetails;
import io.jthin.snapshot.Superblock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * What every used metadata block is, found by walking from the superblock (dm-thin-format §3–§5):
 * superblock, metadata-snapshot superblock, metadata space map index and bitmaps, data space map
 * bitmaps, and internal and leaf nodes of each tree (top-level and bottom-level mapping trees,
 * device details, data space map index, both overflow ref-count trees). For bottom-level nodes it
 * also records the devices that reach them and their keys, so a test knows which reads a damaged
 * node must break. Read-only (a transaction manager without a space map, used for reads alone).
 */
final class MetadataBlockMap {
    /** A block's role and the type its checksum salt says. */
    record Kind(String name, BlockType type) {
        @Override
        public String toString() {
            return name;
        }
    }

    static final Kind SUPERBLOCK = new Kind("superblock", BlockType.SUPERBLOCK);
    static final Kind HELD_SUPERBLOCK = new Kind("metadata snapshot superblock", BlockType.SUPERBLOCK);
    static final Kind METADATA_INDEX = new Kind("metadata space map index", BlockType.INDEX);
    static final Kind METADATA_BITMAP = new Kind("metadata space map bitmap", BlockType.BITMAP);
    static final Kind DATA_BITMAP = new Kind("data space map bitmap", BlockType.BITMAP);

    static Kind node(String tree, boolean leaf) {
        return new Kind(tree + (leaf ? " leaf" : " internal node"), BlockType.BTREE_NODE);
    }

    final Map<Long, Kind> kinds = new TreeMap<>();
    /** Bottom-level node → devices whose tree contains it. */
    final Map<Long, Set<Long>> reachedBy = new HashMap<>();
    /** Bottom-level node → the virtual blocks below it (the keys of the leaves under it). */
    final Map<Long, List<Long>> vblocksBelow = new HashMap<>();
    final long heldRoot;
    /** Nodes of the trees reached from the superblock (device details, both mapping levels). */
    final Set<Long> liveTreeNodes = new TreeSet<>();
    /** Nodes of the trees reached from the metadata snapshot's superblock copy (empty when none is held). */
    final Set<Long> heldTreeNodes = new TreeSet<>();

    private final TransactionManager tm;

    MetadataBlockMap(BlockDevice meta) {
        this.tm = TransactionManager.over(meta, 8L << 20);
        Superblock sb = Superblock.decode(tm.read(0, BlockType.SUPERBLOCK));
        kinds.put(0L, SUPERBLOCK);
        heldRoot = sb.heldRoot;
        metadataSpaceMap(SpaceMapRoot.fromBytes(sb.metadataSpaceMapRoot));
        dataSpaceMap(SpaceMapRoot.fromBytes(sb.dataSpaceMapRoot));
        trees(sb, liveTreeNodes);
        if (sb.heldRoot != 0) {
            kinds.put(sb.heldRoot, HELD_SUPERBLOCK);
            trees(Superblock.decode(tm.read(sb.heldRoot, BlockType.SUPERBLOCK)), heldTreeNodes);
        }
    }

    private void metadataSpaceMap(SpaceMapRoot root) {
        kinds.put(root.bitmapRoot(), METADATA_INDEX);
        int n = (int) BitmapBlock.bitmapsFor(root.nrBlocks());
        for (IndexEntry e : MetadataIndexBlock.decode(tm.read(root.bitmapRoot(), BlockType.INDEX), n)) {
            kinds.put(e.blocknr(), METADATA_BITMAP);
        }
        walk(new BTree<>(tm, ValueType.u32()), root.refCountRoot(), "metadata space map overflow tree");
    }

    private void dataSpaceMap(SpaceMapRoot root) {
        BTree<IndexEntry> index = new BTree<>(tm, IndexEntry.VALUE_TYPE);
        walk(index, root.bitmapRoot(), "data space map index tree");
        index.forEach(root.bitmapRoot(), 0, Long.MAX_VALUE, (k, e) -> kinds.put(e.blocknr(), DATA_BITMAP) == null || true);
        walk(new BTree<>(tm, ValueType.u32()), root.refCountRoot(), "data space map overflow tree");
    }

    private void trees(Superblock sb, Set<Long> nodes) {
        walk(new BTree<>(tm, DeviceDetails.VALUE_TYPE), sb.deviceDetailsRoot, "device details tree", nodes);
        BTree<Long> top = new BTree<>(tm, ValueType.u64());
        walk(top, sb.dataMappingRoot, "top-level mapping tree", nodes);
        Map<Long, Long> roots = new LinkedHashMap<>();
        top.forEach(sb.dataMappingRoot, 0, Long.MAX_VALUE, (dev, root) -> roots.put(dev, root) == null || true);
        BTree<Long> bottom = new BTree<>(tm, ValueType.u64());
        for (var e : roots.entrySet()) {
            long dev = e.getKey();
            // Pre-order walk: a node's leaves come after it; attribute each leaf's keys to its ancestors.
            List<BTree.NodeInfo> path = new ArrayList<>();
            bottom.walk(e.getValue(), node -> {
                kinds.put(node.location(), node("bottom-level mapping tree", node.leaf()));
                nodes.add(node.location());
                reachedBy.computeIfAbsent(node.location(), k -> new TreeSet<>()).add(dev);
                while (path.size() > node.depth()) {
                    path.remove(path.size() - 1);
                }
                path.add(node);
                if (node.leaf() && node.nrEntries() > 0) {
                    for (BTree.NodeInfo n : path) {
                        List<Long> below = vblocksBelow.computeIfAbsent(n.location(), k -> new ArrayList<>());
                        if (n == node || below.isEmpty() || below.get(below.size() - 1) < node.keys()[0]) {
                            for (int i = 0; i < node.nrEntries(); i++) {
                                below.add(node.keys()[i]);
                            }
                        }
                    }
                }
            });
        }
    }

    private void walk(BTree<?> tree, long root, String name) {
        walk(tree, root, name, new TreeSet<>());
    }

    private void walk(BTree<?> tree, long root, String name, Set<Long> nodes) {
        tree.walk(root, node -> {
            kinds.put(node.location(), node(name, node.leaf()));
            nodes.add(node.location());
        });
    }

    /** Blocks by kind name, in block order. */
    Map<String, List<Long>> byKind() {
        Map<String, List<Long>> m = new TreeMap<>();
        kinds.forEach((b, k) -> m.computeIfAbsent(k.name(), x -> new ArrayList<>()).add(b));
        return m;
    }

    Kind kindOf(String name) {
        return kinds.values().stream().filter(k -> k.name().equals(name)).findFirst().orElseThrow();
    }
}
