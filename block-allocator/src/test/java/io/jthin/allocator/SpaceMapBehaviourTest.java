package io.jthin.allocator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jthin.btree.BlockType;
import io.jthin.btree.ChecksumException;
import io.jthin.btree.CorruptMetadataException;
import io.jthin.btree.OutOfMetadataSpaceException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;

/** Allocation policy, thresholds, growth and limits, and what open refuses. */
class SpaceMapBehaviourTest {

    @Test
    void formatUsesTheKernelLayout() {
        Harness h = Harness.format(4096, 100);
        h.commit();
        assertEquals(1, h.msm.root().bitmapRoot(), "index block");
        assertEquals(2, h.msm.root().refCountRoot(), "metadata overflow root");
        assertEquals(3, h.msm.bitmapLocation(0), "first metadata bitmap");
        assertEquals(4, h.dsm.root().bitmapRoot(), "data index-tree root");
        assertEquals(5, h.dsm.root().refCountRoot(), "data overflow root");
        assertEquals(6, h.dsm.bitmapLocation(0), "data bitmap, written at the first commit");
        assertEquals(7, h.msm.nrAllocated());
        assertEquals(7, h.msm.root().nrAllocated());
        for (int b = 0; b < 7; b++) {
            assertEquals(1, h.msm.refCount(b), "block " + b);
        }
        // a second commit with no change still copies nothing it does not have to
        h.commit();
        assertEquals(7, h.msm.nrAllocated());
    }

    @Test
    void anEmptyDataMapIsExtendedLaterAsTheKernelDoes() {
        Harness h = Harness.format(1024, 0);
        h.commit();
        assertEquals(0, h.dsm.root().nrBlocks());
        assertThrows(OutOfDataSpaceException.class, h.dsm::newBlock);
        Harness r = h.reopen();
        assertEquals(0, r.dsm.nrBitmaps());
        r.dsm.extend(1000);
        assertEquals(0, r.dsm.newBlock());
        r.commit();
        Harness again = r.reopen();
        assertEquals(1000, again.dsm.nrBlocks());
        assertEquals(1, again.dsm.refCount(0));
        assertEquals(999, again.dsm.nrFree());
    }

    @Test
    void aBlockFreedInATransactionIsReusedOnlyAfterCommit() {
        Harness h = Harness.format(1024, 100);
        for (int i = 0; i < 100; i++) {
            assertEquals(i, h.dsm.newBlock(), "front to back");
        }
        h.commit();
        h.dsm.dec(5);
        h.dsm.dec(50);
        assertEquals(0, h.dsm.refCount(5));
        assertEquals(0, h.dsm.nrFree());
        assertEquals(2, h.dsm.nrFreedThisTransaction());
        OutOfDataSpaceException e = assertThrows(OutOfDataSpaceException.class, h.dsm::newBlock);
        assertTrue(e.getMessage().contains("2 freed in this transaction"), e.getMessage());
        // a block allocated and freed within one transaction was free at the last commit: reusable
        h.commit();
        assertEquals(2, h.dsm.nrFree());
        long a = h.dsm.newBlock();
        long b = h.dsm.newBlock();
        assertEquals(List.of(5L, 50L), List.of(a, b), "wraps to fill the gaps");
        h.dsm.dec(b);
        assertEquals(b, h.dsm.newBlock(), "allocated and freed in the same transaction: free in both states");
    }

