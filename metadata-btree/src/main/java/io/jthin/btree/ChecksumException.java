package io.jthin.btree;

/**
 * A metadata block failed validation: its checksum or its self-recorded block number is wrong.
 * Names the block type, the block number, and the expected and found values. Raised instead of
 * ever returning the block's contents.
 */
public final class ChecksumException extends CorruptMetadataException {
    private static final long serialVersionUID = 1L;
    private final long expected;
    private final long found;

    private ChecksumException(String message, BlockType blockType, long blockNr, long expected, long found) {
        super(message, blockType, blockNr);
        this.expected = expected;
        this.found = found;
    }

    static ChecksumException badChecksum(BlockType type, long blockNr, int expected, int found) {
        return new ChecksumException(
                String.format("bad checksum in %s at metadata block %d: expected 0x%08x, found 0x%08x",
                        type, blockNr, expected, found),
                type, blockNr, expected & 0xFFFF_FFFFL, found & 0xFFFF_FFFFL);
    }

    static ChecksumException badBlockNr(BlockType type, long blockNr, long found) {
        return new ChecksumException(
                String.format("bad block number in %s at metadata block %d: the block says it is block %d",
                        type, blockNr, found),
                type, blockNr, blockNr, found);
    }

    public long expected() {
        return expected;
    }

    public long found() {
        return found;
    }
}
