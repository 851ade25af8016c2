package io.jthin.engine.tools;

import com.google.gson.stream.JsonWriter;
import java.io.IOException;
import java.io.Writer;

/**
 * A dump as one line of JSON, streamed (a pool of any size in constant memory), with thin_dump's
 * names and values: {@code {"superblock": {uuid, time, transaction, flags, version,
 * data_block_size, nr_data_blocks[, metadata_snap]}, "devices": [{dev_id, mapped_blocks,
 * transaction, creation_time, snap_time, "mappings": [{origin_begin, data_begin, length, time}]}]}}.
 * Every run is an object with its length (a single mapping has length 1); {@code mappings} is
 * absent when they were skipped. Numbers are unsigned. Not thread-safe.
 */
final class JsonDumpPrinter implements DumpPrinter {
    private final Writer out;
    private final JsonWriter json;
    private boolean deviceHasMappings;

    JsonDumpPrinter(Writer out) {
        this.out = out;
        this.json = ThinJson.writer(out);
    }

    @Override
    public void superblock(ThinXml.Superblock sb) throws IOException {
        json.beginObject();
        ThinJson.superblock(json, sb, true);
        json.name("devices").beginArray();
    }

    @Override
    public void beginDevice(ThinXml.Device device, boolean withMappings) throws IOException {
        json.beginObject();
        ThinJson.number(json, "dev_id", device.devId());
        ThinJson.number(json, "mapped_blocks", device.mappedBlocks());
        ThinJson.number(json, "transaction", device.transaction());
        ThinJson.number(json, "creation_time", device.creationTime());
        ThinJson.number(json, "snap_time", device.snapTime());
        deviceHasMappings = withMappings;
        if (withMappings) {
            json.name("mappings").beginArray();
        }
    }

    @Override
    public void run(long originBegin, long dataBegin, long length, long time) throws IOException {
        json.beginObject();
        ThinJson.number(json, "origin_begin", originBegin);
        ThinJson.number(json, "data_begin", dataBegin);
        ThinJson.number(json, "length", length);
        ThinJson.number(json, "time", time);
        json.endObject();
    }

    @Override
    public void endDevice() throws IOException {
        if (deviceHasMappings) {
            json.endArray();
        }
        json.endObject();
    }

    @Override
    public void endSuperblock() throws IOException {
        json.endArray().endObject();
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
