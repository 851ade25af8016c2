package io.jthin.engine.tools;

import io.jthin.btree.BTree;
import io.jthin.btree.BlockType;
import io.jthin.btree.MetadataBlock;
import io.jthin.btree.NodeHeader;
import io.jthin.btree.ReadBlock;
import io.jthin.btree.TransactionManager;
import io.jthin.btree.ValueType;
import io.jthin.loopfile.StorageException;
import io.jthin.snapshot.BlockTime;
import io.jthin.snapshot.DeviceDetails;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * thin_dump --repair's search for other roots (0.9.0), for when the device-details tree or the top
 * level of the mapping tree cannot be walked from the superblock's roots: a pool activated on two
 * hosts at once, a torn write of a root node. Every metadata block is read once and each B-tree node
 * summarised: which tree it can belong to, how many entries it and the nodes below it hold, how many
 * mappings, how recent it is (the latest time among its mappings, or among its devices' creation and
 * snapshot times). Nodes that no sound node refers to are candidate roots; a device-details root and
 * a top-level mapping root make a pair when they hold as many devices and the devices'
 * {@code mapped_blocks} add up to the mappings under the mapping root, and both trees can be walked
 * without damage. What is found is usually the state an earlier commit left on disk (its nodes are
 * not overwritten until their blocks are reused), or the held metadata snapshot's trees.
 *
 * <p>The summary, as 0.9.0 makes it ({@code metadata_dumper.cc}, read to learn the rules, not
 * copied):
 * <table>
 *   <caption>How a node is classified</caption>
 *   <tr><th>node</th><th>tree</th><th>sound when</th></tr>
 *   <tr><td>leaf, 24-byte values</td><td>device details</td><td>always; entries = devices</td></tr>
 *   <tr><td>leaf, 8-byte values all below the metadata's block count</td><td>top level</td>
 *       <td>every value is a sound bottom-level node (then those are referred to)</td></tr>
 *   <tr><td>other leaf with 8-byte values</td><td>bottom level</td><td>always; entries = mappings</td></tr>
 *   <tr><td>leaf with values of another size</td><td>top level, no mappings</td><td>always (such
 *       pairs fail the walk)</td></tr>
 *   <tr><td>internal node</td><td>its children's, all the same</td><td>every child sound; each child's
 *       lowest key above the previous child's highest (leaves only carry keys); then the children are
 *       referred to</td></tr>
 * </table>
 *
 * <p>Which pair: 0.9.0 orders the pairs by a comparison of the device-details roots' block-time
 * counts, which device-details nodes never have, so the comparison always answers "before"; its
 * sort then leaves up to 16 pairs in reverse order of discovery (details block, then mapping
 * block, ascending), and it takes the first walkable one. jthin takes the same one: the walkable
 * pair last in that order (with more than 16 pairs, which 0.9.0's sort then returns is not
 * defined). Stateless.
 */
public final class RootSearch {
    /** Roots to walk instead of the superblock's, and the time to report with them. */
    public record Roots(long deviceDetailsRoot, long dataMappingRoot, long time) {
    }

    private enum Tree { TOP, BOTTOM, DETAILS }

    /** A sound node's summary. */
    private record Summary(Tree tree, long entries, long keyLow, long keyHigh, long age, long mappings) {
    }

    private final TransactionManager tm;
    private final long nrBlocks;
    private final Map<Long, Summary> sound = new HashMap<>();
    private final BitSet examined = new BitSet();
    private final BitSet inProgress = new BitSet();
    private final BitSet referenced = new BitSet();

    private RootSearch(TransactionManager tm) {
        this.tm = tm;
        this.nrBlocks = tm.nrBlocks();
    }

    /**
     * True when the whole device-details tree and the top level of the mapping tree can be read
     * from these roots (0.9.0's test for searching: the bottom level is not read).
     */
    public static boolean walkable(TransactionManager tm, long deviceDetailsRoot, long dataMappingRoot) {
        try {
            new BTree<>(tm, DeviceDetails.VALUE_TYPE).forEach(deviceDetailsRoot, 0, Long.MAX_VALUE, (k, d) -> true);
            new BTree<>(tm, ValueType.u64()).forEach(dataMappingRoot, 0, Long.MAX_VALUE, (k, root) -> true);
            return true;
        } catch (StorageException | IllegalArgumentException e) {
            return false;
        }
    }

    /** Searches the metadata behind {@code tm} for a pair of roots; empty when none is found. */
    public static Optional<Roots> find(TransactionManager tm) {
        return new RootSearch(tm).search();
    }

