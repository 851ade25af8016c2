package io.jthin.btree;

/**
 * How one tree encodes its leaf values, and what a value refers to (dm-btree's value type).
 *
 * <p>Reference rules the B-tree follows (dm-thin-format §4.6, §4.7, §6.2): a value inserted is a
 * reference the caller hands to the tree (the tree does not {@link #inc} it); the tree calls
 * {@link #inc} for every value of a shared leaf it copies (inc_children), and {@link #dec} for a
 * value it drops: one overwritten by a value that is not {@link #equal}, one removed, and every
 * value of a leaf released by {@link BTree#delete}. {@link #read} and {@link #write} must be exact
 * inverses over {@link #size()} bytes.
 *
 * @param <V> the Java type of a value
 */
public interface ValueType<V> {
    /** Bytes per value on disk (the leaves' value_size). */
    int size();

    V read(ReadBlock b, int offset);

    void write(WriteBlock b, int offset, V value);

    /** A new reference to what the value refers to (a shared leaf was copied). */
    default void inc(V value) {
    }

    /** A reference to what the value refers to was dropped. */
    default void dec(V value) {
    }

    default boolean equal(V a, V b) {
        return java.util.Objects.equals(a, b);
    }

    /** A plain 8-byte value that refers to nothing. */
    static ValueType<Long> u64() {
        return PlainValueTypes.U64;
    }

    /** A plain 4-byte value that refers to nothing (reference-count overflow trees). */
    static ValueType<Integer> u32() {
        return PlainValueTypes.U32;
    }
}
