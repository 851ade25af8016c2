package io.jthin.engine.tools;

import java.io.IOException;
import java.io.Writer;

/**
 * A delta as one line of JSON, streamed, with thin_delta's names and values:
 * {@code {"superblock": {uuid, time, transaction, data_block_size, nr_data_blocks[, metadata_snap]},
 * "diff": {"left": A, "right": B, "ranges": [{"kind": "same"|"different"|"left_only"|"right_only",
 * "begin", "length"}]}}}; verbose ranges also carry their data blocks, named as in the XML
 * ({@code data_begin}, or {@code left_data_begin} and {@code right_data_begin} for
 * {@code different}). Numbers are unsigned. Not thread-safe.
 */
final class JsonDeltaPrinter extends JsonPrinter implements DeltaPrinter {
    private final boolean verbose;

    JsonDeltaPrinter(Writer out, boolean verbose) {
        super(out);
        this.verbose = verbose;
    }

    @Override
    public void superblock(ThinXml.Superblock sb) throws IOException {
        json.beginObject();
        superblock(sb, false);
    }

    @Override
    public void beginDiff(long leftDevId, long rightDevId) throws IOException {
        json.name("diff").beginObject();
        number("left", leftDevId);
        number("right", rightDevId);
        json.name("ranges").beginArray();
    }

    @Override
    public void range(ThinDeltaWriter.Kind kind, long begin, long length, long leftData, long rightData)
            throws IOException {
        json.beginObject().name("kind").value(kind.tag);
        number("begin", begin);
        if (verbose) {
            switch (kind) {
                case LEFT_ONLY, SAME -> number("data_begin", leftData);
                case RIGHT_ONLY -> number("data_begin", rightData);
                case DIFFERENT -> {
                    number("left_data_begin", leftData);
                    number("right_data_begin", rightData);
                }
            }
        }
        number("length", length);
        json.endObject();
    }

    @Override
    public void endDiff() throws IOException {
        json.endArray().endObject();
    }

    @Override
    public void endSuperblock() throws IOException {
        json.endObject();
        endLine();
    }
}
