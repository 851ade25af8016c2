package io.jthin.engine.tools;

import com.google.gson.stream.JsonWriter;
import java.io.IOException;
import java.io.Writer;

/**
 * What the JSON forms of the metadata tools ({@link JsonDumpPrinter}, {@link JsonDeltaPrinter})
 * write alike: the metadata's u32/u64 fields, held in Java longs, as unsigned numbers; the
 * superblock object, with the XML's attribute names; the end of a one-line document. Stateless.
 */
final class ThinJson {
    private ThinJson() {
    }

    /** {@code "name": value}, {@code value} read as unsigned. */
    static void number(JsonWriter json, String name, long value) throws IOException {
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
    static void superblock(JsonWriter json, ThinXml.Superblock sb, boolean flagsAndVersion) throws IOException {
        json.name("superblock").beginObject();
        json.name("uuid").value(sb.uuid());
        number(json, "time", sb.time());
        number(json, "transaction", sb.transaction());
        if (flagsAndVersion) {
            number(json, "flags", sb.flags());
            number(json, "version", sb.version());
        }
        number(json, "data_block_size", sb.dataBlockSize());
        number(json, "nr_data_blocks", sb.nrDataBlocks());
        if (sb.metadataSnap().isPresent()) {
            number(json, "metadata_snap", sb.metadataSnap().getAsLong());
        }
        json.endObject();
    }

    /** A new writer onto {@code out}, which leaves non-ASCII and HTML characters as they are. */
    static JsonWriter writer(Writer out) {
        JsonWriter json = new JsonWriter(out);
        json.setHtmlSafe(false);
        return json;
    }

    /** Ends the line after the completed document and flushes it all. */
    static void endLine(JsonWriter json, Writer out) throws IOException {
        json.flush();
        out.write('\n');
        out.flush();
    }
}
