package io.jthin.btree;

import java.util.Arrays;
import java.util.zip.CRC32C;
import net.openhft.chronicle.bytes.BytesStore;

/**
 * The block buffer the {@link BlockManager} hands out: 4096 bytes on the heap, encoded and decoded
 * little-endian through Chronicle Bytes (the one place in jthin that does so). It remembers the
 * {@link BlockType} it was last validated or sealed as.
 *
 * <p>Not thread-safe for writes: the transaction manager gives a writable block to one writer.
 * Clean blocks (in the cache) are never written, so concurrent reads are safe.
 */
public final class MetadataBlock implements WriteBlock {
    /** Bytes in one metadata block. */
    public static final int SIZE = 4096;
    /** Every block type keeps its checksum in the first 4 bytes. */
    static final int CSUM_OFFSET = 0;
    /** Every block type keeps its own location at byte 8. */
    static final int BLOCKNR_OFFSET = 8;

    private final byte[] data;
    private final BytesStore<?, byte[]> bytes;
    private long location;
    private BlockType type;

    MetadataBlock(long location, byte[] data, BlockType type) {
        if (data.length != SIZE) {
            throw new IllegalArgumentException("metadata block must be " + SIZE + " bytes, got " + data.length);
        }
        this.location = location;
        this.data = data;
        this.bytes = BytesStore.wrap(data);
        this.type = type;
    }

    /**
     * A buffer for {@link BlockManager#readOnce(long, BlockType, MetadataBlock)}: a walk that visits
     * each block once reads into a few of these rather than allocating 4 KiB per block.
     */
    public static MetadataBlock scratch() {
        return new MetadataBlock(-1, new byte[SIZE], null);
    }

    /**
     * Starts Chronicle Bytes' one-time set-up on a daemon thread, for a short-lived process to call
     * first thing: the first buffer wrapped initialises Chronicle's {@code Jvm} class (system
     * properties, management beans, a thread dump, reflective version probes: ~30 ms, more than a
     * {@code check} of a small pool takes), which can run on another core while the process parses
     * its command line and opens its files. The first block then waits at most for what is left.
     *
     * <p>The caller joins the returned thread before the process exits: Chronicle's set-up registers
     * shutdown hooks, and a command done before it (--version, a usage error) otherwise exits in the
     * middle of it — the registration then fails and two threads print stack traces.
     */
    public static Thread prepareInBackground() {
        return Thread.ofPlatform().daemon().name("jthin-chronicle-init").start(MetadataBlock::scratch);
    }

    /** Makes this (scratch) block stand for block {@code nr}, type not yet validated, before its bytes are read in. */
    void reuseAt(long nr) {
        this.location = nr;
        this.type = null;
    }

    static MetadataBlock zeroed(long location, BlockType type) {
        return new MetadataBlock(location, new byte[SIZE], type);
    }

    MetadataBlock copyAt(long newLocation, BlockType newType) {
        return new MetadataBlock(newLocation, Arrays.copyOf(data, SIZE), newType);
    }

    byte[] array() {
        return data;
    }

    BlockType type() {
        return type;
    }

    void type(BlockType t) {
        this.type = t;
    }

    @Override
    public long location() {
        return location;
    }

    @Override
    public long getLong(int offset) {
        return bytes.readLong(offset);
    }

    @Override
    public int getInt(int offset) {
        return bytes.readInt(offset);
    }

    @Override
    public void getBytes(int offset, byte[] dst, int dstOffset, int length) {
        System.arraycopy(data, offset, dst, dstOffset, length);
    }

    @Override
    public void putLong(int offset, long value) {
        bytes.writeLong(offset, value);
    }

    @Override
    public void putInt(int offset, int value) {
        bytes.writeInt(offset, value);
    }

    @Override
    public void putBytes(int offset, byte[] src, int srcOffset, int length) {
        System.arraycopy(src, srcOffset, data, offset, length);
    }

    @Override
    public void move(int from, int to, int length) {
        if (length > 0) {
            bytes.move(from, to, length);
        }
    }

    @Override
    public void copyFrom(ReadBlock src, int srcOffset, int dstOffset, int length) {
        if (src instanceof MetadataBlock m) {
            System.arraycopy(m.data, srcOffset, data, dstOffset, length);
        } else {
            src.getBytes(srcOffset, data, dstOffset, length);
        }
    }

    @Override
    public void zero(int offset, int length) {
        Arrays.fill(data, offset, offset + length, (byte) 0);
    }

    /** True when every byte is zero (an unformatted superblock, a never-written block). */
    boolean isAllZero() {
        for (byte b : data) {
            if (b != 0) {
                return false;
            }
        }
        return true;
    }

    /** The checksum the format stores: ~CRC32C(bytes 4..4095) XOR salt (dm-thin-format §2). */
    int computeChecksum(BlockType t) {
        CRC32C crc = new CRC32C();
        crc.update(data, 4, SIZE - 4);
        return (int) ~crc.getValue() ^ t.salt();
    }

    /** Fills in block number and checksum for {@code t}, just before the block is written. */
    void seal(BlockType t) {
        putLong(BLOCKNR_OFFSET, location);
        putInt(CSUM_OFFSET, computeChecksum(t));
        type = t;
    }

    /** Checks checksum and block number against {@code t}; throws {@link ChecksumException} naming both. */
    void verify(BlockType t) {
        int stored = getInt(CSUM_OFFSET);
        int expected = computeChecksum(t);
        if (stored != expected) {
            throw ChecksumException.badChecksum(t, location, expected, stored);
        }
        long nr = getLong(BLOCKNR_OFFSET);
        if (nr != location) {
            throw ChecksumException.badBlockNr(t, location, nr);
        }
        type = t;
    }
}
