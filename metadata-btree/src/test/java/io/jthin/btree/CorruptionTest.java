package io.jthin.btree;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * Damaged metadata is refused, never misread: single bit flips in written nodes are caught by the
 * checksum (§2) on the next uncached read, and nodes whose header breaks the format (§4.1, §4.8)
 * but carry a valid checksum are caught by the header check — each naming the block.
 */
class CorruptionTest {
    private final TestMetadata md = new TestMetadata(4_096);
    private final BTree<Long> tree = new BTree<>(md.tm, ValueType.u64());
    private final BTree<Long> wide = new BTree<>(md.tm, new PlainWide());

    /** A 24-byte plain value (like device details) so both node capacities are exercised. */
    private static final class PlainWide implements ValueType<Long> {
        @Override
        public int size() {
            return 24;
        }

        @Override
        public Long read(ReadBlock b, int offset) {
            long v = b.getLong(offset);
            if (b.getLong(offset + 8) != ~v || b.getLong(offset + 16) != ~0L) {
                throw new AssertionError("torn 24-byte value at block " + b.location() + " offset " + offset);
            }
            return v;
        }

        @Override
        public void write(WriteBlock b, int offset, Long value) {
            b.putLong(offset, value);
            b.putLong(offset + 8, ~value);
            b.putLong(offset + 16, ~0L);
        }
    }

    private long[] roots;
    private final TreeMap<Long, Long> model = new TreeMap<>();

    private void writeTrees() {
        SplittableRandom rnd = new SplittableRandom(11);
        long a = tree.createEmpty();
        long b = wide.createEmpty();
        for (int i = 0; i < 30_000; i++) {
            long k = rnd.nextLong(1L << 40);
            long v = rnd.nextLong();
            a = tree.insert(a, k, v).root();
            b = wide.insert(b, k, v).root();
            model.put(k, v);
        }
        roots = new long[] {a, b};
        md.commit(roots);
    }

    private Set<Long> nodesOf(BTree<?> t, long root) {
        Set<Long> nodes = new LinkedHashSet<>();
        t.walk(root, n -> nodes.add(n.location()));
        return nodes;
    }

    /** Reads the whole tree through a fresh BlockManager (nothing cached). */
    private void readAll(int which) {
        md.reopen();
        BTree<Long> t = new BTree<>(md.tm, which == 0 ? ValueType.u64() : new PlainWide());
        List<Long> seen = new ArrayList<>();
        t.forEach(roots[which], 0, Long.MAX_VALUE, (k, v) -> {
            seen.add(k);
            if (!v.equals(model.get(k))) {
                fail("wrong value for " + k + ": " + v + " instead of " + model.get(k));
            }
            return true;
        });
        assertEquals(model.size(), seen.size(), "entries read");
    }

    private void flipBit(long block, int bit) {
        ByteBuffer one = ByteBuffer.allocate(1);
        long at = block * MetadataBlock.SIZE + bit / 8;
        md.device.read(at, one);
        one.flip();
        byte b = (byte) (one.get(0) ^ (1 << (bit % 8)));
        md.device.write(at, ByteBuffer.wrap(new byte[] {b}));
    }

    @Test
    void everySingleBitFlipInANodeIsCaughtAndNamesTheBlock() {
        writeTrees();
        readAll(0);
        readAll(1);
        SplittableRandom rnd = new SplittableRandom(5);
        int flips = 0;
        for (int which = 0; which < 2; which++) {
            BTree<Long> t = which == 0 ? tree : wide;
            List<Long> nodes = new ArrayList<>(nodesOf(t, roots[which]));
            assertTrue(nodes.size() > 100, "trees with many nodes");
            for (int n = 0; n < nodes.size(); n += 1 + rnd.nextInt(4)) {
                long block = nodes.get(n);
                // One bit in the header (csum, flags, blocknr, counts) and one anywhere.
                for (int bit : new int[] {rnd.nextInt(32 * 8), rnd.nextInt(MetadataBlock.SIZE * 8)}) {
                    flipBit(block, bit);
                    int w = which;
                    CorruptMetadataException e = assertThrows(CorruptMetadataException.class, () -> readAll(w),
                            "bit " + bit + " of block " + block);
                    assertInstanceOf(ChecksumException.class, e, e.getMessage());
                    assertEquals(block, e.blockNr(), e.getMessage());
                    assertEquals(BlockType.BTREE_NODE, e.blockType(), e.getMessage());
                    assertTrue(e.getMessage().contains("btree node") && e.getMessage().contains(" " + block),
                            e.getMessage());
                    flipBit(block, bit);
                    flips++;
                }
            }
        }
        assertTrue(flips > 200, "flips " + flips);
        readAll(0);
        readAll(1);
    }

    /** Rewrites one node's bytes with a valid checksum after {@code change}. */
    private void tamper(long block, Consumer<MetadataBlock> change) {
        byte[] bytes = new byte[MetadataBlock.SIZE];
        md.device.read(block * MetadataBlock.SIZE, ByteBuffer.wrap(bytes));
        MetadataBlock b = new MetadataBlock(block, bytes, null);
        change.accept(b);
        b.seal(BlockType.BTREE_NODE);
        md.device.write(block * MetadataBlock.SIZE, ByteBuffer.wrap(bytes));
    }

