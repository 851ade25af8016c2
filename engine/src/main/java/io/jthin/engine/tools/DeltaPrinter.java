package io.jthin.engine.tools;

import java.io.Closeable;
import java.io.Flushable;
import java.io.IOException;

/**
 * How {@link ThinDeltaWriter} prints the ranges it has grouped: thin_delta's XML
 * ({@link XmlDeltaPrinter}) or JSON ({@link JsonDeltaPrinter}).
 *
 * <p>Contract (ThinDeltaWriter keeps it): {@code superblock}, optionally
 * {@code beginDiff range* endDiff}, then {@code endSuperblock}; ranges come in increasing virtual
 * block order, each of length at least 1. A range's data blocks: {@code leftData} for
 * {@link ThinDeltaWriter.Kind#LEFT_ONLY LEFT_ONLY} and {@code SAME}, {@code rightData} for
 * {@code RIGHT_ONLY}, both for {@code DIFFERENT}; plain (not verbose) output ignores them.
 */
interface DeltaPrinter extends Flushable, Closeable {

    void superblock(ThinXml.Superblock sb) throws IOException;

    void beginDiff(long leftDevId, long rightDevId) throws IOException;

    void range(ThinDeltaWriter.Kind kind, long begin, long length, long leftData, long rightData) throws IOException;

    void endDiff() throws IOException;

    /** Ends the document and flushes it. */
    void endSuperblock() throws IOException;
}
