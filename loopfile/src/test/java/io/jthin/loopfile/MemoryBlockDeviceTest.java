package io.jthin.loopfile;

import static io.jthin.loopfile.TestBytes.filled;
import static io.jthin.loopfile.TestBytes.firstNot;
import static io.jthin.loopfile.TestBytes.read;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class MemoryBlockDeviceTest {
    private static final int CHUNK = MemoryBlockDevice.CHUNK;

    @Test
    void hundredGibCostsNothingUntilWritten() {
        MemoryBlockDevice d = new MemoryBlockDevice("big", 100L << 30);
        assertEquals(0, d.allocatedBytes());
        assertArrayEquals(new byte[4096], read(d, 77L << 30, 4096));
        long at = (10L << 30) + 100; // straddles chunk boundaries
        d.write(at, filled(200_000, 7));
        assertEquals(4L * CHUNK, d.allocatedBytes(), "200 000 bytes from offset 100 of a chunk touch 4 chunks");
        assertEquals(-1, firstNot(read(d, at, 200_000), 7));
        assertEquals(0, read(d, at - 1, 1)[0]);
        assertEquals(0, read(d, at + 200_000, 1)[0]);
    }

    @Test
    void punchHoleZeroesAndDropsChunksLeftAllZero() {
        MemoryBlockDevice d = new MemoryBlockDevice(1 << 20);
        d.write(0, filled(3 * CHUNK, 1));
        d.punchHole(100, 50);
        assertEquals(3L * CHUNK, d.allocatedBytes(), "a partly punched chunk stays");
        byte[] b = read(d, 0, 200);
        assertEquals(1, b[99]);
        assertEquals(-1, firstNot(java.util.Arrays.copyOfRange(b, 100, 150), 0));
        assertEquals(1, b[150]);
        d.punchHole(CHUNK, CHUNK);
        assertEquals(2L * CHUNK, d.allocatedBytes(), "a wholly punched chunk is dropped");
        d.punchHole(2 * CHUNK, CHUNK - 10);
        d.punchHole(3 * CHUNK - 10, 10);
        assertEquals(CHUNK, d.allocatedBytes(), "a chunk punched to zero in pieces is dropped");
        assertEquals(1 << 20, d.size());
        assertThrows(DeviceIOException.class, () -> d.punchHole((1 << 20) - 10, 20));
    }

    @Test
    void writePastEndIsRefusedAndReadPastEndIsZero() {
        MemoryBlockDevice d = new MemoryBlockDevice("m", 4096);
        DeviceIOException e = assertThrows(DeviceIOException.class, () -> d.write(4000, filled(200, 1)));
        assertTrue(e.getMessage().contains("m: write of 200 bytes at byte 4000") && e.getMessage().contains("past the end"),
                e.getMessage());
        assertEquals(0, d.allocatedBytes(), "the refused write allocated nothing");
        assertThrows(IllegalArgumentException.class, () -> d.read(-1, ByteBuffer.allocate(1)));
        d.write(0, filled(4096, 5));
        byte[] b = read(d, 4000, 200);
        assertEquals(5, b[95]);
        assertEquals(0, b[96]);
        assertArrayEquals(new byte[16], read(d, Long.MAX_VALUE - 8, 16), "reading up to the top of the range is zeros");
    }

    @Test
    void shrinkDiscardsTheTailAndRegrowReadsZeros() {
        MemoryBlockDevice d = new MemoryBlockDevice(4L * CHUNK);
        d.write(0, filled(4 * CHUNK, 9));
        d.resize(CHUNK + 10);
        assertEquals(CHUNK + 10, d.size());
        assertEquals(2L * CHUNK, d.allocatedBytes());
        d.resize(4L * CHUNK);
        byte[] b = read(d, 0, 4 * CHUNK);
        assertEquals(-1, firstNot(java.util.Arrays.copyOfRange(b, 0, CHUNK + 10), 9));
        assertEquals(-1, firstNot(java.util.Arrays.copyOfRange(b, CHUNK + 10, 4 * CHUNK), 0));
        d.resize(0);
        assertEquals(0, d.allocatedBytes());
    }

    @Test
    void syncCountsAndCloseKeepsContentForReopenAndCopy() {
        MemoryBlockDevice d = new MemoryBlockDevice(8192);
        d.write(0, filled(10, 4));
        d.sync();
        d.sync();
        assertEquals(2, d.syncCount());
        assertEquals(1, d.writeCount());
        d.close();
        assertTrue(d.isClosed());
        assertThrows(DeviceIOException.class, () -> d.read(0, ByteBuffer.allocate(1)));
        assertThrows(DeviceIOException.class, () -> d.write(0, filled(1, 1)));
        MemoryBlockDevice c = d.copy();
        assertEquals(4, read(c, 9, 1)[0], "copy works on a closed device");
        assertEquals(4, read(d.reopen(), 0, 1)[0], "reopen keeps the content");
        c.write(0, filled(1, 8));
        assertEquals(4, read(d, 0, 1)[0], "the copy is independent");
    }

    @Test
    void concurrentWritersReadersAndPunchersKeepDistinctBlocksExact() throws Exception {
        int threads = 8;
        int blocksPerThread = 256;
        MemoryBlockDevice d = new MemoryBlockDevice((long) threads * blocksPerThread * 4096);
        try (ExecutorService pool = Executors.newFixedThreadPool(threads)) {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int id = t;
                done.add(pool.submit(() -> {
                    for (int round = 0; round < 4; round++) {
                        for (int i = 0; i < blocksPerThread; i++) {
                            long off = ((long) i * threads + id) * 4096;
                            d.write(off, filled(4096, id + round + 1));
                            if (i % 3 == 0) {
                                d.punchHole(off, 4096);
                                d.write(off, filled(4096, id + round + 1));
                            }
                            assertEquals(-1, firstNot(read(d, off, 4096), id + round + 1));
                        }
                    }
                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
        }
        for (int block = 0; block < threads * blocksPerThread; block++) {
            assertEquals(-1, firstNot(read(d, block * 4096L, 4096), block % threads + 4), "block " + block);
        }
    }

    /** Random writes, punches and resizes against a byte-array model. */
    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 4, 5})
    void matchesAByteArrayModel(long seed) {
        long s = Long.getLong("jthin.seed", seed);
        SplittableRandom rnd = new SplittableRandom(s);
        int max = 6 * CHUNK;
        byte[] model = new byte[max];
        int size = 3 * CHUNK;
        MemoryBlockDevice d = new MemoryBlockDevice(size);
        for (int step = 0; step < 400; step++) {
            String where = "seed " + s + " step " + step;
            switch (rnd.nextInt(4)) {
                case 0, 1 -> {
                    int off = rnd.nextInt(size);
                    int len = rnd.nextInt(Math.min(size - off, 2 * CHUNK) + 1);
                    byte v = (byte) rnd.nextInt(1, 256);
                    d.write(off, filled(len, v));
                    java.util.Arrays.fill(model, off, off + len, v);
                }
                case 2 -> {
                    int off = rnd.nextInt(size);
                    int len = rnd.nextInt(size - off + 1);
                    d.punchHole(off, len);
                    java.util.Arrays.fill(model, off, off + len, (byte) 0);
                }
                default -> {
                    int newSize = rnd.nextInt(max + 1);
                    d.resize(newSize);
                    if (newSize < size) {
                        java.util.Arrays.fill(model, newSize, size, (byte) 0);
                    }
                    size = newSize;
                }
            }
            assertEquals(size, d.size(), where);
            assertArrayEquals(model, read(d, 0, max), where);
            long held = 0;
            for (int c = 0; c < max / CHUNK; c++) {
                if (firstNot(java.util.Arrays.copyOfRange(model, c * CHUNK, (c + 1) * CHUNK), 0) >= 0) {
                    held += CHUNK;
                }
            }
            assertTrue(d.allocatedBytes() >= held, where + ": every non-zero chunk is held");
        }
    }
}
