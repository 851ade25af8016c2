package io.jthin.loopfile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** SparseFile's exclusive lock: within this JVM (the open set) and against other processes (OS lock). */
class SparseFileLockTest {
    @TempDir
    Path dir;

    @Test
    void secondOpenInThisJvmIsRefusedNamingThePath() {
        Path p = dir.resolve("meta");
        try (SparseFile f = SparseFile.create(p, 4096)) {
            f.write(0, TestBytes.filled(5, 'h'));
            PoolLockedException e = assertThrows(PoolLockedException.class, () -> SparseFile.open(p));
            assertTrue(e.getMessage().contains(p.toString()), e.getMessage());
            assertEquals(p, e.path());
            assertThrows(PoolLockedException.class, () -> SparseFile.openReadOnly(p));
            assertThrows(PoolLockedException.class, () -> SparseFile.open(dir.resolve(".").resolve("meta")),
                    "another spelling of the same file");
            assertEquals('h', TestBytes.read(f, 0, 1)[0], "the first open still works");
        }
        try (SparseFile again = SparseFile.open(p)) {
            assertEquals(4096, again.size(), "the lock is released on close");
        }
    }

    @Test
    void aSymlinkIsTheSameFile() throws Exception {
        Path p = dir.resolve("data");
        Path link = Files.createSymbolicLink(dir.resolve("link"), p.getFileName());
        try (SparseFile f = SparseFile.create(p, 4096)) {
            assertThrows(PoolLockedException.class, () -> SparseFile.open(link));
            assertEquals(f.canonicalPath(), link.toRealPath());
        }
    }

    @Test
    void secondProcessIsRefusedWhileHeldAndAdmittedAfterClose() throws Exception {
        Path p = dir.resolve("meta");
        try (SparseFile f = SparseFile.create(p, 4096)) {
            assertEquals(p, f.path());
            assertEquals(LockHolderMain.LOCKED, runSecondJvm(p, "rw"), "a writer is refused while we hold the file");
            assertEquals(LockHolderMain.LOCKED, runSecondJvm(p, "ro"), "a reader is refused too");
        }
        assertEquals(LockHolderMain.OPENED, runSecondJvm(p, "rw"), "after close a second process may open it");
    }

    @Test
    void aRefusedOpenInThisJvmDoesNotDropTheOsLock() throws Exception {
        Path p = dir.resolve("meta");
        try (SparseFile f = SparseFile.create(p, 4096)) {
            for (int i = 0; i < 3; i++) {
                assertThrows(PoolLockedException.class, () -> SparseFile.open(p));
            }
            f.write(0, TestBytes.filled(1, 1)); // and our own descriptors still work
            assertEquals(LockHolderMain.LOCKED, runSecondJvm(p, "rw"),
                    "POSIX locks die with any descriptor closed in this process: none may have been opened");
        }
    }

    @Test
    void closingAnotherDescriptorOfTheFileInThisJvmKeepsTheLock() throws Exception {
        Path p = dir.resolve("meta");
        try (SparseFile f = SparseFile.create(p, 4096)) {
            f.write(0, TestBytes.filled(1, 7));
            // What code elsewhere in the JVM may do: each opens its own descriptor and closes it.
            // A POSIX lock dies with the first of these closes; ours must not.
            try (FileChannel other = FileChannel.open(p, StandardOpenOption.READ)) {
                assertEquals(1, other.read(ByteBuffer.allocate(1), 0));
            }
            assertEquals(4096, Files.readAllBytes(p).length);
            assertEquals(LockHolderMain.LOCKED, runSecondJvm(p, "rw"), "a writer is still refused");
            assertEquals(LockHolderMain.LOCKED, runSecondJvm(p, "ro"), "and a reader");
        }
    }

    @Test
    void anotherLockOnTheFileInThisJvmConflicts() throws Exception {
        Path p = dir.resolve("meta");
        try (SparseFile f = SparseFile.create(p, 4096);
                FileChannel other = FileChannel.open(p, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            assertNull(other.tryLock(), "the kernel refuses a POSIX lock of this process on a file we hold");
            assertEquals(LockHolderMain.LOCKED, runSecondJvm(p, "rw"), "and the refused attempt dropped nothing");
        }
    }

    @Test
    void aHardLinkIsRefusedInThisJvmAndElsewhere() throws Exception {
        Path p = dir.resolve("data");
        SparseFile.create(p, 4096).close();
        Path link = Files.createLink(dir.resolve("hardlink"), p);
        try (SparseFile f = SparseFile.open(p)) {
            assertNotEquals(f.canonicalPath(), link.toRealPath(), "a hard link has a name of its own");
            PoolLockedException e = assertThrows(PoolLockedException.class, () -> SparseFile.open(link));
            assertEquals(link, e.path());
            assertEquals(LockHolderMain.LOCKED, runSecondJvm(link, "rw"));
        }
    }

    @Test
    void readersShareButExcludeWriters() throws Exception {
        Path p = dir.resolve("meta");
        SparseFile.create(p, 4096).close();
        try (SparseFile f = SparseFile.openReadOnly(p)) {
            assertTrue(f.isReadOnly());
            assertEquals(LockHolderMain.OPENED, runSecondJvm(p, "ro"), "another reader may open it");
            assertEquals(LockHolderMain.LOCKED, runSecondJvm(p, "rw"), "a writer may not");
        }
    }

    @Test
    void aFailedCreateReleasesThePath() throws Exception {
        Path p = dir.resolve("meta");
        Files.write(p, new byte[1]);
        assertThrows(DeviceIOException.class, () -> SparseFile.create(p, 4096));
        try (SparseFile f = SparseFile.open(p)) {
            assertEquals(1, f.size(), "the path is free again after the failed create");
        }
    }

    /** Runs {@link LockHolderMain} in a fresh JVM and returns its exit code. */
    private static int runSecondJvm(Path p, String mode) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process proc = new ProcessBuilder(List.of(java, "--enable-native-access=ALL-UNNAMED", "-cp",
                System.getProperty("java.class.path"), LockHolderMain.class.getName(), p.toString(), mode))
                .redirectErrorStream(true).start();
        String out = new String(proc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(proc.waitFor(60, TimeUnit.SECONDS), "second JVM timed out");
        int rc = proc.exitValue();
        if (rc == LockHolderMain.LOCKED) {
            assertTrue(out.contains(p.toString()), "the refusal names the path: " + out);
        }
        assertTrue(rc == LockHolderMain.LOCKED || rc == LockHolderMain.OPENED, "second JVM failed: " + out);
        return rc;
    }
}
