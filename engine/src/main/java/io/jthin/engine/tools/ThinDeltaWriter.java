package io.jthin.engine.tools;

import java.io.Closeable;
import java.io.Flushable;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;

/**
 * Streams {@code thin_delta} 0.9.0's output (dm-thin-format §8.2), plain or {@code --verbose},
 * from a merged walk of two devices' mappings ("left" = {@code --thin1}, "right" = {@code --thin2}):
 * its XML ({@link XmlDeltaPrinter}) or the same ranges as JSON ({@link #json}, {@link JsonDeltaPrinter}).
 *
 * <p>Input: pieces in increasing virtual block order, each a virtual range mapped on the left
 * only, on the right only, or on both ({@link #leftOnly}, {@link #rightOnly}, {@link #both});
 * a per-block walk passes length 1, {@link #diff} derives the pieces from two run lists. Time
 * is ignored: "same" means the same data block.
 *
 * <p>Owns the grouping, which reproduces 0.9.0 whatever the input granularity: a range extends
 * the previous one when its kind is equal, it starts where the previous ended and, for each side
 * it has, its data block continues the previous (so boundaries are those of either device's
 * maximal runs, as thin_delta's run recorder makes them). Plain output merges adjacent ranges of
 * one kind regardless of data. Not thread-safe.
 */
public final class ThinDeltaWriter implements Flushable, Closeable {

    /** A range's kind; {@code tag} is its name in thin_delta's output. */
    enum Kind {
        LEFT_ONLY("left_only"), RIGHT_ONLY("right_only"), DIFFERENT("different"), SAME("same");

        final String tag;

        Kind(String tag) {
            this.tag = tag;
        }
    }

    private enum Position { BEFORE, SUPERBLOCK, DIFF, AFTER_DIFF, AFTER }

    private final DeltaPrinter out;
    private final boolean verbose;
    private Position position = Position.BEFORE;

    /** The range being grown (null when none). */
    private Kind kind;
    private long begin;
    private long length;
    private long leftData;
    private long rightData;
    private boolean anyRange;
    private long nextBegin;

    /** Writes thin_delta's XML to {@code out}. */
    public ThinDeltaWriter(Writer out, boolean verbose) {
        this(new XmlDeltaPrinter(out, verbose), verbose);
    }

    private ThinDeltaWriter(DeltaPrinter out, boolean verbose) {
        this.out = out;
        this.verbose = verbose;
    }

    /** Writes the delta to {@code out} as one line of JSON ({@link JsonDeltaPrinter} has the shape). */
    public static ThinDeltaWriter json(Writer out, boolean verbose) {
        return new ThinDeltaWriter(new JsonDeltaPrinter(out, verbose), verbose);
    }

    public ThinDeltaWriter(OutputStream out, boolean verbose) {
        this(new OutputStreamWriter(out, StandardCharsets.UTF_8), verbose);
    }

    /** The superblock: thin_delta prints no flags or version, and an empty uuid. */
    public void beginSuperblock(ThinXml.Superblock sb) throws IOException {
        expect(Position.BEFORE, "beginSuperblock");
        out.superblock(sb);
        position = Position.SUPERBLOCK;
    }

    /** The diff of the two device ids as given to {@code --thin1}/{@code --thin2}. */
    public void beginDiff(long leftDevId, long rightDevId) throws IOException {
        expect(Position.SUPERBLOCK, "beginDiff");
        out.beginDiff(leftDevId, rightDevId);
        position = Position.DIFF;
        kind = null;
        anyRange = false;
    }

    /** Virtual blocks {@code vbegin ..+length} are mapped on the left only, to {@code dataBegin..}. */
    public void leftOnly(long vbegin, long dataBegin, long length) throws IOException {
        piece(Kind.LEFT_ONLY, vbegin, length, dataBegin, 0);
    }

    /** Virtual blocks {@code vbegin ..+length} are mapped on the right only, to {@code dataBegin..}. */
    public void rightOnly(long vbegin, long dataBegin, long length) throws IOException {
        piece(Kind.RIGHT_ONLY, vbegin, length, 0, dataBegin);
    }

