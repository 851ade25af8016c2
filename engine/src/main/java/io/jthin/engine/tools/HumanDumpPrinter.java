package io.jthin.engine.tools;

import java.io.IOException;
import java.io.Writer;

/**
 * thin_dump 0.9.0's {@code --format human_readable}, byte for byte:
 * <pre>
 * begin superblock: "UUID", TIME, TRANSACTION, FLAGS, VERSION, DATA_BLOCK_SIZE, NR_DATA_BLOCKS
 * device: DEV_ID
 * mapped_blocks: N
 * transaction: N
 * creation time: N
 * snap time: N
 *     ORIGIN -> DATA, TIME                      (a single mapping)
 *     (ORIGIN..LAST) -> (DATA..LAST), TIME      (a run: first and last block, both included)
 *                                               (an empty line after each device)
 * end superblock
 * </pre>
 * The held metadata root, when there is one, ends the superblock line ({@code , ROOT}); the
 * uuid is printed as it is. Not thread-safe.
 */
final class HumanDumpPrinter extends TextPrinter implements DumpPrinter {

    HumanDumpPrinter(Writer out) {
        super(out);
    }

    @Override
    public void superblock(ThinXml.Superblock sb) throws IOException {
        out.raw("begin superblock: \"").raw(sb.uuid()).raw("\", ").unsigned(sb.time())
                .raw(", ").unsigned(sb.transaction())
                .raw(", ").unsigned(sb.flags())
                .raw(", ").unsigned(sb.version())
                .raw(", ").unsigned(sb.dataBlockSize())
                .raw(", ").unsigned(sb.nrDataBlocks());
        if (sb.metadataSnap().isPresent()) {
            out.raw(", ").unsigned(sb.metadataSnap().getAsLong());
        }
        out.newline();
    }

    @Override
    public void beginDevice(ThinXml.Device device, boolean withMappings) throws IOException {
        out.raw("device: ").unsigned(device.devId()).newline()
                .raw("mapped_blocks: ").unsigned(device.mappedBlocks()).newline()
                .raw("transaction: ").unsigned(device.transaction()).newline()
                .raw("creation time: ").unsigned(device.creationTime()).newline()
                .raw("snap time: ").unsigned(device.snapTime()).newline();
    }

    @Override
    public void run(long originBegin, long dataBegin, long length, long time) throws IOException {
        out.raw("    ");
        if (length == 1) {
            out.unsigned(originBegin).raw(" -> ").unsigned(dataBegin);
        } else {
            out.raw('(').unsigned(originBegin).raw("..").unsigned(originBegin + length - 1).raw(") -> (")
                    .unsigned(dataBegin).raw("..").unsigned(dataBegin + length - 1).raw(')');
        }
        out.raw(", ").unsigned(time).newline();
    }

    @Override
    public void endDevice() throws IOException {
        out.newline();
    }

    @Override
    public void endSuperblock() throws IOException {
        out.raw("end superblock").newline();
        out.flush();
    }
}
