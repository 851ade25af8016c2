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
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** SparseFile I/O, sparseness, punch-hole and resize on the ext4 /tmp (locking: SparseFileLockTest). */
class SparseFileTest {
    private static final int MiB = 1 << 20;

    @TempDir
    Path dir;

    @Test
    void createIsSparseAndReadsZeros() throws Exception {
        Path p = dir.resolve("data");
        try (SparseFile f = SparseFile.create(p, 100L << 30)) {
            assertEquals(100L << 30, f.size());
            assertEquals(100L << 30, Files.size(p));
            assertTrue(f.allocatedBytes() < 64 * 1024, "a new 100 GiB file allocates nothing: " + f.allocatedBytes());
            assertArrayEquals(new byte[4096], read(f, 50L << 30, 4096));
            assertFalse(f.isReadOnly());
            assertFalse(f.isBlockDevice());
        }
    }

    @Test
    void createRefusesAnExistingFileAndOpenAMissingOne() throws Exception {
        Path p = dir.resolve("data");
        Files.write(p, new byte[] {42});
        DeviceIOException e = assertThrows(DeviceIOException.class, () -> SparseFile.create(p, 4096));
        assertTrue(e.getMessage().contains(p.toString()) && e.getMessage().contains("already exists"), e.getMessage());
        assertEquals(1, Files.size(p), "the existing file is untouched");
        Path missing = dir.resolve("nope");
        e = assertThrows(DeviceIOException.class, () -> SparseFile.open(missing));
        assertTrue(e.getMessage().contains(missing.toString()) && e.getMessage().contains("no such file"), e.getMessage());
        assertFalse(Files.exists(missing), "open never creates");
    }

    @Test
    void writeThenReadBackAcrossReopen() {
        Path p = dir.resolve("data");
        try (SparseFile f = SparseFile.create(p, 8 * MiB)) {
            f.write(MiB + 3, filled(300_000, 0x5a));
            f.sync();
        }
        try (SparseFile f = SparseFile.open(p)) {
            assertEquals(8 * MiB, f.size());
            byte[] back = read(f, MiB, 300_010);
            assertEquals(-1, firstNot(java.util.Arrays.copyOfRange(back, 3, 300_003), 0x5a));
            assertEquals(0, back[2]);
            assertEquals(0, back[300_003]);
        }
    }

    @Test
    void readPastEndOfFileFillsZeros() {
        try (SparseFile f = SparseFile.create(dir.resolve("data"), 4096)) {
            f.write(0, filled(4096, 7));
            byte[] b = read(f, 2048, 8192);
            assertEquals(-1, firstNot(java.util.Arrays.copyOfRange(b, 0, 2048), 7));
            assertEquals(-1, firstNot(java.util.Arrays.copyOfRange(b, 2048, 8192), 0), "past EOF reads zeros");
            assertArrayEquals(new byte[512], read(f, 1L << 40, 512), "far past EOF reads zeros");
        }
    }

    @Test
    void writePastEndIsRefusedAndWritesNothing() throws Exception {
        Path p = dir.resolve("data");
        try (SparseFile f = SparseFile.create(p, 4096)) {
            DeviceIOException e = assertThrows(DeviceIOException.class, () -> f.write(4000, filled(200, 1)));
            assertTrue(e.getMessage().contains("past the end") && e.getMessage().contains(p.toString())
                    && e.getMessage().contains("4096"), e.getMessage());
            assertThrows(DeviceIOException.class, () -> f.write(8192, filled(1, 1)));
            assertThrows(IllegalArgumentException.class, () -> f.write(-1, filled(1, 1)));
            assertEquals(4096, Files.size(p), "the file did not grow");
            assertArrayEquals(new byte[4096], read(f, 0, 4096), "the refused write left nothing");
            f.write(4095, filled(1, 9)); // the last byte is fine
            assertEquals(9, read(f, 4095, 1)[0]);
        }
    }

