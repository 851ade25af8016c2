package io.jthin.btree;

import static io.jthin.btree.NodeHeader.KEYS;
import static io.jthin.btree.NodeHeader.KEY_SIZE;

/**
 * Entry-level access to a dm-btree node, directly on its block (no per-node objects): key and value
 * positions, the lower-bound search of §4.2, and the shifts and moves that insert, split, merge
 * and redistribute are made of. Offsets come from {@link NodeHeader}.
 *
 * <p>Invariants the mutators keep: keys [0, nr_entries) stay in the order the caller gives (callers
 * only insert at the sorted position and move whole runs between siblings in key order), a value
 * always moves with its key, and nr_entries is updated by the method that changes the count.
 * Slots past nr_entries hold stale bytes, as the kernel's nodes do (covered by the checksum, read
 * by nobody). Callers guarantee capacity; the methods do not re-check it.
 */
final class BTreeNode {
    private BTreeNode() {
    }

    static int keyOffset(int i) {
        return KEYS + KEY_SIZE * i;
    }

    static long key(ReadBlock b, int i) {
        return b.getLong(KEYS + KEY_SIZE * i);
    }

    static void key(WriteBlock b, int i, long key) {
        b.putLong(KEYS + KEY_SIZE * i, key);
    }

    /** Offset of value {@code i} in {@code b} (reads max_entries and value_size from the header). */
    static int valueOffset(ReadBlock b, int i) {
        return NodeHeader.valuesStart(NodeHeader.maxEntries(b)) + NodeHeader.valueSize(b) * i;
    }

    /** Child block number {@code i} of an internal node. */
    static long child(ReadBlock b, int i) {
        return b.getLong(NodeHeader.valuesStart(NodeHeader.INTERNAL_MAX_ENTRIES) + 8 * i);
    }

    static void child(WriteBlock b, int i, long location) {
        b.putLong(NodeHeader.valuesStart(NodeHeader.INTERNAL_MAX_ENTRIES) + 8 * i, location);
    }

    /**
     * The largest index i < n with key[i] ≤ key, or −1 when key is below every key (§4.2).
     *
     * <p>A node's keys are usually dense or evenly spread (runs of virtual blocks), so the search
     * starts where the key would sit if they were spread evenly between the first and last key,
     * then gallops outwards and bisects (see {@link #gallop}): a few cache lines instead of the six
     * or so a plain binary search over 252 keys touches. Correct for any strictly increasing keys.
     */
    static int lowerBound(ReadBlock b, int n, long key) {
        if (n == 0) {
            return -1;
        }
        long first = b.getLong(KEYS);
        if (key < first) {
            return -1;
        }
        long last = b.getLong(KEYS + KEY_SIZE * (n - 1));
        if (key >= last) {
            return n - 1;
        }
        return gallop(b, n, key, interpolate(key, first, last, n - 1));
    }

    /**
     * {@link #lowerBound(ReadBlock, int, long)} with the bounds the parent gives for this node's keys
     * ({@code lowKey} ≤ every key < {@code highKey}): the starting guess comes from them, so the node's
     * first and last keys need not be read. Wrong bounds only cost speed, never correctness.
     */
    static int lowerBound(ReadBlock b, int n, long key, long lowKey, long highKey) {
        if (n <= 4 || key < lowKey || key >= highKey) {
            return lowerBound(b, n, key);
        }
        return gallop(b, n, key, interpolate(key, lowKey, highKey, n));
    }

    /** Where {@code key} would sit among {@code span} evenly spread keys from {@code low} to {@code high}, in [0, span]. */
    private static int interpolate(long key, long low, long high, int span) {
        double fraction = (double) (key - low) / (double) (high - low);
        if (!(fraction >= 0 && fraction <= 1)) {
            return span / 2;
        }
        return Math.min(span, (int) (fraction * span));
    }

