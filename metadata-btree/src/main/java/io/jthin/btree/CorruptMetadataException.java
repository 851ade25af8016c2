package io.jthin.btree;

import io.jthin.loopfile.StorageException;

/**
 * Metadata that cannot be right: a block whose structure breaks the format (bad node flags, a
 * value size the tree does not use, keys out of order…). Names the block type and number. The
 * checksum failures of {@link ChecksumException} are the most common member of this family.
 */
public class CorruptMetadataException extends StorageException {
    private static final long serialVersionUID = 1L;
    private final BlockType blockType;
    private final long blockNr;

    public CorruptMetadataException(BlockType blockType, long blockNr, String what) {
        super(what.startsWith(blockType.displayName()) ? what + " (metadata block " + blockNr + ")"
                : blockType + " at metadata block " + blockNr + ": " + what);
        this.blockType = blockType;
        this.blockNr = blockNr;
    }

    /** For subclasses that format their own message. */
    protected CorruptMetadataException(String message, BlockType blockType, long blockNr) {
        super(message);
        this.blockType = blockType;
        this.blockNr = blockNr;
    }

    public BlockType blockType() {
        return blockType;
    }

    public long blockNr() {
        return blockNr;
    }
}
