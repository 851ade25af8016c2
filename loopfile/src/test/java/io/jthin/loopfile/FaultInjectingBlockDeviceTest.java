package io.jthin.loopfile;

import static io.jthin.loopfile.TestBytes.filled;
import static io.jthin.loopfile.TestBytes.firstNot;
import static io.jthin.loopfile.TestBytes.read;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class FaultInjectingBlockDeviceTest {
    private static FaultInjectingBlockDevice device() {
        return new FaultInjectingBlockDevice(new MemoryBlockDevice("disk", 1 << 20));
    }

    @Test
    void unsyncedWritesAreLostOnCrashSyncedOnesKept() {
        FaultInjectingBlockDevice d = device();
        d.write(0, filled(4096, 1));
        d.sync();
        d.write(0, filled(4096, 2));
        d.write(8192, filled(4096, 3));
        assertEquals(2, read(d, 0, 1)[0], "reads see unsynced writes");
        assertEquals(2, d.unsyncedChangeCount());
        d.crash();
        assertTrue(d.isCrashed());
        MemoryBlockDevice after = d.durableCopy();
        assertEquals(-1, firstNot(read(after, 0, 4096), 1), "the synced write survives");
        assertArrayEquals(new byte[4096], read(after, 8192, 4096), "the unsynced write is lost");
        assertEquals(-1, firstNot(read(d.inner(), 0, 4096), 1), "the inner device was rolled back too");
        DeviceIOException e = assertThrows(DeviceIOException.class, () -> d.read(0, ByteBuffer.allocate(1)));
        assertTrue(e.getMessage().contains("crash"), e.getMessage());
        assertThrows(DeviceIOException.class, () -> d.write(0, filled(1, 1)));
        assertThrows(DeviceIOException.class, d::sync);
        assertEquals(1 << 20, d.size(), "size still answers");
    }

    @Test
    void durableCopyBeforeACrashChangesNothing() {
        FaultInjectingBlockDevice d = device();
        d.write(0, filled(512, 1));
        d.sync();
        d.write(0, filled(512, 2));
        assertEquals(1, read(d.durableCopy(), 0, 1)[0]);
        assertFalse(d.isCrashed());
        assertEquals(2, read(d, 0, 1)[0], "the live view keeps the unsynced write");
        d.sync();
        assertEquals(2, read(d.durableCopy(), 0, 1)[0], "synced now");
    }

    @Test
    void nthWriteFromNowFailsDropsItselfAndCrashes() {
        FaultInjectingBlockDevice d = device();
        d.write(0, filled(512, 9)); // write #0, before arming
        d.sync();
        d.failWriteAt(2); // the third write from now: #3 overall
        d.write(512, filled(512, 1));
        d.sync();
        d.write(1024, filled(512, 2));
        DeviceIOException e = assertThrows(DeviceIOException.class, () -> d.write(1536, filled(512, 3)));
        assertTrue(e.getMessage().contains("write #3") && e.getMessage().contains("disk"), e.getMessage());
        assertEquals(4, d.writeCount());
        assertEquals(2, d.syncCount());
        MemoryBlockDevice after = d.durableCopy();
        assertEquals(9, read(after, 0, 1)[0]);
        assertEquals(1, read(after, 512, 1)[0], "synced before the failure");
        assertEquals(0, read(after, 1024, 1)[0], "unsynced write #2 lost");
        assertEquals(0, read(after, 1536, 1)[0], "failed write #3 dropped");
        assertThrows(DeviceIOException.class, () -> d.write(0, filled(1, 1)), "all later I/O fails");
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 512, 1024, 3584, 4096, 8192})
    void tornWriteKeepsExactlyItsFirstSectors(int keep) {
        FaultInjectingBlockDevice d = device();
        d.write(0, filled(4096, 9));
        d.sync();
        d.write(8192, filled(512, 7)); // unsynced: lost by the crash
        d.tearWriteAt(0, keep);
        assertThrows(DeviceIOException.class, () -> d.write(0, filled(4096, 5)));
        byte[] after = read(d.durableCopy(), 0, 4096);
        int kept = Math.min(keep, 4096);
        for (int i = 0; i < 4096; i++) {
            assertEquals(i < kept ? 5 : 9, after[i], "byte " + i);
        }
        assertEquals(0, read(d.durableCopy(), 8192, 1)[0], "unsynced writes before the torn one are lost");
    }

    @Test
    void tearArgumentsAreChecked() {
        FaultInjectingBlockDevice d = device();
        assertThrows(IllegalArgumentException.class, () -> d.tearWriteAt(3, 100));
        assertThrows(IllegalArgumentException.class, () -> d.tearWriteAt(3, -512));
        assertThrows(IllegalArgumentException.class, () -> d.failWriteAt(-1));
        d.failWriteAt(0);
        d.clearFault();
        d.write(0, filled(1, 1));
        assertFalse(d.isCrashed());
    }

    @Test
    void punchHoleAndResizeAreUndoneByACrash() {
        FaultInjectingBlockDevice d = device();
        d.write(0, filled(200_000, 4));
        d.sync();
        d.punchHole(4096, 150_000);
        d.resize(100_000);
        d.resize(3 << 20);
        d.write((3 << 20) - 512, filled(512, 8));
        assertEquals(3 << 20, d.size());
        d.crash();
        MemoryBlockDevice after = d.durableCopy();
        assertEquals(1 << 20, after.size(), "the size is the synced one");
        assertEquals(1 << 20, d.inner().size());
        assertEquals(-1, firstNot(read(after, 0, 200_000), 4), "punch and shrink undone");
        assertArrayEquals(new byte[1000], read(after, 200_000, 1000));
    }

    @Test
    void closeIsNotASync() {
        FaultInjectingBlockDevice d = device();
        d.write(0, filled(512, 1));
        d.close();
        assertThrows(DeviceIOException.class, () -> d.read(0, ByteBuffer.allocate(1)));
        assertEquals(0, read(d.durableCopy(), 0, 1)[0], "closing did not make the write durable");
        d.reopen().sync();
        assertEquals(1, read(d.durableCopy(), 0, 1)[0]);
    }

    @Test
    void wrapsAFileToo(@TempDir Path dir) {
        try (SparseFile file = SparseFile.create(dir.resolve("disk"), 1 << 20)) {
            FaultInjectingBlockDevice d = new FaultInjectingBlockDevice(file);
            d.write(0, filled(4096, 1));
            d.sync();
            d.write(0, filled(4096, 2));
            d.crash();
            assertEquals(-1, firstNot(read(file, 0, 4096), 1), "the file holds the durable state");
            assertEquals(1, read(d.durableCopy(), 0, 1)[0]);
        }
    }

    /**
     * Random writes, syncs, punches and resizes, then a crash at a random write (failed, torn) or a
     * plain crash(); after it the durable copy must equal the model's last synced state (plus the
     * torn prefix). Before the crash, reads must equal the live model.
     */
    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10})
    void crashesLeaveExactlyTheLastSyncedState(long seed) {
        long s = Long.getLong("jthin.seed", seed);
        SplittableRandom rnd = new SplittableRandom(s);
        int max = 256 * 1024;
        byte[] live = new byte[max];
        int liveSize = 128 * 1024;
        byte[] durable = live.clone();
        int durableSize = liveSize;
        FaultInjectingBlockDevice d = new FaultInjectingBlockDevice(new MemoryBlockDevice("disk", liveSize));
        int crashAt = rnd.nextInt(1, 60);
        int keep = rnd.nextInt(3) == 0 ? -1 : 512 * rnd.nextInt(0, 9); // -1: plain crash() at that write
        if (keep >= 0) {
            d.tearWriteAt(crashAt, keep);
        }
        for (int step = 0; ; step++) {
            String where = "seed " + s + " step " + step;
            int op = rnd.nextInt(10);
            if (op < 6) {
                int off = rnd.nextInt(liveSize);
                int len = rnd.nextInt(1, Math.min(liveSize - off, 9000) + 1);
                byte v = (byte) rnd.nextInt(1, 256);
                if (d.writeCount() == crashAt) {
                    if (keep < 0) {
                        d.crash();
                    } else {
                        assertThrows(DeviceIOException.class, () -> d.write(off, filled(len, v)), where);
                        int k = Math.min(keep, len);
                        k = Math.min(k, Math.max(0, durableSize - off));
                        Arrays.fill(durable, off, off + k, v);
                    }
                    assertTrue(d.isCrashed(), where);
                    MemoryBlockDevice after = d.durableCopy();
                    assertEquals(durableSize, after.size(), where);
                    assertArrayEquals(durable, read(after, 0, max), where + ": durable state after the crash");
                    assertArrayEquals(durable, read(d.inner(), 0, max), where + ": inner rolled back");
                    return;
                }
                d.write(off, filled(len, v));
                Arrays.fill(live, off, off + len, v);
            } else if (op < 8) {
                d.sync();
                durable = live.clone();
                durableSize = liveSize;
            } else if (op == 8) {
                int off = rnd.nextInt(liveSize);
                int len = rnd.nextInt(liveSize - off + 1);
                d.punchHole(off, len);
                Arrays.fill(live, off, off + len, (byte) 0);
            } else {
                int newSize = rnd.nextInt(16 * 1024, max + 1);
                d.resize(newSize);
                if (newSize < liveSize) {
                    Arrays.fill(live, newSize, liveSize, (byte) 0);
                }
                liveSize = newSize;
            }
            assertArrayEquals(live, read(d, 0, max), where + ": live view");
            if (step % 7 == 0) {
                assertArrayEquals(durable, read(d.durableCopy(), 0, max), where + ": durable view");
            }
        }
    }
}
