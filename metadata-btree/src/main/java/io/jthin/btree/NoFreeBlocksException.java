package io.jthin.btree;

import io.jthin.loopfile.StorageException;

/** A space map has no block left to hand out. Subclasses say which device ran out. */
public class NoFreeBlocksException extends StorageException {
    private static final long serialVersionUID = 1L;

    public NoFreeBlocksException(String message) {
        super(message);
    }
}
