package io.jthin.btree;

import io.jthin.loopfile.BlockDevice;
import io.jthin.loopfile.MemoryBlockDevice;

/**
 * Test fixture: an in-memory metadata device with a BlockManager, a TransactionManager and an
 * {@link InMemorySpaceMap}. Block 0 holds a test-only root record (a superblock-salted block with
 * a count at byte 16 and that many u64 roots from byte 24) so a reopen can find its trees.
 * Commit order as in §6.3: nodes written, space map committed, then block 0.
 */
final class TestMetadata {
    private static final int NR_ROOTS = 16;
    private static final int ROOTS = 24;

    final BlockDevice device;
    final InMemorySpaceMap sm;
    BlockManager bm;
    TransactionManager tm;

    TestMetadata(long nrBlocks) {
        this(newDevice(nrBlocks * MetadataBlock.SIZE), nrBlocks);
    }

    TestMetadata(BlockDevice device, long nrBlocks) {
        this.device = device;
        this.sm = new InMemorySpaceMap(nrBlocks);
        sm.inc(0);
        open();
        commit();
    }

    static BlockDevice newDevice(long bytes) {
        return new MemoryBlockDevice("test metadata", bytes);
    }

    private void open() {
        bm = new BlockManager(device);
        tm = new TransactionManager(bm, sm);
    }

    /** Ends the transaction with {@code roots} in the root record. */
    void commit(long... roots) {
        tm.preCommit();
        sm.commit();
        WriteBlock sb = tm.superblockForUpdate(0, true);
        sb.putInt(NR_ROOTS, roots.length);
        for (int i = 0; i < roots.length; i++) {
            sb.putLong(ROOTS + 8 * i, roots[i]);
        }
        tm.commit(sb);
    }

    void abort() {
        tm.abort();
        sm.abort();
    }

    /**
     * A fresh BlockManager and TransactionManager over the same device (nothing cached), the space
     * map back at its last commit; returns the committed root record.
     */
    long[] reopen() {
        sm.abort();
        open();
        ReadBlock sb = tm.read(0, BlockType.SUPERBLOCK);
        long[] roots = new long[sb.getInt(NR_ROOTS)];
        for (int i = 0; i < roots.length; i++) {
            roots[i] = sb.getLong(ROOTS + 8 * i);
        }
        return roots;
    }

    /** Asserts every metadata count is zero but block 0's (1). */
    void assertOnlyRootRecordAllocated(String where) {
        long[] counts = sm.snapshot();
        for (int i = 0; i < counts.length; i++) {
            long expected = i == 0 ? 1 : 0;
            if (counts[i] != expected) {
                throw new AssertionError(where + ": metadata block " + i + " has count " + counts[i] + ", expected " + expected);
            }
        }
    }
}