    private Optional<Roots> search() {
        for (long b = 0; b < nrBlocks; b++) {
            summary(b);
        }
        List<Long> details = new ArrayList<>();
        List<Long> mappings = new ArrayList<>();
        for (long b = 0; b < nrBlocks; b++) {
            Summary s = sound.get(b);
            if (s == null || referenced.get((int) b)) {
                continue;
            }
            if (s.tree == Tree.DETAILS) {
                details.add(b);
            } else if (s.tree == Tree.TOP) {
                mappings.add(b);
            }
        }
        List<long[]> pairs = new ArrayList<>();
        for (long d : details) {
            for (long m : mappings) {
                Summary sd = sound.get(d);
                Summary sm = sound.get(m);
                if (sd.entries == sm.entries && sd.mappings == sm.mappings) {
                    pairs.add(new long[] {d, m});
                }
            }
        }
        for (int i = pairs.size() - 1; i >= 0; i--) {
            long d = pairs.get(i)[0];
            long m = pairs.get(i)[1];
            if (walkable(tm, d, m)) {
                return Optional.of(new Roots(d, m, Math.max(sound.get(d).age, sound.get(m).age)));
            }
        }
        return Optional.empty();
    }

    /** The summary of block {@code b}, null when it is no sound node (read once, then remembered). */
    private Summary summary(long b) {
        if (b < 0 || b >= nrBlocks || b > Integer.MAX_VALUE) {
            return null;
        }
        int i = (int) b;
        if (examined.get(i)) {
            return sound.get(b);
        }
        if (inProgress.get(i)) {
            return null; // a cycle: no tree
        }
        inProgress.set(i);
        Summary s = read(b);
        inProgress.clear(i);
        examined.set(i);
        if (s != null) {
            sound.put(b, s);
        }
        return s;
    }

    private Summary read(long b) {
        ReadBlock n;
        try {
            n = tm.readOnce(b, BlockType.BTREE_NODE);
        } catch (StorageException | IllegalArgumentException e) {
            return null;
        }
        int entries = NodeHeader.nrEntries(n);
        int max = NodeHeader.maxEntries(n);
        int valueSize = NodeHeader.valueSize(n);
        if (valueSize <= 0 || max < 0 || entries < 0 || entries > max
                || NodeHeader.valuesStart(max) + (long) max * valueSize > MetadataBlock.SIZE) {
            return null; // a header that does not fit its block: nothing to read safely
        }
        int values = NodeHeader.valuesStart(max);
        if ((NodeHeader.flags(n) & NodeHeader.INTERNAL_NODE) != 0) {
            return internal(n, entries, values);
        }
        long keyLow = entries > 0 ? n.getLong(NodeHeader.KEYS) : 0;
        long keyHigh = entries > 0 ? n.getLong(NodeHeader.KEYS + NodeHeader.KEY_SIZE * (entries - 1)) : 0;
        if (valueSize == DeviceDetails.SIZE) {
            long age = 0;
            long mapped = 0;
            for (int e = 0; e < entries; e++) {
                DeviceDetails d = DeviceDetails.VALUE_TYPE.read(n, values + DeviceDetails.SIZE * e);
                age = Math.max(age, Math.max(d.creationTime(), d.snapshottedTime()));
                mapped += d.mappedBlocks();
            }
            return new Summary(Tree.DETAILS, entries, keyLow, keyHigh, age, mapped);
        }
        if (valueSize != Long.BYTES) {
            return new Summary(Tree.TOP, entries, 0, 0, 0, 0);
        }
        boolean top = true;
        for (int e = 0; e < entries && top; e++) {
            top = Long.compareUnsigned(n.getLong(values + 8 * e), nrBlocks) < 0;
        }
        if (top) {
            long age = 0;
            long mapped = 0;
            for (int e = 0; e < entries; e++) {
                Summary child = summary(n.getLong(values + 8 * e));
                if (child == null || child.tree != Tree.BOTTOM) {
                    return null;
                }
                age = Math.max(age, child.age);
                mapped += child.mappings;
            }
            for (int e = 0; e < entries; e++) {
                referenced.set((int) n.getLong(values + 8 * e));
            }
            return new Summary(Tree.TOP, entries, keyLow, keyHigh, age, mapped);
        }
        long age = 0;
        for (int e = 0; e < entries; e++) {
            age = Math.max(age, BlockTime.timeOf(n.getLong(values + 8 * e)));
        }
        return new Summary(Tree.BOTTOM, entries, keyLow, keyHigh, age, entries);
    }

    private Summary internal(ReadBlock n, int entries, int values) {
        Tree tree = null;
        long keyLow = 0;
        long sum = 0;
        long age = 0;
        long mapped = 0;
        for (int e = 0; e < entries; e++) {
            Summary child = summary(n.getLong(values + 8 * e));
            if (child == null || (tree != null && child.tree != tree)) {
                return null;
            }
            tree = child.tree;
            if (keyLow != 0 && Long.compareUnsigned(child.keyLow, keyLow) <= 0) {
                return null; // the children's keys do not rise
            }
            keyLow = child.keyHigh;
            sum += child.entries;
            age = Math.max(age, child.age);
            mapped += child.mappings;
        }
        for (int e = 0; e < entries; e++) {
            referenced.set((int) n.getLong(values + 8 * e));
        }
        return new Summary(tree == null ? Tree.TOP : tree, sum, 0, 0, age, mapped);
    }
}
