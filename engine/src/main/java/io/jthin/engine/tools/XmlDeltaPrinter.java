package io.jthin.engine.tools;

import java.io.IOException;
import java.io.Writer;
import java.util.OptionalLong;

/**
 * thin_delta 0.9.0's XML (dm-thin-format §8.2). Plain: one {@code <same begin length/>} (or
 * {@code different}, {@code left_only}, {@code right_only}) element a range. Verbose: each range
 * as {@code <range begin data_begin length/>} ({@code different}:
 * {@code <range begin left_data_begin right_data_begin length/>}) inside a group element of its
 * kind, opened anew whenever the kind changes, even across a gap. Not thread-safe.
 */
final class XmlDeltaPrinter extends TextPrinter implements DeltaPrinter {
    private final boolean verbose;
    /** Verbose: the open group, null when none. */
    private ThinDeltaWriter.Kind openGroup;

    XmlDeltaPrinter(Writer out, boolean verbose) {
        super(out);
        this.verbose = verbose;
    }

    /**
     * {@code <superblock uuid time transaction data_block_size nr_data_blocks [metadata_snap]>}:
     * thin_delta prints no flags or version, always {@code uuid=""}, and the held metadata root
     * when the superblock has one.
     */
    @Override
    public void superblock(ThinXml.Superblock sb) throws IOException {
        out.raw("<superblock")
                .attribute("uuid", sb.uuid())
                .attribute("time", sb.time())
                .attribute("transaction", sb.transaction())
                .attribute("data_block_size", sb.dataBlockSize())
                .attribute("nr_data_blocks", sb.nrDataBlocks());
        OptionalLong snap = sb.metadataSnap();
        if (snap.isPresent()) {
            out.attribute("metadata_snap", snap.getAsLong());
        }
        out.raw('>').newline();
    }

    @Override
    public void beginDiff(long leftDevId, long rightDevId) throws IOException {
        out.indent(1).raw("<diff").attribute("left", leftDevId).attribute("right", rightDevId)
                .raw('>').newline();
        openGroup = null;
    }

    @Override
    public void range(ThinDeltaWriter.Kind kind, long begin, long length, long leftData, long rightData)
            throws IOException {
        if (!verbose) {
            out.indent(2).raw('<').raw(kind.tag).attribute("begin", begin).attribute("length", length)
                    .raw("/>").newline();
            return;
        }
        if (openGroup != kind) {
            closeGroup();
            out.indent(2).raw('<').raw(kind.tag).raw('>').newline();
            openGroup = kind;
        }
        out.indent(3).raw("<range").attribute("begin", begin);
        switch (kind) {
            case LEFT_ONLY, SAME -> out.attribute("data_begin", leftData);
            case RIGHT_ONLY -> out.attribute("data_begin", rightData);
            case DIFFERENT -> out.attribute("left_data_begin", leftData).attribute("right_data_begin", rightData);
        }
        out.attribute("length", length).raw("/>").newline();
    }

    @Override
    public void endDiff() throws IOException {
        closeGroup();
        out.indent(1).raw("</diff>").newline();
    }

    @Override
    public void endSuperblock() throws IOException {
        out.raw("</superblock>").newline();
        out.flush();
    }

    private void closeGroup() throws IOException {
        if (openGroup != null) {
            out.indent(2).raw("</").raw(openGroup.tag).raw('>').newline();
            openGroup = null;
        }
    }
}
