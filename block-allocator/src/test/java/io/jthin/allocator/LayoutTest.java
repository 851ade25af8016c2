package io.jthin.allocator;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jthin.btree.BlockManager;
import io.jthin.btree.BlockType;
import io.jthin.btree.CorruptMetadataException;
import io.jthin.btree.ReadBlock;
import io.jthin.btree.TransactionManager;
import io.jthin.btree.WriteBlock;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The layout classes against the bytes thin_restore wrote (dm-thin-format §3.2, §5.1–5.4, §11.2). */
class LayoutTest {
    private static RamDevice fixture() {
        return RamDevice.load(ThinTools.fixtures().resolve("tpt-small.meta"));
    }

    private static TransactionManager tmOver(RamDevice dev) {
        return new TransactionManager(new BlockManager(dev), new io.jthin.btree.InMemorySpaceMap(dev.size() / 4096));
    }

    @Test
    void aUniformWordHoldsItsValueInEveryEntry() {
        for (int v = 0; v <= BitmapBlock.OVERFLOW; v++) {
            long[] words = {BitmapBlock.uniformWord(v)};
            for (int e = 0; e < BitmapBlock.ENTRIES_PER_WORD; e++) {
                assertEquals(v, BitmapBlock.get(words, e), "value " + v + ", entry " + e);
            }
        }
        assertEquals(0, BitmapBlock.uniformWord(0));
        assertEquals(0xAAAA_AAAA_AAAA_AAAAL, BitmapBlock.uniformWord(1), "count 1 is the LOW bit: odd positions (§5.1)");
    }

    @Test
    void bitmapEncodingMatchesTheFixtureBytes() {
        RamDevice dev = fixture();
        TransactionManager tm = tmOver(dev);
        long[] data = BitmapBlock.decode(tm.read(9, BlockType.BITMAP));
        int[] expected = new int[21];
        Arrays.fill(expected, 0, 8, 2);
        Arrays.fill(expected, 8, 12, 1);
        Arrays.fill(expected, 12, 16, 2);
        Arrays.fill(expected, 16, 21, 1);
        for (int e = 0; e < BitmapBlock.ENTRIES_PER_BITMAP; e++) {
            assertEquals(e < 21 ? expected[e] : 0, BitmapBlock.get(data, e), "data bitmap entry " + e);
        }
        long[] meta = BitmapBlock.decode(tm.read(3, BlockType.BITMAP));
        for (int e = 0; e < 64; e++) {
            int want = e < 8 || (e >= 9 && e <= 11) ? 1 : 0;
            assertEquals(want, BitmapBlock.get(meta, e), "metadata bitmap entry " + e);
        }
        // payload bytes as hex-dumped in the format document
        assertArrayEquals(new byte[] {0x55, 0x55, (byte) 0xaa, 0x55, (byte) 0xaa, 0x02}, dev.bytes(9 * 4096 + 16, 6));
        assertArrayEquals(new byte[] {(byte) 0xaa, (byte) 0xaa, (byte) 0xa8, 0x00}, dev.bytes(3 * 4096 + 16, 4));
    }

    @Test
    void bitmapRoundTripsThroughABlockByteForByte() {
        RamDevice dev = fixture();
        long[] words = BitmapBlock.decode(tmOver(dev).read(9, BlockType.BITMAP));
        // write the same counts with set() into a fresh array, encode it at block 9 of a copy, compare bytes
        long[] rebuilt = BitmapBlock.newWords();
        for (int e = 0; e < BitmapBlock.ENTRIES_PER_BITMAP; e++) {
            BitmapBlock.set(rebuilt, e, BitmapBlock.get(words, e));
        }
        assertArrayEquals(words, rebuilt);
        RamDevice copy = new RamDevice(dev.size());
        BlockManager bm = new BlockManager(copy);
        TransactionManager tm = new TransactionManager(bm, new io.jthin.btree.InMemorySpaceMap(4096));
        WriteBlock wb;
        do {
            wb = tm.newBlock(BlockType.BITMAP);
        } while (wb.location() != 9);
        BitmapBlock.encode(rebuilt, wb);
        bm.flush();
        assertArrayEquals(dev.bytes(9 * 4096, 4096), copy.bytes(9 * 4096, 4096), "checksum, header and payload");
    }

