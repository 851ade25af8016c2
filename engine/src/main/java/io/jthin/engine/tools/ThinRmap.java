package io.jthin.engine.tools;

import io.jthin.btree.BTree;
import io.jthin.btree.BlockType;
import io.jthin.btree.NodeHeader;
import io.jthin.btree.ReadBlock;
import io.jthin.btree.TransactionManager;
import io.jthin.btree.ValueType;
import io.jthin.snapshot.BlockTime;
import io.jthin.snapshot.PoolMetadata;
import io.jthin.snapshot.Superblock;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Comparator;
import java.util.List;
import java.util.TreeMap;

/**
 * {@code thin_rmap --region A..B}: which thin device and virtual blocks map the data blocks of the
 * given regions, as 0.9.0 prints it — one line a run, {@code data A..B -> thin(D) V..W} (ends one past
 * the last), runs ordered by their first data block — by libstdc++'s {@code std::sort}, as 0.9.0,
 * which decides the order of runs that begin at the same block ({@link LibstdcxxSort}).
 *
 * <p>As 0.9.0 walks: the devices' mapping trees in device order, each node once — a subtree several
 * devices share (a snapshot not written since) is reported for the first of them only, while a leaf a
 * device has copied reports all its mappings, shared data blocks included. A run is consecutive data
 * blocks mapped from consecutive virtual blocks of one device, within the regions (adjacent regions
 * join). Memory: one bit per metadata block, one record per run. Stateless.
 */
public final class ThinRmap {
    /** Data blocks {@code begin} (inclusive) to {@code end} (exclusive). */
    public record Region(long begin, long end) {
        /**
         * Parses {@code BEGIN..END}, as thin_rmap's {@code --region}.
         *
         * @throws IllegalArgumentException naming what is wrong, in thin_rmap's words
         */
        public static Region parse(String s) {
            int dots = s.indexOf("..");
            if (dots < 0) {
                throw new IllegalArgumentException("badly formed region (no dots): " + s);
            }
            long begin;
            long end;
            try {
                begin = block(s.substring(0, dots));
                end = block(s.substring(dots + 2));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("badly formed region (couldn't parse numbers): " + s);
            }
            if (end <= begin) {
                throw new IllegalArgumentException("badly formed region (end <= begin): " + s);
            }
            return new Region(begin, end);
        }

        private static long block(String digits) {
            String d = digits.strip();
            if (d.isEmpty() || !d.chars().allMatch(c -> c >= '0' && c <= '9')) {
                throw new NumberFormatException(digits);
            }
            return Long.parseLong(d);
        }
    }

    /** Data blocks {@code dataBegin…} mapped by device {@code devId} from virtual blocks {@code virtualBegin…}. */
    public record Run(long dataBegin, long devId, long virtualBegin, long length) {
        @Override
        public String toString() {
            return "data " + dataBegin + ".." + (dataBegin + length) + " -> thin(" + devId + ") " + virtualBegin + ".."
                    + (virtualBegin + length);
        }
    }

    private final TransactionManager tm;
    /** The regions' union: begin → end of disjoint intervals. */
    private final TreeMap<Long, Long> regions = new TreeMap<>();
    private final BitSet seen = new BitSet();
    private final List<Run> runs = new ArrayList<>();
    private long devId;
    private long dataBegin;
    private long virtualBegin;
    private long length;

    private ThinRmap(TransactionManager tm, List<Region> regions) {
        this.tm = tm;
        List<Region> sorted = new ArrayList<>(regions);
        sorted.sort(Comparator.comparingLong(Region::begin));
        for (Region r : sorted) {
            var last = this.regions.lastEntry();
            if (last != null && r.begin() <= last.getValue()) {
                this.regions.put(last.getKey(), Math.max(last.getValue(), r.end()));
            } else {
                this.regions.put(r.begin(), r.end());
            }
        }
    }

    /** The runs of the live metadata's mappings into {@code regions}, in thin_rmap's order. */
    public static List<Run> of(PoolMetadata md, List<Region> regions) {
        ThinRmap r = new ThinRmap(md.transactionManager(), regions);
        Superblock sb = md.superblock();
        List<long[]> devices = new ArrayList<>();
        new BTree<>(r.tm, ValueType.u64()).forEach(sb.dataMappingRoot, 0, Long.MAX_VALUE,
                (dev, root) -> devices.add(new long[] {dev, root}));
        for (long[] d : devices) {
            r.devId = d[0];
            r.walk(d[1]);
            r.flush();
        }
        LibstdcxxSort.sort(r.runs, Comparator.comparingLong(Run::dataBegin)); // ties as 0.9.0's std::sort leaves them
        return r.runs;
    }

    private void walk(long node) {
        if (node < 0 || node > Integer.MAX_VALUE || seen.get((int) node)) {
            return;
        }
        seen.set((int) node);
        ReadBlock b = tm.readOnce(node, BlockType.BTREE_NODE);
        boolean leaf = NodeHeader.validate(b, Long.BYTES);
        int n = NodeHeader.nrEntries(b);
        int values = NodeHeader.valuesStart(NodeHeader.maxEntries(b));
        for (int i = 0; i < n; i++) {
            long value = b.getLong(values + 8 * i);
            if (!leaf) {
                walk(value);
            } else {
                mapping(b.getLong(NodeHeader.KEYS + NodeHeader.KEY_SIZE * i), BlockTime.dataBlockOf(value));
            }
        }
    }

    private void mapping(long virtualBlock, long dataBlock) {
        var r = regions.floorEntry(dataBlock);
        if (r == null || dataBlock >= r.getValue()) {
            return;
        }
        if (length > 0 && dataBlock == dataBegin + length && virtualBlock == virtualBegin + length) {
            length++;
            return;
        }
        flush();
        dataBegin = dataBlock;
        virtualBegin = virtualBlock;
        length = 1;
    }

    private void flush() {
        if (length > 0) {
            runs.add(new Run(dataBegin, devId, virtualBegin, length));
            length = 0;
        }
    }
}
