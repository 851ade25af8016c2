package io.jthin.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jthin.engine.PoolOptions;
import io.jthin.engine.ThinPool;
import io.jthin.loopfile.DeviceIOException;
import io.jthin.loopfile.FaultInjectingBlockDevice;
import io.jthin.loopfile.MemoryBlockDevice;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * An open that fails after the pool object exists — here the commit that grows the pool to a
 * larger data device hits a metadata write error — leaves nothing running: no background committer
 * thread survives the failed open, and the metadata on disk is still the last commit.
 */
class OpenFailureTest {
    private static final int BLOCK = 64 * 1024;

    private static long committerThreads() {
        return Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().equals("jthin-commit")).count();
    }

    @Test
    void aFailedOpenLeavesNoCommitterThreadBehind() throws Exception {
        PoolOptions opts = PoolOptions.defaults().withCommitInterval(Duration.ofMillis(50));
        MemoryBlockDevice data = new MemoryBlockDevice("data", 16L * BLOCK);
        MemoryBlockDevice meta = new MemoryBlockDevice("metadata", 4L << 20);
        try (ThinPool pool = ThinPool.create(data, meta, opts)) {
            pool.createThin(1);
        }
        data.reopen().resize(32L * BLOCK); // open will grow the pool: a commit
        FaultInjectingBlockDevice failing = new FaultInjectingBlockDevice(meta.reopen());
        failing.failWriteAt(0);
        Thread.sleep(300); // the closed pool's committer winds down
        long before = committerThreads();
        assertThrows(DeviceIOException.class, () -> ThinPool.open(data, failing, opts));
        Thread.sleep(200);
        System.out.println("committer threads before " + before + ", after the failed open " + committerThreads());
        assertEquals(before, committerThreads(), "a committer thread outlived the failed open");
        try (ThinPool pool = ThinPool.open(data.reopen(), failing.durableCopy(), opts)) {
            assertEquals(java.util.List.of(1L), pool.deviceIds(), "the last commit is intact");
            assertTrue(pool.status().totalDataBlocks() == 32, "and this open grows the pool");
        }
    }
}
