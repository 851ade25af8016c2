package io.jthin.engine.tools;

import java.io.IOException;
import java.io.Writer;

/**
 * thin_dump 0.9.0's XML, byte for byte (dm-thin-format §8.1): no XML declaration, two-space
 * indentation, attributes in the fixed order, {@code \n} line ends, an empty device's open and
 * close tags on two lines; a run of one block prints as {@code <single_mapping>}, longer ones as
 * {@code <range_mapping>}. Not thread-safe.
 */
final class XmlDumpPrinter extends TextPrinter implements DumpPrinter {

    XmlDumpPrinter(Writer out) {
        super(out);
    }

    @Override
    public void superblock(ThinXml.Superblock sb) throws IOException {
        out.raw("<superblock")
                .attribute("uuid", sb.uuid())
                .attribute("time", sb.time())
                .attribute("transaction", sb.transaction())
                .attribute("flags", sb.flags())
                .attribute("version", sb.version())
                .attribute("data_block_size", sb.dataBlockSize())
                .attribute("nr_data_blocks", sb.nrDataBlocks());
        if (sb.metadataSnap().isPresent()) {
            out.attribute("metadata_snap", sb.metadataSnap().getAsLong());
        }
        out.raw('>').newline();
    }

    @Override
    public void beginDevice(ThinXml.Device device, boolean withMappings) throws IOException {
        out.indent(1).raw("<device")
                .attribute("dev_id", device.devId())
                .attribute("mapped_blocks", device.mappedBlocks())
                .attribute("transaction", device.transaction())
                .attribute("creation_time", device.creationTime())
                .attribute("snap_time", device.snapTime())
                .raw('>').newline();
    }

    @Override
    public void run(long originBegin, long dataBegin, long length, long time) throws IOException {
        if (length == 1) {
            out.indent(2).raw("<single_mapping")
                    .attribute("origin_block", originBegin)
                    .attribute("data_block", dataBegin)
                    .attribute("time", time);
        } else {
            out.indent(2).raw("<range_mapping")
                    .attribute("origin_begin", originBegin)
                    .attribute("data_begin", dataBegin)
                    .attribute("length", length)
                    .attribute("time", time);
        }
        out.raw("/>").newline();
    }

    @Override
    public void endDevice() throws IOException {
        out.indent(1).raw("</device>").newline();
    }

    @Override
    public void endSuperblock() throws IOException {
        out.raw("</superblock>").newline();
        out.flush();
    }
}
