package io.jthin.btree;

/** The metadata device has no free 4 KiB block left for this transaction. */
public final class OutOfMetadataSpaceException extends NoFreeBlocksException {
    private static final long serialVersionUID = 1L;

    public OutOfMetadataSpaceException(long nrBlocks) {
        super("out of metadata space: all " + nrBlocks + " metadata blocks are in use (grow the metadata file)");
    }
}
