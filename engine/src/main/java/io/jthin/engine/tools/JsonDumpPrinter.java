package io.jthin.engine.tools;

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
final class JsonDumpPrinter extends JsonPrinter implements DumpPrinter {
    private boolean deviceHasMappings;

    JsonDumpPrinter(Writer out) {
        super(out);
    }

    @Override
    public void superblock(ThinXml.Superblock sb) throws IOException {
        json.beginObject();
        superblock(sb, true);
        json.name("devices").beginArray();
    }

    @Override
    public void beginDevice(ThinXml.Device device, boolean withMappings) throws IOException {
        json.beginObject();
        number("dev_id", device.devId());
        number("mapped_blocks", device.mappedBlocks());
        number("transaction", device.transaction());
        number("creation_time", device.creationTime());
        number("snap_time", device.snapTime());
        deviceHasMappings = withMappings;
        if (withMappings) {
            json.name("mappings").beginArray();
        }
    }

    @Override
    public void run(long originBegin, long dataBegin, long length, long time) throws IOException {
        json.beginObject();
        number("origin_begin", originBegin);
        number("data_begin", dataBegin);
        number("length", length);
        number("time", time);
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
        endLine();
    }
}
