package io.jthin.benchmarks;

import io.jthin.btree.BTree;
import io.jthin.btree.BlockManager;
import io.jthin.btree.OutOfMetadataSpaceException;
import io.jthin.btree.SpaceMap;
import io.jthin.btree.TransactionManager;
import io.jthin.btree.ValueType;
import io.jthin.btree.WriteBlock;
import io.jthin.loopfile.MemoryBlockDevice;
import java.util.Arrays;

/**
 * Shared fixture of the B-tree benchmarks: a u64 {@link BTree} over a {@link MemoryBlockDevice}
 * with its BlockManager, TransactionManager and a small in-memory space map whose commit costs
 * O(blocks changed) like the real one. Block 0 is a root record written at each commit, as the
 * superblock would be (commit order of §6.3: nodes, space map, block 0).
 */
final class BTreeFixture {
    final MemoryBlockDevice device;
    final BenchSpaceMap sm;
    final TransactionManager tm;
    final BTree<Long> tree;
    long root;

    BTreeFixture(long deviceBytes, long cacheBytes) {
        device = new MemoryBlockDevice("bench metadata", deviceBytes);
        sm = new BenchSpaceMap(deviceBytes / 4096);
        sm.inc(0);
        tm = new TransactionManager(new BlockManager(device, cacheBytes), sm);
        tree = new BTree<>(tm, ValueType.u64());
        root = tree.createEmpty();
        commit();
    }

    void commit() {
        tm.preCommit();
        sm.commit();
        WriteBlock sb = tm.superblockForUpdate(0, true);
        sb.putLong(16, root);
        tm.commit(sb);
    }

    /** Counts in a long[]; the committed state as a bitmap updated only where counts changed. */
    static final class BenchSpaceMap implements SpaceMap {
        private final long[] counts;
        private final long[] committedInUse;
        private int[] touched = new int[4096];
        private int nrTouched;
        private long allocated;
        private int cursor;

        BenchSpaceMap(long nrBlocks) {
            counts = new long[Math.toIntExact(nrBlocks)];
            committedInUse = new long[(counts.length + 63) / 64];
        }

        @Override
        public long nrBlocks() {
            return counts.length;
        }

        @Override
        public long nrAllocated() {
            return allocated;
        }

        @Override
        public long nrFree() {
            return counts.length - allocated;
        }

        @Override
        public long refCount(long block) {
            return counts[(int) block];
        }

        @Override
        public void inc(long block, long delta) {
            int b = (int) block;
            long before = counts[b];
            long after = before + delta;
            if (after < 0) {
                throw new IllegalStateException("count of block " + block + " below 0");
            }
            counts[b] = after;
            if (before == 0 && after > 0) {
                allocated++;
            } else if (before > 0 && after == 0) {
                allocated--;
            }
            if (nrTouched == touched.length) {
                touched = Arrays.copyOf(touched, touched.length * 2);
            }
            touched[nrTouched++] = b;
        }

        private boolean committedInUse(int b) {
            return (committedInUse[b >>> 6] & (1L << b)) != 0;
        }

        @Override
        public long newBlock() {
            for (int n = 0; n < counts.length; n++) {
                int b = cursor;
                cursor = cursor + 1 == counts.length ? 0 : cursor + 1;
                if (counts[b] == 0 && !committedInUse(b)) {
                    inc(b, 1);
                    return b;
                }
            }
            throw new OutOfMetadataSpaceException(counts.length);
        }

        @Override
        public void extend(long extraBlocks) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void commit() {
            for (int i = 0; i < nrTouched; i++) {
                int b = touched[i];
                if (counts[b] > 0) {
                    committedInUse[b >>> 6] |= 1L << b;
                } else {
                    committedInUse[b >>> 6] &= ~(1L << b);
                }
            }
            nrTouched = 0;
        }
    }
}
