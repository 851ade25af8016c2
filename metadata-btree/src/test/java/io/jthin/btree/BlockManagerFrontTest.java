package io.jthin.btree;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.jthin.loopfile.MemoryBlockDevice;
import org.junit.jupiter.api.Test;

/**
 * The BlockManager's direct-mapped front table never serves a stale block: a location that gets
 * new content (new or copied dirty block, superblock write), an abort and a type mismatch all
 * bypass or reset it.
 */
class BlockManagerFrontTest {
    private final MemoryBlockDevice device = new MemoryBlockDevice(64L * MetadataBlock.SIZE);
    /** A small cache: 32 front slots, so locations 3 and 35 share a slot. */
    private final BlockManager bm = new BlockManager(device, 64L * (MetadataBlock.SIZE + 128));

    private void write(long nr, long marker) {
        MetadataBlock b = bm.newZeroed(nr, BlockType.BTREE_NODE);
        b.putLong(64, marker);
        bm.flush();
    }

    private long marker(long nr) {
        return bm.read(nr, BlockType.BTREE_NODE).getLong(64);
    }

    @Test
    void newContentAtALocationIsSeenAfterFlushAndAfterAbort() {
        write(3, 111);
        assertEquals(111, marker(3));
        assertSame(bm.read(3, BlockType.BTREE_NODE), bm.read(3, BlockType.BTREE_NODE));

        MetadataBlock again = bm.newZeroed(3, BlockType.BTREE_NODE);
        again.putLong(64, 222);
        assertEquals(222, marker(3), "dirty block wins");
        bm.discardDirty();
        assertEquals(111, marker(3), "abort: back to what the device holds");

        MetadataBlock copy = bm.copyTo(bm.read(3, BlockType.BTREE_NODE), 3, BlockType.BTREE_NODE);
        copy.putLong(64, 333);
        bm.flush();
        assertEquals(333, marker(3), "flushed copy replaces the front entry");

        write(35, 444);
        assertEquals(444, marker(35));
        assertEquals(333, marker(3), "slot collision");
        assertEquals(444, marker(35));
    }

    @Test
    void aBlockReadAsAnotherTypeIsVerifiedAgain() {
        write(5, 1);
        assertEquals(1, marker(5));
        assertThrows(ChecksumException.class, () -> bm.read(5, BlockType.BITMAP));
        assertEquals(1, marker(5));
    }

    @Test
    void readOnceLeavesTheCacheAsItWasAndStillVerifies() {
        write(7, 70);
        write(9, 90);
        BlockManager fresh = new BlockManager(device, 64L * (MetadataBlock.SIZE + 128)); // nothing cached
        long before = fresh.readCount();
        assertEquals(70, fresh.readOnce(7, BlockType.BTREE_NODE).getLong(64));
        assertEquals(70, fresh.readOnce(7, BlockType.BTREE_NODE).getLong(64));
        assertEquals(before + 2, fresh.readCount(), "read once: not cached");
        assertEquals(90, fresh.read(9, BlockType.BTREE_NODE).getLong(64));
        assertEquals(90, fresh.readOnce(9, BlockType.BTREE_NODE).getLong(64));
        assertEquals(before + 3, fresh.readCount(), "a cached block is served from the cache");
        assertThrows(ChecksumException.class, () -> fresh.readOnce(7, BlockType.BITMAP), "verified as the type asked");
        assertThrows(ChecksumException.class, () -> fresh.readOnce(9, BlockType.BITMAP), "a cached block too");
    }

    @Test
    void readOnceIntoAScratchReusesItAndStillVerifies() {
        write(7, 70);
        write(9, 90);
        write(11, 110);
        BlockManager fresh = new BlockManager(device, 64L * (MetadataBlock.SIZE + 128)); // nothing cached
        long before = fresh.readCount();
        MetadataBlock scratch = MetadataBlock.scratch();
        MetadataBlock first = fresh.readOnce(7, BlockType.BTREE_NODE, scratch);
        assertSame(scratch, first, "a block held nowhere is read into the scratch");
        assertEquals(70, first.getLong(64));
        assertEquals(7, first.location());
        assertSame(scratch, fresh.readOnce(9, BlockType.BTREE_NODE, scratch));
        assertEquals(90, scratch.getLong(64), "the next read replaces the content");
        assertEquals(9, scratch.location());

        MetadataBlock cached = fresh.read(11, BlockType.BTREE_NODE);
        assertSame(cached, fresh.readOnce(11, BlockType.BTREE_NODE, scratch), "a cached block is served as it is");
        assertEquals(90, scratch.getLong(64), "and the scratch is left alone");

        assertThrows(ChecksumException.class, () -> fresh.readOnce(7, BlockType.BITMAP, scratch), "verified as the type asked");
        assertEquals(70, fresh.readOnce(7, BlockType.BTREE_NODE, scratch).getLong(64), "a scratch that failed is usable again");
        assertEquals(before + 5, fresh.readCount(), "7, 9, 11, 7 (refused), 7: blocks read into the scratch are not cached");
    }

    @Test
    void superblockWritesReplaceTheFrontEntry() {
        MetadataBlock sb = MetadataBlock.zeroed(0, BlockType.SUPERBLOCK);
        sb.putLong(64, 7);
        bm.writeSuperblock(sb);
        assertEquals(7, bm.read(0, BlockType.SUPERBLOCK).getLong(64));
        MetadataBlock sb2 = MetadataBlock.zeroed(0, BlockType.SUPERBLOCK);
        sb2.putLong(64, 8);
        bm.writeSuperblock(sb2);
        assertEquals(8, bm.read(0, BlockType.SUPERBLOCK).getLong(64));
    }
}
