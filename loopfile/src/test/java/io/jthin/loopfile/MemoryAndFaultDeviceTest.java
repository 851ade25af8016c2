package io.jthin.loopfile;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class MemoryAndFaultDeviceTest {

    private static ByteBuffer filled(int n, int b) {
        byte[] a = new byte[n];
        Arrays.fill(a, (byte) b);
        return ByteBuffer.wrap(a);
    }

    private static byte[] read(BlockDevice d, long off, int n) {
        ByteBuffer b = ByteBuffer.allocate(n);
        d.read(off, b);
        return b.array();
    }

    @Test
    void memoryDeviceIsSparseAndPunchable() {
        MemoryBlockDevice d = new MemoryBlockDevice(100L << 30);
        assertEquals(0, d.allocatedBytes());
        d.write((10L << 30) + 100, filled(200_000, 7));
        assertTrue(d.allocatedBytes() >= 200_000 && d.allocatedBytes() <= 4 * MemoryBlockDevice.CHUNK);
        byte[] back = read(d, (10L << 30) + 100, 200_000);
        byte[] expected = new byte[200_000];
        Arrays.fill(expected, (byte) 7);
        assertArrayEquals(expected, back);
        d.punchHole(10L << 30, 1 << 20);
        assertEquals(0, d.allocatedBytes());
        assertArrayEquals(new byte[200_000], read(d, (10L << 30) + 100, 200_000));
        assertThrows(DeviceIOException.class, () -> d.write((100L << 30) - 10, filled(20, 1)));
    }

    @Test
    void unsyncedWritesAreLostOnCrashSyncedKept() {
        MemoryBlockDevice inner = new MemoryBlockDevice(1 << 20);
        FaultInjectingBlockDevice d = new FaultInjectingBlockDevice(inner);
        d.write(0, filled(4096, 1));
        d.sync();
        d.write(0, filled(4096, 2));
        d.write(8192, filled(4096, 3));
        assertEquals(2, read(d, 0, 1)[0], "reads see unsynced writes");
        MemoryBlockDevice after = d.durableCopy();
        assertEquals(1, read(after, 0, 4096)[4095], "synced write survives");
        assertArrayEquals(new byte[4096], read(after, 8192, 4096), "unsynced write is lost");
        assertThrows(DeviceIOException.class, () -> d.read(0, ByteBuffer.allocate(1)));
    }

    @Test
    void nthWriteFailsAndCrashes() {
        FaultInjectingBlockDevice d = new FaultInjectingBlockDevice(new MemoryBlockDevice(1 << 20));
        d.failWriteAt(2);
        d.write(0, filled(512, 1));
        d.sync();
        d.write(512, filled(512, 2));
        DeviceIOException e = assertThrows(DeviceIOException.class, () -> d.write(1024, filled(512, 3)));
        assertTrue(e.getMessage().contains("write #2"), e.getMessage());
        MemoryBlockDevice after = d.durableCopy();
        assertEquals(1, read(after, 0, 1)[0]);
        assertEquals(0, read(after, 512, 1)[0], "unsynced write #1 lost");
        assertEquals(0, read(after, 1024, 1)[0], "failed write #2 dropped");
    }

    @Test
    void tornWriteKeepsExactlyItsFirstSectors() {
        FaultInjectingBlockDevice d = new FaultInjectingBlockDevice(new MemoryBlockDevice(1 << 20));
        d.write(0, filled(4096, 9));
        d.sync();
        d.tearWriteAt(1, 1024);
        assertThrows(DeviceIOException.class, () -> d.write(0, filled(4096, 5)));
        byte[] after = read(d.durableCopy(), 0, 4096);
        for (int i = 0; i < 4096; i++) {
            assertEquals(i < 1024 ? 5 : 9, after[i], "byte " + i);
        }
        assertThrows(IllegalArgumentException.class, () -> d.tearWriteAt(3, 100));
    }
}
