package io.jthin.engine.tools;

import com.google.gson.stream.JsonWriter;
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
final class JsonDeltaPrinter implements DeltaPrinter {
    private final Writer out;
    private final JsonWriter json;
    private final boolean verbose;

    JsonDeltaPrinter(Writer out, boolean verbose) {
        this.out = out;
        this.json = ThinJson.writer(out);
        this.verbose = verbose;
    }

    @Override
    public void superblock(ThinXml.Superblock sb) throws IOException {
        json.beginObject();
        ThinJson.superblock(json, sb, false);
    }

    @Override
    public void beginDiff(long leftDevId, long rightDevId) throws IOException {
        json.name("diff").beginObject();
        ThinJson.number(json, "left", leftDevId);
        ThinJson.number(json, "right", rightDevId);
        json.name("ranges").beginArray();
    }

    @Override
    public void range(ThinDeltaWriter.Kind kind, long begin, long length, long leftData, long rightData)
            throws IOException {
        json.beginObject().name("kind").value(kind.tag);
        ThinJson.number(json, "begin", begin);
        if (verbose) {
            switch (kind) {
                case LEFT_ONLY, SAME -> ThinJson.number(json, "data_begin", leftData);
                case RIGHT_ONLY -> ThinJson.number(json, "data_begin", rightData);
                case DIFFERENT -> {
                    ThinJson.number(json, "left_data_begin", leftData);
                    ThinJson.number(json, "right_data_begin", rightData);
                }
            }
        }
        ThinJson.number(json, "length", length);
        json.endObject();
    }

    @Override
    public void endDiff() throws IOException {
        json.endArray().endObject();
    }

    @Override
    public void endSuperblock() throws IOException {
        json.endObject();
        ThinJson.endLine(json, out);
    }

    @Override
    public void flush() throws IOException {
        json.flush();
    }

    /** Closes the writer, finished or not (JsonWriter's own close refuses an unfinished document). */
    @Override
    public void close() throws IOException {
        json.flush();
        out.close();
    }
}
