package io.jthin.engine.tools;

import java.io.Closeable;
import java.io.Flushable;
import java.io.IOException;
import java.io.Writer;

/** The base of the text printers (XML, human-readable): the sink they write to, flushed and closed with them. */
abstract class TextPrinter implements Flushable, Closeable {
    protected final TextSink out;

    TextPrinter(Writer out) {
        this.out = new TextSink(out);
    }

    @Override
    public void flush() throws IOException {
        out.flush();
    }

    @Override
    public void close() throws IOException {
        out.close();
    }
}
