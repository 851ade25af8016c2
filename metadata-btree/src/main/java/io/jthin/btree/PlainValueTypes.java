package io.jthin.btree;

/**
 * The value types that hold plain numbers and refer to nothing: {@link ValueType#u64()} and
 * {@link ValueType#u32()}. Stateless singletons; inc and dec do nothing.
 */
final class PlainValueTypes {
    private PlainValueTypes() {
    }

    static final ValueType<Long> U64 = new ValueType<>() {
        @Override
        public int size() {
            return 8;
        }

        @Override
        public Long read(ReadBlock b, int offset) {
            return b.getLong(offset);
        }

        @Override
        public void write(WriteBlock b, int offset, Long value) {
            b.putLong(offset, value);
        }

        @Override
        public String toString() {
            return "u64";
        }
    };

    static final ValueType<Integer> U32 = new ValueType<>() {
        @Override
        public int size() {
            return 4;
        }

        @Override
        public Integer read(ReadBlock b, int offset) {
            return b.getInt(offset);
        }

        @Override
        public void write(WriteBlock b, int offset, Integer value) {
            b.putInt(offset, value);
        }

        @Override
        public String toString() {
            return "u32";
        }
    };

    /** True for the types whose inc/dec do nothing, so copying a shared leaf needs no value reads. */
    static boolean refersToNothing(ValueType<?> vt) {
        return vt == U64 || vt == U32;
    }
}
