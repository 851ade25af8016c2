package io.jthin.engine.bench;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.ObjectName;

/**
 * The JIT's work queue, as HotSpot's {@code Compiler.queue} diagnostic command reports it (the text
 * {@code jcmd PID Compiler.queue} prints), read through the platform's DiagnosticCommand MBean.
 *
 * <p>Why a bench waits for it: with more busy request threads than CPUs, the compiler threads get a
 * small share of the CPU, and methods a warm-up made hot wait seconds in the queue — measured with
 * 16 readers on 2 CPUs, the volume read path reached its optimised code 3 s after the warm-up had
 * queued it, so a short measured run timed the JIT's profiling tiers instead of the engine. A
 * long-running pool has long since compiled its I/O path; waiting for the queue to drain after the
 * warm-up measures that state.
 *
 * <p>Why a bench {@link #connect connects} before its warm-up: the first use of the platform's
 * MBean server loads and initialises JMX, which makes a fair {@code ReentrantReadWriteLock}. Until
 * then the non-fair one (the pool's metadata lock) is the only concrete kind of its lock base class
 * the JVM has seen, and C2 compiles the write path on that assumption; loading the fair kind breaks
 * it, and every compiled method that inlined the metadata lock (allocation, mapping insert) is thrown
 * away. Connected after the warm-up, as it was, that happened between warm-up and measured run: a
 * 16,384-request run of first writes at depth 16 then spent 40 % of the CPU recompiling the write
 * path in C2. Immutable once connected; thread-safe.
 */
public final class CompilerQueue {
    private static final String MBEAN = "com.sun.management:type=DiagnosticCommand";
    private static final String OPERATION = "compilerQueue";
    private static final long POLL_MILLIS = 20;

    private final MBeanServer server; // null: no such command on this JVM
    private final ObjectName name;

    private CompilerQueue(MBeanServer server, ObjectName name) {
        this.server = server;
        this.name = name;
    }

    /**
     * Connects to the queue and reads it once, so that every class the reading needs is loaded now
     * (call it before a warm-up). On a JVM without the diagnostic command the queue connected to
     * reads as always idle.
     */
    public static CompilerQueue connect() {
        try {
            MBeanServer server = ManagementFactory.getPlatformMBeanServer();
            ObjectName name = new ObjectName(MBEAN);
            idle(report(server, name));
            return new CompilerQueue(server, name);
        } catch (JMException | UnsupportedOperationException e) {
            return new CompilerQueue(null, null); // nothing to wait for that can be seen
        }
    }

    /**
     * Waits until no method is being compiled or waits to be, for at most {@code max}. Returns how
     * long it waited; at once when the JVM has no such command.
     */
    public Duration awaitIdle(Duration max) {
        long t0 = System.nanoTime();
        long deadline = t0 + max.toNanos();
        if (server == null) {
            return Duration.ZERO;
        }
        try {
            while (!idle(report(server, name)) && System.nanoTime() < deadline) {
                Thread.sleep(POLL_MILLIS);
            }
        } catch (JMException | UnsupportedOperationException e) {
            // the command went away: nothing more to wait for
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return Duration.ofNanos(System.nanoTime() - t0);
    }

    private static String report(MBeanServer server, ObjectName name) throws JMException {
        return (String) server.invoke(name, OPERATION, new Object[] {new String[0]},
                new String[] {String[].class.getName()});
    }

    /**
     * True when a {@code Compiler.queue} report shows no compilation: its "Current compiles:" section
     * lists none and every "... compile queue:" section says {@code Empty}.
     */
    static boolean idle(String report) {
        boolean inCurrent = false;
        boolean inQueue = false;
        for (String raw : report.split("\n")) {
            String line = raw.strip();
            if (line.startsWith("Current compiles:")) {
                inCurrent = true;
                inQueue = false;
            } else if (line.endsWith("compile queue:")) {
                inQueue = true;
                inCurrent = false;
            } else if (line.isEmpty()) {
                inCurrent = false;
                inQueue = false;
            } else if (inCurrent || (inQueue && !line.equals("Empty"))) {
                return false;
            }
        }
        return true; // (a report in another format shows nothing to wait for)
    }
}