    @Test
    void punchHoleLowersAllocationAndReadsZeros() {
        try (SparseFile f = SparseFile.create(dir.resolve("data"), 16 * MiB)) {
            f.write(0, filled(4 * MiB, 0xab));
            f.sync();
            long before = f.allocatedBytes();
            assertTrue(before >= 4 * MiB, "4 MiB written: " + before);
            f.punchHole(MiB, 2 * MiB);
            assertEquals(before - 2 * MiB, f.allocatedBytes(), "2 MiB punched out");
            byte[] b = read(f, 0, 4 * MiB);
            for (int i = 0; i < b.length; i++) {
                byte expected = i >= MiB && i < 3 * MiB ? 0 : (byte) 0xab;
                if (b[i] != expected) {
                    throw new AssertionError("byte " + i + " is " + b[i] + ", expected " + expected);
                }
            }
            assertEquals(16 * MiB, f.size(), "punching keeps the size");
            f.punchHole(0, 0); // empty range: nothing
            assertThrows(DeviceIOException.class, () -> f.punchHole(15 * MiB, 2 * MiB));
            f.punchHole(0, 16 * MiB);
            assertTrue(f.allocatedBytes() < 64 * 1024, "all punched: " + f.allocatedBytes());
        }
    }

    @Test
    void reserveAllocatesStorageButKeepsContentAndSize() {
        try (SparseFile f = SparseFile.create(dir.resolve("data"), 16 * MiB)) {
            f.write(0, filled(4096, 0x5a));
            f.sync();
            long before = f.allocatedBytes();
            assertFalse(f.isDirect(), "a page-cache file");
            assertTrue(f.reserve(MiB, 2 * MiB), "ext4/xfs/tmpfs support fallocate");
            assertTrue(f.allocatedBytes() >= before + 2 * MiB, "2 MiB reserved: " + before + " → " + f.allocatedBytes());
            assertEquals(-1, firstNot(read(f, MiB, 2 * MiB), 0), "reserved storage reads as zeros");
            assertEquals(0x5a, read(f, 0, 1)[0], "other content untouched");
            assertTrue(f.reserve(15 * MiB, 4 * MiB), "clipped at the end");
            assertEquals(16 * MiB, f.size(), "reserving never grows the file");
            assertFalse(f.reserve(16 * MiB, MiB), "nothing to reserve past the end");
        }
        try (SparseFile f = SparseFile.openReadOnly(dir.resolve("data"))) {
            assertFalse(f.reserve(0, MiB), "read-only: refused, nothing changed");
        }
    }

    @Test
    void resizeGrowsSparselyShrinksAndRegrowsWithZeros() throws Exception {
        Path p = dir.resolve("data");
        try (SparseFile f = SparseFile.create(p, MiB)) {
            f.write(0, filled(MiB, 1));
            f.resize(1L << 40);
            assertEquals(1L << 40, f.size());
            assertEquals(1L << 40, Files.size(p));
            assertTrue(f.allocatedBytes() < 2 * MiB, "growing allocates nothing: " + f.allocatedBytes());
            f.write((1L << 40) - 4096, filled(4096, 2)); // the new end is writable
            f.resize(4096);
            assertEquals(4096, f.size());
            assertEquals(4096, Files.size(p));
            byte[] b = read(f, 0, 8192);
            assertEquals(1, b[4095]);
            assertEquals(0, b[4096], "past the end reads zero");
            assertThrows(DeviceIOException.class, () -> f.write(4096, filled(1, 1)));
            f.resize(MiB);
            assertArrayEquals(new byte[MiB - 4096], read(f, 4096, MiB - 4096), "regrown range reads zeros");
            assertThrows(IllegalArgumentException.class, () -> f.resize(-1));
        }
    }

    @Test
    void readOnlyOpenReadsAndRefusesChanges() {
        Path p = dir.resolve("data");
        try (SparseFile f = SparseFile.create(p, 8192)) {
            f.write(0, filled(8192, 3));
        }
        try (SparseFile f = SparseFile.openReadOnly(p)) {
            assertTrue(f.isReadOnly());
            assertEquals(3, read(f, 100, 1)[0]);
            assertTrue(f.allocatedBytes() >= 8192);
            for (Runnable r : List.<Runnable>of(() -> f.write(0, filled(1, 1)), () -> f.punchHole(0, 4096),
                    () -> f.resize(0))) {
                DeviceIOException e = assertThrows(DeviceIOException.class, r::run);
                assertTrue(e.getMessage().contains("read-only"), e.getMessage());
            }
            f.sync();
        }
    }

    /** How many of this process's descriptors are open on {@code file} (Linux: /proc/self/fd). */
    private static long descriptorsOn(Path file) throws Exception {
        Path real = file.toRealPath();
        try (var fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.filter(fd -> {
                try {
                    return Files.readSymbolicLink(fd).equals(real);
                } catch (Exception e) {
                    return false; // closed meanwhile (the listing's own descriptor)
                }
            }).count();
        }
    }

