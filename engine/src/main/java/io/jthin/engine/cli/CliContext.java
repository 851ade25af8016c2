package io.jthin.engine.cli;

import java.io.InputStream;
import java.io.PrintStream;

/**
 * The streams of one {@link JthinCommand#run} call, reachable from every command of that call:
 * stdout may carry binary data ({@code thin read}), so commands write to these PrintStreams rather
 * than picocli's writers. {@code terminal} says whether stderr is an interactive terminal (progress
 * bars are drawn only then). Held in a thread-local for the call's duration; nested calls (the demo
 * runs commands) save and restore it.
 */
record CliContext(InputStream in, PrintStream out, PrintStream err, boolean terminal) {
    private static final ThreadLocal<CliContext> CURRENT = new ThreadLocal<>();

    static CliContext current() {
        CliContext c = CURRENT.get();
        return c != null ? c : new CliContext(System.in, System.out, System.err, false);
    }

    /** Makes {@code c} current until the returned handle is closed (which restores the previous one). */
    static AutoCloseable enter(CliContext c) {
        CliContext previous = CURRENT.get();
        CURRENT.set(c);
        return () -> CURRENT.set(previous);
    }
}
