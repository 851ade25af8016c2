package io.jthin.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jthin.loopfile.ForwardingBlockDevice;
import io.jthin.loopfile.MemoryBlockDevice;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * A volume read runs first without its block lock and validates afterwards ({@code ThinVolume.readBlock}).
 * Here, while the read is inside the data device, another thread discards the block, commits, and
 * another device's write reuses the data block (the pool has one). The read must return the old
 * data or zeros, never the other device's bytes.
 */
class OptimisticReadTest {
    private static final int BLOCK = 64 * 1024;

    private static ByteBuffer fill(int v) {
        byte[] a = new byte[BLOCK];
        Arrays.fill(a, (byte) v);
        return ByteBuffer.wrap(a);
    }

    @Test
    void aReadRacingWithTheReuseOfItsBlockNeverReturnsAnotherDevicesData() throws Exception {
        AtomicReference<Runnable> beforeNextRead = new AtomicReference<>();
        ForwardingBlockDevice data = new ForwardingBlockDevice(new MemoryBlockDevice("data", BLOCK)) {
            @Override
            public void read(long offsetBytes, ByteBuffer dst) {
                Runnable hook = beforeNextRead.getAndSet(null);
                if (hook != null) {
                    hook.run();
                }
                super.read(offsetBytes, dst);
            }
        };
        ExecutorService other = Executors.newSingleThreadExecutor();
        try (ThinPool pool = ThinPool.create(data, new MemoryBlockDevice("meta", 4L << 20),
                PoolOptions.defaults().withCommitInterval(Duration.ZERO))) {
            pool.createThin(1);
            pool.createThin(2);
            try (ThinVolume v1 = pool.openVolume(1, BLOCK); ThinVolume v2 = pool.openVolume(2, BLOCK)) {
                v1.write(0, fill(0x11));
                pool.commit();
                AtomicReference<Future<?>> reuse = new AtomicReference<>();
                beforeNextRead.set(() -> {
                    reuse.set(other.submit(() -> {
                        v1.discard(0, BLOCK);
                        pool.commit(); // the block is free for reuse from here
                        v2.write(0, fill(0x22)); // the pool's only data block
                    }));
                    try {
                        reuse.get().get(2, TimeUnit.SECONDS);
                    } catch (TimeoutException e) {
                        // the discard waits for this read's block lock: the read goes first
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                });
                ByteBuffer got = ByteBuffer.allocate(BLOCK);
                v1.read(0, got);
                reuse.get().get(30, TimeUnit.SECONDS);
                boolean old = Arrays.equals(fill(0x11).array(), got.array());
                boolean zeros = Arrays.equals(new byte[BLOCK], got.array());
                assertTrue(old || zeros, "the racing read returned neither the old data nor zeros: first byte 0x"
                        + Integer.toHexString(got.get(0) & 0xff));
                ByteBuffer after = ByteBuffer.allocate(BLOCK);
                v1.read(0, after);
                assertArrayEquals(new byte[BLOCK], after.array(), "device 1's block is discarded");
                ByteBuffer reused = ByteBuffer.allocate(BLOCK);
                v2.read(0, reused);
                assertArrayEquals(fill(0x22).array(), reused.array(), "device 2 wrote into the reused block");
            }
        } finally {
            other.shutdownNow();
        }
    }
}