    @Test
    void metadataBlocksFreedInATransactionAreNotReusedEvenByTheCommit() {
        Harness h = Harness.format(64, 10);
        h.commit();
        List<Long> mine = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            mine.add(h.tm.newBlock(BlockType.BTREE_NODE).location());
        }
        h.commit();
        for (long b : mine) {
            h.tm.dec(b);
        }
        long freed = h.msm.nrFreedThisTransaction();
        assertEquals(20, freed);
        long free = h.msm.nrFree();
        // the commit's own allocations (bitmap and index shadows) must come from elsewhere
        h.dsm.inc(3, 1);
        h.commit();
        for (long b : mine) {
            assertEquals(0, h.msm.refCount(b));
        }
        assertTrue(h.msm.nrFree() >= free, "freed blocks became allocatable after commit");
    }

    @Test
    void runningOutOfMetadataSpaceThenAbortingRestoresTheLastCommit() {
        Harness h = Harness.format(48, 10);
        h.commit();
        long allocated = h.msm.nrAllocated();
        assertThrows(OutOfMetadataSpaceException.class, () -> {
            while (true) {
                h.tm.newBlock(BlockType.BTREE_NODE);
            }
        });
        assertEquals(0, h.msm.nrFree());
        h.abort();
        assertEquals(allocated, h.msm.nrAllocated());
        h.tm.newBlock(BlockType.BTREE_NODE);
        h.commit();
    }

    @Test
    void thresholdsFireOncePerCrossing() {
        Harness h = Harness.format(1024, 100);
        int[] fired = {0};
        SpaceMapThreshold t = h.dsm.addThreshold(10, () -> fired[0]++);
        for (int i = 0; i < 89; i++) {
            h.dsm.newBlock();
        }
        assertEquals(0, fired[0]);
        assertEquals(11, h.dsm.nrFree());
        h.dsm.newBlock();
        assertEquals(1, fired[0], "free fell to the mark");
        h.dsm.newBlock();
        h.dsm.newBlock();
        assertEquals(1, fired[0], "once per crossing");
        assertFalse(t.armed());
        for (int b = 0; b < 20; b++) {
            h.dsm.dec(b);
        }
        assertEquals(1, fired[0], "blocks freed in the transaction are not free yet");
        h.commit();
        assertTrue(t.armed(), "re-armed when free rose above the mark");
        assertEquals(1, fired[0]);
        while (h.dsm.nrFree() > 10) {
            h.dsm.newBlock();
        }
        assertEquals(2, fired[0]);
        int[] late = {0};
        h.dsm.addThreshold(50, () -> late[0]++);
        assertEquals(1, late[0], "already below the mark when registered");
        t.close();
        h.commit();
        h.dsm.extend(100);
        while (h.dsm.nrFree() > 0) {
            h.dsm.newBlock();
        }
        assertEquals(2, fired[0], "closed");
        assertEquals(2, late[0]);
    }

    @Test
    void bothMapsGrowAcrossBitmapBoundaries() {
        Harness h = Harness.format(2048, 16_000);
        h.commit();
        h.dsm.extend(40_000);
        h.extendMetadata(20_000);
        long last = h.dsm.nrBlocks() - 1;
        h.dsm.inc(last, 4);
        h.commit();
        Harness r = h.reopen();
        assertEquals(56_000, r.dsm.nrBlocks());
        assertEquals(4, r.dsm.nrBitmaps());
        assertEquals(22_048, r.msm.nrBlocks());
        assertEquals(2, r.msm.nrBitmaps());
        assertEquals(4, r.dsm.refCount(last));
        assertEquals(56_000 - 1, r.dsm.nrFree());
    }

    @Test
    void metadataIsLimitedTo255Bitmaps() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Harness.format(MetadataSpaceMap.MAX_BLOCKS + 1, 10));
        assertTrue(e.getMessage().contains("4161600"), e.getMessage());
        Harness h = Harness.format(4096, 10);
        h.commit();
        h.extendMetadata(MetadataSpaceMap.MAX_BLOCKS - 4096);
        h.commit();
        Harness r = h.reopen();
        assertEquals(MetadataSpaceMap.MAX_BLOCKS, r.msm.nrBlocks());
        assertEquals(255, r.msm.nrBitmaps());
        IllegalArgumentException beyond = assertThrows(IllegalArgumentException.class, () -> r.msm.extend(1));
        assertTrue(beyond.getMessage().contains("limit of 4161600 blocks"), beyond.getMessage());
    }

    @Test
    void outOfRangeAndNegativeCountsAreRefused() {
        Harness h = Harness.format(1024, 100);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> h.dsm.inc(100, 1));
        assertTrue(e.getMessage().contains("data space map: block 100"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> h.dsm.refCount(-1));
        IllegalStateException neg = assertThrows(IllegalStateException.class, () -> h.dsm.dec(7));
        assertTrue(neg.getMessage().contains("block 7 would go below 0"), neg.getMessage());
        assertThrows(IllegalStateException.class, () -> h.msm.root(), "root() before the first commit");
        h.dsm.inc(7, RefCountSpaceMap.MAX_COUNT);
        assertEquals(RefCountSpaceMap.MAX_COUNT, h.dsm.refCount(7));
        assertThrows(IllegalStateException.class, () -> h.dsm.inc(7, 1));
        h.commit();
        assertEquals(RefCountSpaceMap.MAX_COUNT, h.reopen().dsm.refCount(7), "u32 counts survive the overflow tree");
    }

    @Test
    void openRefusesABitmapWithABadChecksum() {
        Harness h = Harness.format(1024, 100);
        h.dsm.inc(10, 1);
        h.commit();
        long bitmap = h.dsm.bitmapLocation(0);
        h.device.write(bitmap * 4096 + 100, ByteBuffer.wrap(new byte[] {0x7f}));
        ChecksumException e = assertThrows(ChecksumException.class, h::reopen);
        assertEquals(BlockType.BITMAP, e.blockType());
        assertEquals(bitmap, e.blockNr());
    }

    @Test
    void openRefusesABitmapCountOfThreeWithoutAnOverflowEntry() {
        Harness h = Harness.format(1024, 100);
        h.dsm.inc(10, 2);
        h.commit();
        long bitmap = h.dsm.bitmapLocation(0);
        // entry 10: byte 16 + 10/4, bits 4 and 5 → value 3; then re-seal the checksum (§2)
        byte[] block = h.device.bytes(bitmap * 4096, 4096);
        block[16 + 2] |= 0x30;
        CRC32C crc = new CRC32C();
        crc.update(block, 4, 4092);
        int csum = (int) ~crc.getValue() ^ BlockType.BITMAP.salt();
        ByteBuffer.wrap(block).order(ByteOrder.LITTLE_ENDIAN).putInt(0, csum);
        h.device.write(bitmap * 4096, ByteBuffer.wrap(block));
        CorruptMetadataException e = assertThrows(CorruptMetadataException.class, h::reopen);
        assertTrue(e.getMessage().contains("overflow tree holds 0 counts"), e.getMessage());
    }

    @Test
    void openRefusesAnIndexThatDoesNotCoverTheMap() {
        Harness h = Harness.format(1024, 100);
        h.commit();
        SpaceMapRoot lying = new SpaceMapRoot(40_000, 0, h.dsm.root().bitmapRoot(), h.dsm.root().refCountRoot());
        CorruptMetadataException e = assertThrows(CorruptMetadataException.class, () -> DiskSpaceMap.open(h.tm, lying));
        assertTrue(e.getMessage().contains("lists 1 bitmaps, but nr_blocks 40000 needs 3"), e.getMessage());
    }
}
