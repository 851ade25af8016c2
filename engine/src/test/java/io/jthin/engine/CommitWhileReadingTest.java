package io.jthin.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.jthin.loopfile.ForwardingBlockDevice;
import io.jthin.loopfile.MemoryBlockDevice;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A commit's data sync does not stall reads of mapped blocks (the lookup gate is open during it),
 * while allocating writes and other metadata changes still wait for the whole commit.
 */
class CommitWhileReadingTest {
    private static final int BLOCK = 64 * 1024;
    private final ExecutorService threads = Executors.newCachedThreadPool();

    @AfterEach
    void stop() {
        threads.shutdownNow();
    }

    /** A data device whose sync, once armed, is held open by its gate. */
    private static final class GatedSync extends ForwardingBlockDevice {
        final GatedPhase gate = new GatedPhase();

        GatedSync() {
            super(new MemoryBlockDevice("data", 16L << 20));
        }

        @Override
        public void sync() {
            gate.pass();
            super.sync();
        }
    }

    @Test
    void readsOfMappedBlocksGoOnDuringACommitsDataSync() throws Exception {
        GatedSync data = new GatedSync();
        try (ThinPool pool = ThinPool.create(data, new MemoryBlockDevice("meta", 16L << 20),
                PoolOptions.defaults().withCommitInterval(Duration.ZERO))) {
            pool.createThin(1);
            ThinVolume v = pool.openVolume(1, 8L * BLOCK);
            ByteBuffer sevens = ByteBuffer.allocate(BLOCK);
            while (sevens.hasRemaining()) {
                sevens.put((byte) 7);
            }
            v.write(0, sevens.flip()); // dirty: the flush is a full commit
            data.gate.arm();
            try {
                data.gate.readsGoOnAllocatingWritesWait(threads, v, v, 4096, (byte) 7, v, 3L * BLOCK);
            } finally {
                data.gate.release();
            }
            assertEquals(2, pool.thinStatus(1).mappedSectors() / (BLOCK / 512));
        }
    }
}
