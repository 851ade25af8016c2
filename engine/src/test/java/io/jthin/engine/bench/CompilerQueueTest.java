package io.jthin.engine.bench;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Reading HotSpot's Compiler.queue report, and the bounded wait on it. */
class CompilerQueueTest {
    private static final String IDLE = "Current compiles: \n\nC1 compile queue:\nEmpty\n\nC2 compile queue:\nEmpty\n";

    @Test
    void emptyQueuesAndNoCurrentCompileAreIdle() {
        assertTrue(CompilerQueue.idle(IDLE));
        assertTrue(CompilerQueue.idle(IDLE.replace("\n", "\r\n")));
    }

    @Test
    void aCompileInProgressIsNotIdle() {
        assertFalse(CompilerQueue.idle("Current compiles: \nC2 CompilerThread0  1503   !   4       "
                + "io.jthin.engine.ThinPool::dataBlockOf (105 bytes)\n\nC1 compile queue:\nEmpty\n\n"
                + "C2 compile queue:\nEmpty\n"));
    }

    @Test
    void aQueuedMethodIsNotIdle() {
        assertFalse(CompilerQueue.idle("Current compiles: \n\nC1 compile queue:\nEmpty\n\nC2 compile queue:\n"
                + "1469       4       jdk.internal.foreign.NativeMemorySegmentImpl::<init> (33 bytes)\n"));
        assertFalse(CompilerQueue.idle("Current compiles: \n\nC1 compile queue:\n"
                + "1470       3       java.util.HashMap::get (19 bytes)\n\nC2 compile queue:\nEmpty\n"));
    }

    @Test
    void theWaitEndsByItsBound() {
        Duration waited = CompilerQueue.connect().awaitIdle(Duration.ofMillis(300));
        assertTrue(waited.toMillis() < 3000, "waited " + waited);
    }
}