    @Test
    void setGetAndTheWordHelpers() {
        SplittableRandom rnd = new SplittableRandom(7);
        long[] w = BitmapBlock.newWords();
        int[] model = new int[BitmapBlock.ENTRIES_PER_BITMAP];
        for (int i = 0; i < 100_000; i++) {
            int e = rnd.nextInt(model.length);
            int v = rnd.nextInt(4);
            BitmapBlock.set(w, e, v);
            model[e] = v;
        }
        for (int limit : new int[] {0, 1, 31, 32, 33, 1000, 16319, 16320}) {
            int nonZero = 0;
            int overflow = 0;
            int firstFree = limit;
            for (int e = 0; e < limit; e++) {
                nonZero += model[e] != 0 ? 1 : 0;
                overflow += model[e] == 3 ? 1 : 0;
                if (model[e] == 0 && firstFree == limit) {
                    firstFree = e;
                }
            }
            assertEquals(nonZero, BitmapBlock.countNonZero(w, limit), "countNonZero " + limit);
            assertEquals(overflow, BitmapBlock.countOverflow(w, limit), "countOverflow " + limit);
            assertEquals(firstFree, BitmapBlock.firstFree(w, 0, limit), "firstFree " + limit);
            int[] free = {0};
            BitmapBlock.forEachFree(w, limit, e -> {
                assertEquals(0, model[e]);
                free[0]++;
            });
            assertEquals(limit - nonZero, free[0]);
            int[] lastEnd = {-1};
            int[] inRuns = {0};
            BitmapBlock.forEachFreeRun(w, limit, (from, to) -> {
                assertTrue(from > lastEnd[0] && to > from && to <= limit, "run [" + from + ", " + to + ")");
                if (from > 0) {
                    assertTrue(model[from - 1] != 0, "run starts after a used entry");
                }
                if (to < limit) {
                    assertTrue(model[to] != 0, "run ends before a used entry");
                }
                for (int e = from; e < to; e++) {
                    assertEquals(0, model[e]);
                }
                inRuns[0] += to - from;
                lastEnd[0] = to;
            });
            assertEquals(limit - nonZero, inRuns[0], "free entries in runs, limit " + limit);
        }
        for (int e = 0; e < model.length; e++) {
            assertEquals(model[e], BitmapBlock.get(w, e));
        }
        long[] empty = BitmapBlock.newWords();
        java.util.List<int[]> runs = new java.util.ArrayList<>();
        BitmapBlock.forEachFreeRun(empty, 16320, (from, to) -> runs.add(new int[] {from, to}));
        assertEquals(1, runs.size());
        assertArrayEquals(new int[] {0, 16320}, runs.get(0));
        long[] full = BitmapBlock.newWords();
        for (int e = 0; e < 100; e++) {
            BitmapBlock.set(full, e, 1 + e % 3);
        }
        assertEquals(100, BitmapBlock.firstFree(full, 0, 16320));
        assertEquals(100, BitmapBlock.firstFree(full, 40, 16320));
        assertEquals(150, BitmapBlock.firstFree(full, 150, 16320));
        assertEquals(100, BitmapBlock.firstFree(full, 0, 100), "none free below the limit → the limit");
        BitmapBlock.clearFrom(full, 33);
        assertEquals(33, BitmapBlock.countNonZero(full, 16320));
        assertEquals(BitmapBlock.ENTRIES_PER_BITMAP, 16320);
        assertEquals(510, BitmapBlock.WORDS);
    }

    @Test
    void spaceMapRootsOfTheFixtureSuperblock() {
        RamDevice dev = fixture();
        ReadBlock sb = tmOver(dev).read(0, BlockType.SUPERBLOCK);
        SpaceMapRoot data = SpaceMapRoot.decode(sb, MinimalSuperblock.DATA_SPACE_MAP_ROOT);
        SpaceMapRoot meta = SpaceMapRoot.decode(sb, MinimalSuperblock.METADATA_SPACE_MAP_ROOT);
        assertEquals(new SpaceMapRoot(1024, 21, 4, 5), data);
        assertEquals(new SpaceMapRoot(4096, 12, 1, 2), meta);
        assertArrayEquals(dev.bytes(0x40, 128), data.toBytes());
        assertArrayEquals(dev.bytes(0xC0, 128), meta.toBytes());
        assertEquals(meta, SpaceMapRoot.fromBytes(meta.toBytes()));
        assertTrue(SpaceMapRoot.fromBytes(new byte[128]).isZero());
        assertThrows(CorruptMetadataException.class, () -> new SpaceMapRoot(10, 11, 1, 2).validate("x"));
        assertThrows(CorruptMetadataException.class, () -> new SpaceMapRoot(10, 1, 0, 2).validate("x"));
    }

    @Test
    void metadataIndexBlockOfTheFixture() {
        TransactionManager tm = tmOver(fixture());
        IndexEntry[] e = MetadataIndexBlock.decode(tm.read(1, BlockType.INDEX), 1);
        assertEquals(new IndexEntry(3, 4084, 12), e[0]);
        assertEquals(4_161_600L, MetadataIndexBlock.MAX_METADATA_BLOCKS);
        assertEquals(4096, MetadataIndexBlock.ENTRIES_OFFSET + MetadataIndexBlock.MAX_ENTRIES * IndexEntry.SIZE);
    }

    @Test
    void dataIndexTreeEntryOfTheFixture() {
        TransactionManager tm = tmOver(fixture());
        var tree = new io.jthin.btree.BTree<>(tm, IndexEntry.VALUE_TYPE);
        assertEquals(new IndexEntry(9, 1003, 20), tree.lookup(4, 0));
        assertEquals(1, tree.count(4));
    }
}
