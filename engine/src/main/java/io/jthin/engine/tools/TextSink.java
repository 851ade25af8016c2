package io.jthin.engine.tools;

import java.io.Closeable;
import java.io.Flushable;
import java.io.IOException;
import java.io.Writer;
import java.util.Objects;

/**
 * The fast text output under the tools' writers: a private char buffer in front of a
 * {@link Writer}, with unsigned decimal printing that allocates nothing (no String.format, no
 * Long.toString) so a million mappings cost a few tens of milliseconds. Owns two-space
 * indentation, {@code \n} line ends and XML attribute escaping. Not thread-safe.
 */
final class TextSink implements Flushable, Closeable {

    private static final int CAPACITY = 1 << 16;
    /** Longest unsigned 64-bit decimal: 18446744073709551615. */
    private static final int MAX_DIGITS = 20;

    private final Writer out;
    private final char[] buffer = new char[CAPACITY];
    private int used;

    TextSink(Writer out) {
        this.out = Objects.requireNonNull(out, "out");
    }

    /** Two spaces per level. */
    TextSink indent(int level) throws IOException {
        int n = 2 * level;
        reserve(n);
        for (int i = 0; i < n; i++) {
            buffer[used++] = ' ';
        }
        return this;
    }

    /** Text copied as is (callers pass literals that need no escaping). */
    TextSink raw(String text) throws IOException {
        int n = text.length();
        if (n > CAPACITY) {
            flushBuffer();
            out.write(text);
            return this;
        }
        reserve(n);
        text.getChars(0, n, buffer, used);
        used += n;
        return this;
    }

    TextSink raw(char c) throws IOException {
        reserve(1);
        buffer[used++] = c;
        return this;
    }

    TextSink newline() throws IOException {
        return raw('\n');
    }

    /** {@code value} as an unsigned 64-bit decimal. */
    TextSink unsigned(long value) throws IOException {
        reserve(MAX_DIGITS);
        if (value < 0) {
            String s = Long.toUnsignedString(value);
            s.getChars(0, s.length(), buffer, used);
            used += s.length();
            return this;
        }
        int digits = 1;
        for (long v = value; v >= 10; v /= 10) {
            digits++;
        }
        int p = used + digits;
        long v = value;
        do {
            buffer[--p] = (char) ('0' + (int) (v % 10));
            v /= 10;
        } while (v != 0);
        used += digits;
        return this;
    }

    /** {@code " name=\"value\""} with an unsigned decimal value. */
    TextSink attribute(String name, long value) throws IOException {
        return raw(' ').raw(name).raw("=\"").unsigned(value).raw('"');
    }

    /** {@code " name=\"text\""} with the text escaped for an XML attribute. */
    TextSink attribute(String name, String text) throws IOException {
        raw(' ').raw(name).raw("=\"");
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '&' -> raw("&amp;");
                case '<' -> raw("&lt;");
                case '>' -> raw("&gt;");
                case '"' -> raw("&quot;");
                case '\n' -> raw("&#10;");
                case '\r' -> raw("&#13;");
                case '\t' -> raw("&#9;");
                default -> raw(c);
            }
        }
        return raw('"');
    }

    @Override
    public void flush() throws IOException {
        flushBuffer();
        out.flush();
    }

    @Override
    public void close() throws IOException {
        try {
            flushBuffer();
        } finally {
            out.close();
        }
    }

    private void reserve(int n) throws IOException {
        if (used + n > CAPACITY) {
            flushBuffer();
        }
    }

    private void flushBuffer() throws IOException {
        if (used > 0) {
            out.write(buffer, 0, used);
            used = 0;
        }
    }
}
