package io.jthin.loopfile;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SparseFileTest {
    @TempDir
    Path dir;

    private static ByteBuffer filled(int n, int b) {
        byte[] a = new byte[n];
        Arrays.fill(a, (byte) b);
        return ByteBuffer.wrap(a);
    }

    @Test
    void createIsSparseAndReadsZeros() {
        try (SparseFile f = SparseFile.create(dir.resolve("data"), 100L << 30)) {
            assertEquals(100L << 30, f.size());
            assertTrue(f.allocatedBytes() < (1 << 20), "a new 100 GiB file allocates nothing: " + f.allocatedBytes());
            ByteBuffer b = ByteBuffer.allocate(4096);
            f.read(50L << 30, b);
            assertArrayEquals(new byte[4096], b.array());
        }
    }

    @Test
    void punchHoleLowersAllocationAndReadsZeros() {
        try (SparseFile f = SparseFile.create(dir.resolve("data"), 16 << 20)) {
            f.write(0, filled(4 << 20, 0xab));
            f.sync();
            long before = f.allocatedBytes();
            assertTrue(before >= 4 << 20, "4 MiB written: " + before);
            f.punchHole(1 << 20, 2 << 20);
            long after = f.allocatedBytes();
            assertEquals(before - (2 << 20), after, "2 MiB punched out");
            ByteBuffer b = ByteBuffer.allocate(4 << 20);
            f.read(0, b);
            for (int i = 0; i < (4 << 20); i++) {
                byte expected = i >= (1 << 20) && i < (3 << 20) ? 0 : (byte) 0xab;
                if (b.get(i) != expected) {
                    throw new AssertionError("byte " + i + " is " + b.get(i) + ", expected " + expected);
                }
            }
            assertEquals(16 << 20, f.size(), "punching keeps the size");
        }
    }

    @Test
    void resizeGrowsSparselyAndShrinks() {
        try (SparseFile f = SparseFile.create(dir.resolve("data"), 1 << 20)) {
            f.write(0, filled(1 << 20, 1));
            f.resize(1L << 40);
            assertEquals(1L << 40, f.size());
            assertTrue(f.allocatedBytes() < (2 << 20), "growing allocates nothing: " + f.allocatedBytes());
            f.resize(4096);
            assertEquals(4096, f.size());
            ByteBuffer b = ByteBuffer.allocate(8192);
            f.read(0, b);
            assertEquals(1, b.get(4095));
            assertEquals(0, b.get(4096), "past the end reads zero");
        }
    }

    @Test
    void writePastEndIsRefused() {
        try (SparseFile f = SparseFile.create(dir.resolve("data"), 4096)) {
            DeviceIOException e = assertThrows(DeviceIOException.class, () -> f.write(4000, filled(200, 1)));
            assertTrue(e.getMessage().contains("past the end"), e.getMessage());
        }
    }

    @Test
    void secondOpenInSameJvmIsRefusedNamingThePath() {
        Path p = dir.resolve("meta");
        try (SparseFile f = SparseFile.create(p, 4096)) {
            f.write(0, ByteBuffer.wrap("hello".getBytes(StandardCharsets.US_ASCII)));
            PoolLockedException e = assertThrows(PoolLockedException.class, () -> SparseFile.open(p));
            assertTrue(e.getMessage().contains(p.toString()), e.getMessage());
            ByteBuffer b = ByteBuffer.allocate(5);
            f.read(0, b);
            assertEquals("hello", new String(b.array(), StandardCharsets.US_ASCII), "the first open still works");
        }
        try (SparseFile again = SparseFile.open(p)) {
            assertEquals(4096, again.size(), "the lock is released on close");
        }
    }

    @Test
    void secondProcessIsRefused() throws Exception {
        Path p = dir.resolve("meta");
        try (SparseFile f = SparseFile.create(p, 4096)) {
            assertEquals(3, runSecondJvm(p), "a second process must be refused while we hold the file");
        }
        assertEquals(0, runSecondJvm(p), "after close a second process may open it");
    }

    private static int runSecondJvm(Path p) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process proc = new ProcessBuilder(List.of(java, "--enable-native-access=ALL-UNNAMED", "-cp",
                System.getProperty("java.class.path"), LockHolderMain.class.getName(), p.toString()))
                .redirectErrorStream(true).start();
        String out = new String(proc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        int rc = proc.waitFor();
        if (rc == 3) {
            assertTrue(out.contains(p.toString()), "the refusal names the path: " + out);
        }
        return rc;
    }
}
