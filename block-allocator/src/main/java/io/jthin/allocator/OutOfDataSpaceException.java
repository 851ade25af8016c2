package io.jthin.allocator;

import io.jthin.btree.NoFreeBlocksException;

/**
 * The data device has no data block left that may be handed out in this transaction: every block
 * is in use, or was freed in this transaction and becomes reusable only after the next commit.
 */
public final class OutOfDataSpaceException extends NoFreeBlocksException {
    private static final long serialVersionUID = 1L;

    public OutOfDataSpaceException(long nrBlocks, long freedThisTransaction) {
        super("out of data space: no free data block among " + nrBlocks
                + (freedThisTransaction > 0 ? " (" + freedThisTransaction
                        + " freed in this transaction become usable after the next commit)" : "")
                + " (grow the data file)");
    }
}
