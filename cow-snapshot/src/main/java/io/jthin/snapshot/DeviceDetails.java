package io.jthin.snapshot;

import io.jthin.btree.ReadBlock;
import io.jthin.btree.ValueType;
import io.jthin.btree.WriteBlock;

/**
 * A thin device's record in the device-details tree (dm-thin-format §4.4), 24 bytes:
 *
 * <pre>
 * | offset | type | field            |
 * |--------|------|------------------|
 * | 0      | u64  | mapped_blocks    |
 * | 8      | u64  | transaction_id   |
 * | 16     | u32  | creation_time    |
 * | 20     | u32  | snapshotted_time |
 * </pre>
 */
public record DeviceDetails(long mappedBlocks, long transactionId, long creationTime, long snapshottedTime) {
    static final int MAPPED_BLOCKS = 0;
    static final int TRANSACTION_ID = 8;
    static final int CREATION_TIME = 16;
    static final int SNAPSHOTTED_TIME = 20;
    public static final int SIZE = 24;

    /** The B-tree value type of the details tree: plain values, no references. */
    public static final ValueType<DeviceDetails> VALUE_TYPE = new ValueType<>() {
        @Override
        public int size() {
            return SIZE;
        }

        @Override
        public DeviceDetails read(ReadBlock b, int off) {
            return new DeviceDetails(b.getLong(off + MAPPED_BLOCKS), b.getLong(off + TRANSACTION_ID),
                    b.getUnsignedInt(off + CREATION_TIME), b.getUnsignedInt(off + SNAPSHOTTED_TIME));
        }

        @Override
        public void write(WriteBlock b, int off, DeviceDetails d) {
            b.putLong(off + MAPPED_BLOCKS, d.mappedBlocks);
            b.putLong(off + TRANSACTION_ID, d.transactionId);
            b.putInt(off + CREATION_TIME, (int) d.creationTime);
            b.putInt(off + SNAPSHOTTED_TIME, (int) d.snapshottedTime);
        }
    };

    public DeviceDetails withMappedBlocks(long n) {
        return new DeviceDetails(n, transactionId, creationTime, snapshottedTime);
    }

    public DeviceDetails withSnapshottedTime(long t) {
        return new DeviceDetails(mappedBlocks, transactionId, creationTime, t);
    }
}