    private void assertHeaderRefused(long block, Consumer<MetadataBlock> change, String expectedWords) {
        assertHeaderRefused(0, block, change, expectedWords);
    }

    private void assertHeaderRefused(int which, long block, Consumer<MetadataBlock> change, String expectedWords) {
        byte[] saved = new byte[MetadataBlock.SIZE];
        md.device.read(block * MetadataBlock.SIZE, ByteBuffer.wrap(saved));
        tamper(block, change);
        CorruptMetadataException e = assertThrows(CorruptMetadataException.class, () -> readAll(which));
        assertEquals(block, e.blockNr(), e.getMessage());
        assertEquals(BlockType.BTREE_NODE, e.blockType());
        assertTrue(e.getMessage().contains(expectedWords), e.getMessage());
        assertTrue(e.getMessage().contains("metadata block " + block), e.getMessage());
        md.device.write(block * MetadataBlock.SIZE, ByteBuffer.wrap(saved));
    }

    @Test
    void headersThatBreakTheFormatAreRefusedEvenWithAGoodChecksum() {
        writeTrees();
        List<Long> nodes = new ArrayList<>(nodesOf(tree, roots[0]));
        long internal = nodes.get(0);
        long leaf = nodes.get(nodes.size() - 1);
        assertHeaderRefused(leaf, b -> b.putInt(NodeHeader.FLAGS, 3), "neither INTERNAL");
        assertHeaderRefused(leaf, b -> b.putInt(NodeHeader.FLAGS, 0), "neither INTERNAL");
        // An internal node posing as a leaf is only detectable where leaf values are not 8 bytes wide.
        List<Long> wideNodes = new ArrayList<>(nodesOf(wide, roots[1]));
        assertHeaderRefused(1, wideNodes.get(0), b -> b.putInt(NodeHeader.FLAGS, NodeHeader.LEAF_NODE), "value size");
        assertHeaderRefused(1, wideNodes.get(wideNodes.size() - 1), b -> b.putInt(NodeHeader.FLAGS, NodeHeader.INTERNAL_NODE),
                "value size");
        assertHeaderRefused(leaf, b -> b.putInt(NodeHeader.VALUE_SIZE, 16), "value size");
        assertHeaderRefused(leaf, b -> b.putInt(NodeHeader.MAX_ENTRIES, 255), "max_entries");
        assertHeaderRefused(internal, b -> b.putInt(NodeHeader.MAX_ENTRIES, 126), "max_entries");
        assertHeaderRefused(leaf, b -> b.putInt(NodeHeader.NR_ENTRIES, 253), "nr_entries");
        assertHeaderRefused(leaf, b -> b.putInt(NodeHeader.NR_ENTRIES, -1), "nr_entries");
        assertHeaderRefused(internal, b -> b.putInt(NodeHeader.NR_ENTRIES, 0), "no entries");
        readAll(0);
        readAll(1);
    }

    @Test
    void aTreeOfTheWrongValueSizeIsRefused() {
        writeTrees();
        md.reopen();
        BTree<Long> asWide = new BTree<>(md.tm, new PlainWide());
        CorruptMetadataException e = assertThrows(CorruptMetadataException.class,
                () -> asWide.lookup(roots[0], model.firstKey()));
        assertTrue(e.getMessage().contains("value size mismatch"), e.getMessage());
    }

    @Test
    void aCycleIsReportedNotFollowedForever() {
        long root = tree.createEmpty();
        for (long k = 0; k < 600; k++) {
            root = tree.insert(root, k, k).root();
        }
        md.commit(root);
        long r = root;
        // Point the root's last child back at the root.
        tamper(root, b -> BTreeNode.child(b, NodeHeader.nrEntries(b) - 1, r));
        md.reopen();
        BTree<Long> t = new BTree<>(md.tm, ValueType.u64());
        CorruptMetadataException e = assertThrows(CorruptMetadataException.class, () -> t.lookup(r, 599));
        assertTrue(e.getMessage().contains("deeper than"), e.getMessage());
        assertThrows(CorruptMetadataException.class, () -> t.count(r));
    }

    @Test
    void calcMaxEntriesMatchesTheFormatTable() {
        assertEquals(336, NodeHeader.calcMaxEntries(4));
        assertEquals(252, NodeHeader.calcMaxEntries(8));
        assertEquals(168, NodeHeader.calcMaxEntries(16));
        assertEquals(126, NodeHeader.calcMaxEntries(24));
        assertEquals(0x800, NodeHeader.valuesStart(252));
        assertEquals(0xAA0, NodeHeader.valuesStart(336));
        assertEquals(0x560, NodeHeader.valuesStart(168));
        assertEquals(0x410, NodeHeader.valuesStart(126));
    }
}
