package io.jthin.loopfile;

import static io.jthin.loopfile.TestBytes.filled;
import static io.jthin.loopfile.TestBytes.read;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** DirectFile (O_DIRECT) on the ext4 /tmp: aligned and unaligned I/O against a byte[] model, locking, holes. */
class DirectFileTest {
    private static final int SIZE = 1 << 20;

    @TempDir
    Path dir;

    private Path newFile() {
        Path p = dir.resolve("data");
        SparseFile.create(p, SIZE).close();
        return p;
    }

    private static ByteBuffer buffer(SplittableRandom rnd, int length, boolean direct) {
        if (!direct) {
            return ByteBuffer.allocate(length);
        }
        ByteBuffer b = ByteBuffer.allocateDirect(length + 2 * DirectFile.ALIGN).alignedSlice(DirectFile.ALIGN);
        if (rnd.nextBoolean()) {
            return b.limit(length); // aligned memory: the zero-copy path when offset and length are aligned
        }
        int skew = 1 + rnd.nextInt(DirectFile.ALIGN - 1);
        b = ByteBuffer.allocateDirect(length + DirectFile.ALIGN);
        return b.position(skew).limit(skew + length).slice(); // unaligned memory: the bounce path
    }

    @org.junit.jupiter.api.Test
    void isDirectAndReservesThroughItsFile() {
        try (DirectFile f = DirectFile.open(newFile())) {
            assertTrue(f.isDirect());
            long before = f.allocatedBytes();
            assertTrue(f.reserve(0, SIZE / 2));
            assertTrue(f.allocatedBytes() >= before + SIZE / 2, "reserved: " + f.allocatedBytes());
            assertArrayEquals(new byte[SIZE / 2], read(f, 0, SIZE / 2), "reserved storage reads as zeros");
        }
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 4, 5})
    void randomReadsAndWritesMatchAModel(long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        byte[] model = new byte[SIZE];
        Path p = newFile();
        try (DirectFile f = DirectFile.open(p)) {
            for (int step = 0; step < 400; step++) {
                boolean aligned = rnd.nextBoolean();
                int len = aligned ? DirectFile.ALIGN * (1 + rnd.nextInt(32)) : 1 + rnd.nextInt(200_000);
                if (rnd.nextInt(20) == 0) {
                    len = DirectFile.MAX_CHUNK + DirectFile.ALIGN + rnd.nextInt(3); // split into chunks
                    len = Math.min(len, SIZE);
                }
                long off = aligned ? DirectFile.ALIGN * (long) rnd.nextInt((SIZE - len) / DirectFile.ALIGN + 1)
                        : rnd.nextInt(SIZE - len + 1);
                String where = "seed " + seed + " step " + step + ": " + len + " bytes at " + off;
                ByteBuffer b = buffer(rnd, len, rnd.nextBoolean());
                if (rnd.nextBoolean()) {
                    byte[] data = new byte[len];
                    rnd.nextBytes(data);
                    b.put(data).flip();
                    f.write(off, b);
                    assertEquals(0, b.remaining(), where);
                    System.arraycopy(data, 0, model, (int) off, len);
                } else {
                    f.read(off, b);
                    assertEquals(0, b.remaining(), where);
                    byte[] got = new byte[len];
                    b.flip().get(got);
                    byte[] want = new byte[len];
                    System.arraycopy(model, (int) off, want, 0, len);
                    assertArrayEquals(want, got, where);
                }
            }
        }
        try (SparseFile f = SparseFile.open(p)) {
            assertArrayEquals(model, read(f, 0, SIZE), "seed " + seed + ": the file holds what was written");
        }
    }

    @Test
    void readsPastTheEndAreZerosAndWritesPastItAreRefused() {
        try (DirectFile f = DirectFile.open(newFile())) {
            f.write(SIZE - 4096, filled(4096, 7));
            byte[] r = read(f, SIZE - 100, 300);
            for (int i = 0; i < 300; i++) {
                assertEquals(i < 100 ? 7 : 0, r[i], "byte " + i);
            }
            assertThrows(DeviceIOException.class, () -> f.write(SIZE - 10, filled(20, 1)));
        }
    }

    @Test
    void holesAreReportedAsReadingZeros() {
        Path p = newFile();
        try (DirectFile f = DirectFile.open(p)) {
            assertTrue(f.readsAsZeros(0, SIZE), "a new sparse file is one hole");
            f.write(65536 + 4096, filled(4096, 1));
            assertTrue(f.readsAsZeros(0, 65536));
            assertTrue(!f.readsAsZeros(65536, 65536), "a block with data in it");
            assertTrue(f.readsAsZeros(2 * 65536, SIZE - 2 * 65536));
            f.punchHole(65536, 65536);
            assertTrue(f.readsAsZeros(65536, 65536), "punched");
            assertTrue(f.readsAsZeros(SIZE, 4096), "past the end");
        }
        try (SparseFile f = SparseFile.open(p)) {
            f.write(300_000, filled(10, 2)); // buffered, not yet allocated on disk (delayed allocation)
            assertTrue(!f.readsAsZeros(262_144, 65536), "dirty page cache over a hole counts as data");
            assertTrue(f.readsAsZeros(0, 262_144));
        }
        MemoryBlockDevice m = new MemoryBlockDevice(SIZE);
        assertTrue(m.readsAsZeros(0, SIZE));
        m.write(70_000, filled(1, 1));
        assertTrue(!m.readsAsZeros(65536, 65536) && !m.readsAsZeros(0, SIZE) && m.readsAsZeros(0, 65536));
        m.punchHole(65536, 65536);
        assertTrue(m.readsAsZeros(0, SIZE));
    }

    @Test
    void zerosAtMeasuresTheHoleUpToTheNextData() {
        Path p = newFile();
        try (DirectFile f = DirectFile.open(p)) {
            assertEquals(SIZE, f.zerosAt(0, SIZE), "a new sparse file is one hole, as far as the limit");
            assertEquals(12_345, f.zerosAt(4096, 12_345), "never more than the limit");
            f.write(3 * 65536, filled(4096, 1));
            assertEquals(3 * 65536, f.zerosAt(0, SIZE), "up to the data");
            assertEquals(65536, f.zerosAt(2 * 65536, SIZE));
            assertEquals(0, f.zerosAt(3 * 65536, SIZE), "data at the offset");
            assertEquals(SIZE, f.zerosAt(4 * 65536, SIZE), "no data after it: as far as the limit");
            assertEquals(4096, f.zerosAt(SIZE, 4096), "past the end");
            f.punchHole(3 * 65536, 65536);
            assertEquals(SIZE, f.zerosAt(0, SIZE), "punched");
            assertEquals(0, f.zerosAt(-1, SIZE));
            assertEquals(0, f.zerosAt(0, 0));
        }
        try (SparseFile f = SparseFile.open(p)) {
            f.write(300_000, filled(10, 2)); // buffered, delayed allocation: dirty pages count as data
            assertEquals(300_000 & ~4095, f.zerosAt(0, SIZE));
        }
        MemoryBlockDevice m = new MemoryBlockDevice(SIZE);
        assertEquals(SIZE, m.zerosAt(0, SIZE));
        m.write(70_000, filled(1, 1)); // held in the chunk of [65536, 131072)
        assertEquals(65536, m.zerosAt(0, SIZE));
        assertEquals(0, m.zerosAt(65536, SIZE));
        assertEquals(0, m.zerosAt(100_000, SIZE), "inside a held chunk");
        assertEquals(SIZE, m.zerosAt(131072, SIZE), "nothing held after it: as far as the limit");
        assertEquals(1000, m.zerosAt(0, 1000));
        m.punchHole(65536, 65536);
        assertEquals(SIZE, m.zerosAt(0, SIZE));
    }

    @Test
    void punchHoleResizeSyncAndLocking() {
        Path p = newFile();
        try (DirectFile f = DirectFile.open(p)) {
            assertThrows(PoolLockedException.class, () -> SparseFile.open(p));
            f.write(0, filled(65536, 3));
            f.sync();
            assertTrue(f.allocatedBytes() >= 65536);
            f.punchHole(0, 65536);
            assertArrayEquals(new byte[65536], read(f, 0, 65536));
            f.resize(2L * SIZE);
            assertEquals(2L * SIZE, f.size());
            f.write(SIZE + 5, filled(10, 9));
            assertEquals(9, read(f, SIZE + 5, 1)[0]);
        }
        try (SparseFile again = SparseFile.open(p)) { // close released the lock and the registry entry
            assertEquals(2L * SIZE, again.size());
        }
        DirectFile f = DirectFile.open(p);
        f.close();
        f.close();
        assertThrows(DeviceIOException.class, () -> f.read(0, ByteBuffer.allocate(1)));
    }
}
