package io.jthin.engine.tools;

import io.jthin.btree.BlockType;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.function.Consumer;
import java.util.zip.CRC32C;

/**
 * Test helper: edits one 4 KiB metadata block of a file in place and re-seals its checksum
 * (dm-thin-format §2: {@code ~CRC32C(bytes 4..4095) XOR salt}), so a corruption is exactly the
 * one intended and not merely a bad checksum. Written independently of the block manager.
 */
final class BlockPatcher {
    static final int BLOCK = 4096;

    /** Superblock offsets (dm-thin-format §3.1). */
    static final int SB_MAGIC = 0x20;
    static final int SB_VERSION = 0x28;
    static final int SB_TIME = 0x2C;
    static final int SB_DATA_SM_ROOT = 0x40;
    static final int SB_METADATA_SM_ROOT = 0xC0;
    static final int SB_DATA_MAPPING_ROOT = 0x140;
    static final int SB_DEVICE_DETAILS_ROOT = 0x148;
    /** Space-map root fields (§5.2), relative to the slot. */
    static final int SMR_NR_ALLOCATED = 8;
    static final int SMR_BITMAP_ROOT = 16;
    /** B-tree node header (§4.1). */
    static final int NODE_FLAGS = 4;
    static final int NODE_NR_ENTRIES = 16;
    static final int NODE_MAX_ENTRIES = 20;
    static final int NODE_KEYS = 32;

    private BlockPatcher() {
    }

    static ByteBuffer read(Path file, long block) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(BLOCK).order(ByteOrder.LITTLE_ENDIAN);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            while (b.hasRemaining()) {
                if (ch.read(b, block * BLOCK + b.position()) < 0) {
                    break;
                }
            }
        }
        return b.clear();
    }

    /** Applies {@code change} to block {@code block}, re-seals it with {@code type}'s salt (unless null) and writes it back. */
    static void patch(Path file, long block, BlockType type, Consumer<ByteBuffer> change) throws IOException {
        ByteBuffer b = read(file, block);
        change.accept(b);
        if (type != null) {
            CRC32C crc = new CRC32C();
            crc.update(b.array(), 4, BLOCK - 4);
            b.putInt(0, ~(int) crc.getValue() ^ type.salt());
        }
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            b.clear();
            while (b.hasRemaining()) {
                ch.write(b, block * BLOCK + b.position());
            }
        }
    }

    /** Offset of value {@code i} in a node (values follow max_entries keys). */
    static int valueOffset(ByteBuffer node, int i, int valueSize) {
        return NODE_KEYS + 8 * node.getInt(NODE_MAX_ENTRIES) + valueSize * i;
    }
}