    /** Virtual blocks {@code vbegin ..+length} are mapped on both sides: same or different by data block. */
    public void both(long vbegin, long leftDataBegin, long rightDataBegin, long length) throws IOException {
        if (leftDataBegin == rightDataBegin) {
            piece(Kind.SAME, vbegin, length, leftDataBegin, rightDataBegin);
        } else {
            piece(Kind.DIFFERENT, vbegin, length, leftDataBegin, rightDataBegin);
        }
    }

    public void endDiff() throws IOException {
        expect(Position.DIFF, "endDiff");
        emit();
        out.endDiff();
        position = Position.AFTER_DIFF;
    }

    public void endSuperblock() throws IOException {
        if (position != Position.SUPERBLOCK && position != Position.AFTER_DIFF) {
            throw new IllegalStateException("endSuperblock at " + position);
        }
        position = Position.AFTER;
        out.endSuperblock();
    }

    /**
     * Writes the pieces of two devices' mapping runs, each sorted by virtual block and not
     * overlapping (times are ignored; runs need not be maximal): the body of a diff.
     */
    public void diff(Iterator<ThinXml.MappingRun> left, Iterator<ThinXml.MappingRun> right) throws IOException {
        ThinXml.MappingRun l = left.hasNext() ? left.next() : null;
        ThinXml.MappingRun r = right.hasNext() ? right.next() : null;
        long lDone = 0;
        long rDone = 0;
        while (l != null && r != null) {
            long lv = l.originBegin() + lDone;
            long lLen = l.length() - lDone;
            long rv = r.originBegin() + rDone;
            long rLen = r.length() - rDone;
            long step;
            if (Long.compareUnsigned(lv, rv) < 0) {
                step = Math.min(lLen, rv - lv);
                leftOnly(lv, l.dataBegin() + lDone, step);
                lDone += step;
            } else if (Long.compareUnsigned(rv, lv) < 0) {
                step = Math.min(rLen, lv - rv);
                rightOnly(rv, r.dataBegin() + rDone, step);
                rDone += step;
            } else {
                step = Math.min(lLen, rLen);
                both(lv, l.dataBegin() + lDone, r.dataBegin() + rDone, step);
                lDone += step;
                rDone += step;
            }
            if (lDone == l.length()) {
                l = left.hasNext() ? left.next() : null;
                lDone = 0;
            }
            if (rDone == r.length()) {
                r = right.hasNext() ? right.next() : null;
                rDone = 0;
            }
        }
        for (; l != null; l = left.hasNext() ? left.next() : null, lDone = 0) {
            leftOnly(l.originBegin() + lDone, l.dataBegin() + lDone, l.length() - lDone);
        }
        for (; r != null; r = right.hasNext() ? right.next() : null, rDone = 0) {
            rightOnly(r.originBegin() + rDone, r.dataBegin() + rDone, r.length() - rDone);
        }
    }

    @Override
    public void flush() throws IOException {
        out.flush();
    }

    @Override
    public void close() throws IOException {
        out.close();
    }

    private void piece(Kind k, long vbegin, long len, long lData, long rData) throws IOException {
        expect(Position.DIFF, k.tag);
        if (len == 0) {
            return;
        }
        if (anyRange && Long.compareUnsigned(vbegin, nextBegin) < 0) {
            throw new IllegalArgumentException("ranges out of order: virtual block "
                    + Long.toUnsignedString(vbegin) + " after " + Long.toUnsignedString(nextBegin - 1));
        }
        anyRange = true;
        nextBegin = vbegin + len;
        if (kind == k && vbegin == begin + length && (!verbose || continues(k, lData, rData))) {
            length += len;
            return;
        }
        emit();
        kind = k;
        begin = vbegin;
        length = len;
        leftData = lData;
        rightData = rData;
    }

    private boolean continues(Kind k, long lData, long rData) {
        boolean leftOk = k == Kind.RIGHT_ONLY || lData == leftData + length;
        boolean rightOk = k == Kind.LEFT_ONLY || rData == rightData + length;
        return leftOk && rightOk;
    }

    private void emit() throws IOException {
        if (kind == null) {
            return;
        }
        out.range(kind, begin, length, leftData, rightData);
        kind = null;
    }

    private void expect(Position wanted, String event) {
        if (position != wanted) {
            throw new IllegalStateException(event + " at " + position + ", expected " + wanted);
        }
    }
}
