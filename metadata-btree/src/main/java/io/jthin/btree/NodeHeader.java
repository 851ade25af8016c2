package io.jthin.btree;

/**
 * The on-disk layout of a dm-btree node (dm-thin-format §4.1): the offsets of the 32-byte header,
 * the key and value arrays, the capacity rule, and the sanity check every node read goes through.
 * This is the only class that knows these numbers; {@link BTreeNode} builds entry access on it.
 *
 * <pre>
 * | offset                 | size               | type  | field       | meaning                                   |
 * |------------------------|--------------------|-------|-------------|-------------------------------------------|
 * | 0                      | 4                  | u32   | csum        | checksum, salt 121107 (BlockType)          |
 * | 4                      | 4                  | u32   | flags       | 1 = INTERNAL, 2 = LEAF (exactly one)       |
 * | 8                      | 8                  | u64   | blocknr     | this node's own location                   |
 * | 16                     | 4                  | u32   | nr_entries  | keys/values in use                         |
 * | 20                     | 4                  | u32   | max_entries | capacity; fixes where the values start     |
 * | 24                     | 4                  | u32   | value_size  | bytes per value (8 for every internal node)|
 * | 28                     | 4                  | u32   | padding     | 0                                          |
 * | 32                     | 8 × max_entries    | u64[] | keys        | strictly increasing, first nr_entries valid|
 * | 32 + 8 × max_entries   | vs × max_entries   | —     | values      | value i belongs to key i                   |
 * </pre>
 *
 * <p>Capacity: {@code max_entries = 3 × floor(floor((4096 − 32) / (8 + value_size)) / 3)}, so 336
 * for 4-byte values, 252 for 8, 168 for 16, 126 for 24. Internal nodes always have value_size 8
 * and max_entries 252. Key i of an internal node is a lower bound of the keys of child i.
 *
 * <p>Invariant of {@link #validate}: a node that passes has flags exactly INTERNAL or LEAF, the value
 * size its tree and level use, the computed max_entries, {@code nr_entries ≤ max_entries}, and an
 * internal node has at least one entry. Checksum and blocknr are checked earlier by the BlockManager.
 */
public final class NodeHeader {
    public static final int CSUM = 0;
    public static final int FLAGS = 4;
    public static final int BLOCKNR = 8;
    public static final int NR_ENTRIES = 16;
    public static final int MAX_ENTRIES = 20;
    public static final int VALUE_SIZE = 24;
    public static final int PADDING = 28;
    /** Start of the key array (and size of the header). */
    public static final int KEYS = 32;

    /** {@code flags} of an internal node. */
    public static final int INTERNAL_NODE = 1;
    /** {@code flags} of a leaf. */
    public static final int LEAF_NODE = 2;

    /** Bytes of one key. */
    public static final int KEY_SIZE = 8;
    /** value_size of every internal node (a u64 child block number). */
    public static final int INTERNAL_VALUE_SIZE = 8;
    /** max_entries of every internal node. */
    public static final int INTERNAL_MAX_ENTRIES = calcMaxEntries(INTERNAL_VALUE_SIZE);

    private NodeHeader() {
    }

    /** The kernel's {@code calc_max_entries}: the capacity of a node whose values take {@code valueSize} bytes. */
    public static int calcMaxEntries(int valueSize) {
        if (valueSize <= 0 || valueSize > MetadataBlock.SIZE - KEYS - KEY_SIZE) {
            throw new IllegalArgumentException("value size " + valueSize + " does not fit a btree node");
        }
        int fits = (MetadataBlock.SIZE - KEYS) / (KEY_SIZE + valueSize);
        return 3 * (fits / 3);
    }

    /** Where the value array starts in a node of capacity {@code maxEntries}. */
    public static int valuesStart(int maxEntries) {
        return KEYS + KEY_SIZE * maxEntries;
    }

    public static int flags(ReadBlock b) {
        return b.getInt(FLAGS);
    }

    public static boolean isLeaf(ReadBlock b) {
        return b.getInt(FLAGS) == LEAF_NODE;
    }

    public static int nrEntries(ReadBlock b) {
        return b.getInt(NR_ENTRIES);
    }

    public static int maxEntries(ReadBlock b) {
        return b.getInt(MAX_ENTRIES);
    }

    public static int valueSize(ReadBlock b) {
        return b.getInt(VALUE_SIZE);
    }

    /**
     * Writes a fresh header: {@code flags}, zero entries, the computed capacity, {@code valueSize}
     * and zero padding. Checksum and blocknr are sealed by the BlockManager on write.
     */
    public static void init(WriteBlock b, boolean leaf, int valueSize) {
        b.putInt(FLAGS, leaf ? LEAF_NODE : INTERNAL_NODE);
        b.putInt(NR_ENTRIES, 0);
        b.putInt(MAX_ENTRIES, calcMaxEntries(valueSize));
        b.putInt(VALUE_SIZE, valueSize);
        b.putInt(PADDING, 0);
    }

    static void nrEntries(WriteBlock b, int n) {
        b.putInt(NR_ENTRIES, n);
    }

    /**
     * Checks the header of a node read from a tree whose leaves hold {@code leafValueSize}-byte
     * values; returns true for a leaf, false for an internal node.
     *
     * @throws CorruptMetadataException naming the block and the field that is wrong
     */
    public static boolean validate(ReadBlock b, int leafValueSize) {
        int flags = b.getInt(FLAGS);
        boolean leaf;
        int expectedValueSize;
        if (flags == LEAF_NODE) {
            leaf = true;
            expectedValueSize = leafValueSize;
        } else if (flags == INTERNAL_NODE) {
            leaf = false;
            expectedValueSize = INTERNAL_VALUE_SIZE;
        } else {
            throw corrupt(b, String.format("flags 0x%x are neither INTERNAL (1) nor LEAF (2)", flags));
        }
        int valueSize = b.getInt(VALUE_SIZE);
        if (valueSize != expectedValueSize) {
            throw corrupt(b, "value size mismatch: " + (leaf ? "leaf" : "internal node") + " has value_size "
                    + Integer.toUnsignedString(valueSize) + ", expected " + expectedValueSize);
        }
        int max = b.getInt(MAX_ENTRIES);
        int expectedMax = calcMaxEntries(valueSize);
        if (max != expectedMax) {
            throw corrupt(b, "max_entries " + Integer.toUnsignedString(max) + " should be " + expectedMax
                    + " for value_size " + valueSize);
        }
        int n = b.getInt(NR_ENTRIES);
        if (Integer.compareUnsigned(n, max) > 0) {
            throw corrupt(b, "nr_entries " + Integer.toUnsignedString(n) + " exceeds max_entries " + max);
        }
        if (!leaf && n == 0) {
            throw corrupt(b, "internal node has no entries");
        }
        return leaf;
    }

    static CorruptMetadataException corrupt(ReadBlock b, String what) {
        return new CorruptMetadataException(BlockType.BTREE_NODE, b.location(), what);
    }
}
