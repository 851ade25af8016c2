package io.jthin.engine.tools;

import java.io.IOException;

/**
 * A thin XML document that cannot be accepted: malformed XML, an element in the wrong place, a
 * missing or unparsable attribute, a duplicate device, or a visitor's rejection. Owns the
 * location (source, line, column; 0 when unknown) and the reason, whose wording follows 0.9.0
 * {@code thin_restore} where that tool says anything ("unknown tag type", "not in device",
 * "Device already exists", "could not find attribute: X", "missing superblock", "bad lexical
 * cast").
 */
public final class ThinXmlException extends IOException {

    private static final long serialVersionUID = 1L;

    private final String source;
    private final int line;
    private final int column;
    private final String reason;

    public ThinXmlException(String source, int line, int column, String reason, Throwable cause) {
        super(describe(source, line, column, reason), cause);
        this.source = source;
        this.line = line;
        this.column = column;
        this.reason = reason;
    }

    /** For visitors: refuse an event; the reader adds where the offending element is. */
    public static ThinXmlException rejected(String reason) {
        return new ThinXmlException(null, 0, 0, reason, null);
    }

    /** This rejection placed at a location in a document, unless it already has one. */
    ThinXmlException at(String where, int atLine, int atColumn) {
        return line > 0 ? this : new ThinXmlException(where, atLine, atColumn, reason, this);
    }

    /** The document's name, or {@code null}. */
    public String source() {
        return source;
    }

    /** 1-based line of the offending element, 0 when unknown. */
    public int line() {
        return line;
    }

    /** 1-based column just after the offending start tag, 0 when unknown. */
    public int column() {
        return column;
    }

    /** What is wrong, without the location. */
    public String reason() {
        return reason;
    }

    private static String describe(String source, int line, int column, String reason) {
        StringBuilder s = new StringBuilder();
        if (source != null) {
            s.append(source).append(": ");
        }
        if (line > 0) {
            s.append("line ").append(line);
            if (column > 0) {
                s.append(", column ").append(column);
            }
            s.append(": ");
        }
        return s.append(reason).toString();
    }
}
