package io.jthin.benchmarks;

import java.nio.ByteBuffer;
import java.util.SplittableRandom;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.infra.ThreadParams;

/** Per benchmark thread: a 4 KiB direct buffer and a random stream of its own. */
@State(Scope.Thread)
public class ThreadBuffers {
    ByteBuffer buf;
    SplittableRandom rnd;

    @Setup
    public void setup(ThreadParams t) {
        buf = ByteBuffer.allocateDirect(4096);
        rnd = new SplittableRandom(1000 + t.getThreadIndex());
    }

    /** A 4 KiB-aligned offset in blocks [from, from + count). */
    long offset(long from, long count) {
        return (from + rnd.nextLong(count)) * PoolFixture.BLOCK + rnd.nextInt(16) * 4096L;
    }
}
