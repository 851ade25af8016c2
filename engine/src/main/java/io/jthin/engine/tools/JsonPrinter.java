package io.jthin.engine.tools;

import com.google.gson.stream.JsonWriter;
import java.io.Closeable;
import java.io.Flushable;
import java.io.IOException;
import java.io.Writer;

/**
 * The base of the JSON printers ({@link JsonDumpPrinter}, {@link JsonDeltaPrinter}): a streaming
 * writer onto the caller's {@link Writer} (non-ASCII and HTML characters left as they are), what
 * they write alike — the metadata's u32/u64 fields, held in Java longs, as unsigned numbers; the
 * superblock object with the XML's attribute names; the end of the one-line document — and flush
 * and close. Not thread-safe.
 */
abstract class JsonPrinter implements Flushable, Closeable {
    private final Writer out;
    protected final JsonWriter json;

    JsonPrinter(Writer out) {
        this.out = out;
        this.json = new JsonWriter(out);
        json.setHtmlSafe(false);
    }

    /** {@code "name": value}, {@code value} read as unsigned. */
    protected final void number(String name, long value) throws IOException {
        json.name(name);
        if (value >= 0) {
            json.value(value);
        } else {
            json.jsonValue(Long.toUnsignedString(value));
        }
    }

    /**
     * {@code "superblock": {uuid, time, transaction[, flags, version], data_block_size,
     * nr_data_blocks[, metadata_snap]}} inside the open object; flags and version only where the
     * tool's XML prints them (thin_dump does, thin_delta does not).
     */
    protected final void superblock(ThinXml.Superblock sb, boolean flagsAndVersion) throws IOException {
        json.name("superblock").beginObject();
        json.name("uuid").value(sb.uuid());
        number("time", sb.time());
        number("transaction", sb.transaction());
        if (flagsAndVersion) {
            number("flags", sb.flags());
            number("version", sb.version());
        }
        number("data_block_size", sb.dataBlockSize());
        number("nr_data_blocks", sb.nrDataBlocks());
        if (sb.metadataSnap().isPresent()) {
            number("metadata_snap", sb.metadataSnap().getAsLong());
        }
        json.endObject();
    }

    /** Ends the line after the completed document and flushes it all. */
    protected final void endLine() throws IOException {
        json.flush();
        out.write('\n');
        out.flush();
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
