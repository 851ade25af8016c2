package io.jthin.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.jthin.loopfile.MemoryBlockDevice;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class ThinPoolSmokeTest {
    @Test
    void writeSnapshotOverwriteReadBack() {
        MemoryBlockDevice data = new MemoryBlockDevice("data", 64L << 20);
        MemoryBlockDevice meta = new MemoryBlockDevice("meta", 16L << 20);
        PoolOptions opts = PoolOptions.defaults().withCommitInterval(Duration.ZERO);
        try (ThinPool pool = ThinPool.create(data, meta, opts)) {
            pool.createThin(1);
            try (ThinVolume v = pool.openVolume(1, 8L << 20)) {
                byte[] a = new byte[200_000];
                Arrays.fill(a, (byte) 1);
                v.write(1000, ByteBuffer.wrap(a));
                pool.createSnap(2, 1);
                byte[] b = new byte[4096];
                Arrays.fill(b, (byte) 2);
                v.write(5000, ByteBuffer.wrap(b));
                ByteBuffer r = ByteBuffer.allocate(4096);
                v.read(5000, r);
                assertArrayEquals(b, r.array());
                v.flush();
            }
            try (ThinVolume s = pool.openVolume(2, 8L << 20)) {
                ByteBuffer r = ByteBuffer.allocate(4096);
                s.read(5000, r);
                byte[] ones = new byte[4096];
                Arrays.fill(ones, (byte) 1);
                assertArrayEquals(ones, r.array());
            }
            System.out.println(pool.status());
            System.out.println(pool.thinStatus(1));
        }
        try (ThinPool pool = ThinPool.open(data.reopen(), meta.reopen(), PoolOptions.defaults().withCommitInterval(Duration.ZERO))) {
            assertEquals(2, pool.deviceIds().size());
            System.out.println(pool.status());
        }
    }

    @Test
    void passdownPunchesAfterAMessagesCommitNotOnlyAfterAFlush() {
        MemoryBlockDevice data = new MemoryBlockDevice("data", 64L << 20);
        MemoryBlockDevice meta = new MemoryBlockDevice("meta", 16L << 20);
        try (ThinPool pool = ThinPool.create(data, meta, PoolOptions.defaults().withCommitInterval(Duration.ZERO))) {
            pool.createThin(1);
            try (ThinVolume v = pool.openVolume(1, 8L << 20)) {
                v.write(0, ByteBuffer.allocate(4 * 65536));
                v.flush();
                assertEquals(4 * 65536, pool.dataAllocatedBytes());
                assertEquals(4, v.discard(0, 4 * 65536));
            }
            assertEquals(4 * 65536, pool.dataAllocatedBytes(), "not committed yet: nothing punched");
            pool.createThin(2); // a message: commits the discard too
            assertEquals(0, pool.dataAllocatedBytes(), "punched after the message's commit");
        }
    }
}