    @Test
    void aReadOnlyFileOpensItsLibcDescriptorOnlyWhenItNeedsOne() throws Exception {
        Path p = dir.resolve("data");
        try (SparseFile f = SparseFile.create(p, 3 * 4096)) {
            assertEquals(2, descriptorsOn(p), "writable: the channel and the libc descriptor, at once");
            f.write(0, filled(4096, 7));
        }
        assertEquals(0, descriptorsOn(p));
        try (SparseFile f = SparseFile.openReadOnly(p)) {
            assertEquals(7, read(f, 10, 1)[0], "a heap-buffer read needs only the channel");
            assertEquals(1, descriptorsOn(p), "read-only: no libc descriptor before one is needed");
            ByteBuffer direct = ByteBuffer.allocateDirect(4096);
            f.read(0, direct);
            assertEquals(7, direct.get(4095));
            assertEquals(2, descriptorsOn(p), "a direct-buffer read opened it");
            assertTrue(f.readsAsZeros(2 * 4096, 4096), "the tail was never written: a hole");
            assertFalse(f.readsAsZeros(0, 4096));
        }
        assertEquals(0, descriptorsOn(p), "close closed both");
        try (SparseFile f = SparseFile.openReadOnly(p)) {
            assertTrue(f.allocatedBytes() >= 4096, "st_blocks through a descriptor opened on demand");
            assertEquals(2, descriptorsOn(p));
        }
        assertEquals(0, descriptorsOn(p));
    }

    @Test
    void closeIsIdempotentAndLaterIoFails() {
        SparseFile f = SparseFile.create(dir.resolve("data"), 4096);
        f.close();
        f.close();
        DeviceIOException e = assertThrows(DeviceIOException.class, () -> f.read(0, ByteBuffer.allocate(1)));
        assertTrue(e.getMessage().contains("closed"), e.getMessage());
        assertThrows(DeviceIOException.class, () -> f.write(0, filled(1, 1)));
        assertThrows(DeviceIOException.class, f::sync);
    }

    @Test
    void anInterruptedWriteSaysSoAndTheDeviceStillClosesAndReopens() {
        Path p = dir.resolve("data");
        SparseFile f = SparseFile.create(p, 4096);
        Thread.currentThread().interrupt();
        DeviceIOException e;
        try {
            e = assertThrows(DeviceIOException.class, () -> f.write(0, filled(4096, 1)));
        } finally {
            Thread.interrupted();
        }
        assertTrue(e.getMessage().contains("interrupt"), e.getMessage());
        f.close();
        try (SparseFile again = SparseFile.open(p)) {
            again.write(0, filled(1, 2));
            assertEquals(2, read(again, 0, 1)[0]);
        }
    }

    @Test
    void concurrentWritersOnDistinctRangesAllLand() throws Exception {
        int threads = 8;
        int perThread = 64;
        try (SparseFile f = SparseFile.create(dir.resolve("data"), (long) threads * perThread * 4096);
                ExecutorService pool = Executors.newFixedThreadPool(threads)) {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int id = t;
                done.add(pool.submit(() -> {
                    for (int i = 0; i < perThread; i++) {
                        f.write(((long) i * threads + id) * 4096, filled(4096, id + 1));
                    }
                }));
            }
            for (Future<?> d : done) {
                d.get();
            }
            for (int block = 0; block < threads * perThread; block++) {
                assertEquals(-1, firstNot(read(f, block * 4096L, 4096), block % threads + 1), "block " + block);
            }
        }
    }

    @Test
    void libcErrorsNameTheFunctionAndErrno() {
        ErrnoException e = assertThrows(ErrnoException.class,
                () -> LibC.fallocate(-1, LibC.FALLOC_FL_PUNCH_HOLE | LibC.FALLOC_FL_KEEP_SIZE, 0, 4096));
        assertEquals(9, e.errno());
        assertTrue(e.getMessage().contains("fallocate") && e.getMessage().contains("EBADF")
                && e.getMessage().contains("Bad file descriptor"), e.getMessage());
        ErrnoException open = assertThrows(ErrnoException.class,
                () -> LibC.open(dir.resolve("missing").toString(), LibC.O_RDWR));
        assertTrue(open.getMessage().contains("ENOENT"), open.getMessage());
    }
}