    /**
     * The largest index i < n with key[i] ≤ key (or −1), searching outwards from {@code guess} in
     * steps of 1, 2, 4 … until the key is bracketed, then bisecting the bracket.
     */
    private static int gallop(ReadBlock b, int n, long key, int guess) {
        int lo;
        int hi;
        if (guess >= n) {
            guess = n - 1;
        }
        if (b.getLong(KEYS + KEY_SIZE * guess) <= key) {
            lo = guess;
            hi = guess + 1;
            for (int step = 1; hi < n && b.getLong(KEYS + KEY_SIZE * hi) <= key; step <<= 1) {
                lo = hi;
                hi = lo + (step << 1);
            }
            hi = Math.min(hi, n);
        } else {
            hi = guess;
            lo = guess - 1;
            for (int step = 1; lo >= 0 && b.getLong(KEYS + KEY_SIZE * lo) > key; step <<= 1) {
                hi = lo;
                lo = hi - (step << 1);
            }
            lo = Math.max(lo, -1);
        }
        // key[lo] ≤ key (or lo = −1) and key < key[hi] (or hi = n).
        while (hi - lo > 1) {
            int mid = (lo + hi) >>> 1;
            if (b.getLong(KEYS + KEY_SIZE * mid) <= key) {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    /** True when the node holds exactly {@code key}. */
    static boolean contains(ReadBlock b, long key) {
        int i = lowerBound(b, NodeHeader.nrEntries(b), key);
        return i >= 0 && key(b, i) == key;
    }

    /**
     * Opens a slot at {@code i}: entries [i, n) move one to the right, key i is set, nr_entries
     * grows by one. The caller writes value i.
     */
    static void insertSlot(WriteBlock b, int i, long key) {
        int n = NodeHeader.nrEntries(b);
        int vs = NodeHeader.valueSize(b);
        int values = NodeHeader.valuesStart(NodeHeader.maxEntries(b));
        int tail = n - i;
        if (tail > 0) {
            b.move(keyOffset(i), keyOffset(i + 1), tail * KEY_SIZE);
            b.move(values + vs * i, values + vs * (i + 1), tail * vs);
        }
        key(b, i, key);
        NodeHeader.nrEntries(b, n + 1);
    }

    /** Deletes entries [i, i + count): the entries after them move left. */
    static void deleteEntries(WriteBlock b, int i, int count) {
        int n = NodeHeader.nrEntries(b);
        int vs = NodeHeader.valueSize(b);
        int values = NodeHeader.valuesStart(NodeHeader.maxEntries(b));
        int tail = n - i - count;
        if (tail > 0) {
            b.move(keyOffset(i + count), keyOffset(i), tail * KEY_SIZE);
            b.move(values + vs * (i + count), values + vs * i, tail * vs);
        }
        NodeHeader.nrEntries(b, n - count);
    }

    /**
     * Copies {@code count} entries of {@code src} starting at {@code from} into {@code dst} at
     * {@code to}, overwriting what is there. Both nodes have the same layout. No count changes.
     */
    static void copyEntries(ReadBlock src, int from, WriteBlock dst, int to, int count) {
        if (count <= 0) {
            return;
        }
        int vs = NodeHeader.valueSize(src);
        int srcValues = NodeHeader.valuesStart(NodeHeader.maxEntries(src));
        int dstValues = NodeHeader.valuesStart(NodeHeader.maxEntries(dst));
        dst.copyFrom(src, keyOffset(from), keyOffset(to), count * KEY_SIZE);
        dst.copyFrom(src, srcValues + vs * from, dstValues + vs * to, count * vs);
    }

    /** Appends all entries of {@code src} after those of {@code dst} (src's keys are all larger). */
    static void append(WriteBlock dst, ReadBlock src) {
        int nd = NodeHeader.nrEntries(dst);
        int ns = NodeHeader.nrEntries(src);
        copyEntries(src, 0, dst, nd, ns);
        NodeHeader.nrEntries(dst, nd + ns);
    }

    /** Puts all entries of {@code src} in front of those of {@code dst} (src's keys are all smaller). */
    static void prepend(WriteBlock dst, ReadBlock src) {
        int nd = NodeHeader.nrEntries(dst);
        int ns = NodeHeader.nrEntries(src);
        shiftRight(dst, nd, ns);
        copyEntries(src, 0, dst, 0, ns);
        NodeHeader.nrEntries(dst, nd + ns);
    }

    /** Moves entries [0, n) of {@code b} to [by, n + by); the count is not changed. */
    private static void shiftRight(WriteBlock b, int n, int by) {
        if (n == 0 || by == 0) {
            return;
        }
        int vs = NodeHeader.valueSize(b);
        int values = NodeHeader.valuesStart(NodeHeader.maxEntries(b));
        b.move(keyOffset(0), keyOffset(by), n * KEY_SIZE);
        b.move(values, values + vs * by, n * vs);
    }

    /**
     * Evens out two neighbours (left's keys all below right's): afterwards left holds
     * floor(total / 2) entries and right the rest, in the same key order. The caller fixes the
     * parent key of right.
     */
    static void redistribute(WriteBlock left, WriteBlock right) {
        int nl = NodeHeader.nrEntries(left);
        int nr = NodeHeader.nrEntries(right);
        int targetLeft = (nl + nr) / 2;
        if (nl > targetLeft) {
            int move = nl - targetLeft;
            shiftRight(right, nr, move);
            copyEntries(left, targetLeft, right, 0, move);
            NodeHeader.nrEntries(left, targetLeft);
            NodeHeader.nrEntries(right, nr + move);
        } else if (nl < targetLeft) {
            int move = targetLeft - nl;
            copyEntries(right, 0, left, nl, move);
            NodeHeader.nrEntries(left, targetLeft);
            deleteEntries(right, 0, move);
        }
    }

    /** Makes {@code dst} a copy of node {@code src}'s header (but blocknr) and entries. */
    static void copyNode(ReadBlock src, WriteBlock dst) {
        dst.putInt(NodeHeader.FLAGS, src.getInt(NodeHeader.FLAGS));
        dst.copyFrom(src, NodeHeader.NR_ENTRIES, NodeHeader.NR_ENTRIES, MetadataBlock.SIZE - NodeHeader.NR_ENTRIES);
    }
}
