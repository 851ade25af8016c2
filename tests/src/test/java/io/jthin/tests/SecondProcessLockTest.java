package io.jthin.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jthin.engine.PoolDirectory;
import io.jthin.engine.PoolOptions;
import io.jthin.engine.ThinVolume;
import io.jthin.loopfile.LoopLvmLayout;
import io.jthin.loopfile.PoolLockedException;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 6: a pool in use is refused to a second process, in a real second JVM, both ways round,
 * naming the file; the refused attempt changes neither file; once the holder closes, the other
 * process gets in. The read-only tools are refused while a writer holds the pool.
 */
class SecondProcessLockTest {
    @TempDir
    Path dir;

    private static PoolOptions options() {
        return PoolOptions.defaults().withCommitInterval(Duration.ZERO);
    }

    private static List<String> javaCommand(Path pool, String mode) {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = new ArrayList<>(List.of(java, "--enable-native-access=ALL-UNNAMED",
                "--sun-misc-unsafe-memory-access=allow", "-cp", System.getProperty("java.class.path"),
                PoolOpenerMain.class.getName(), pool.toString(), mode));
        return cmd;
    }

    private static String sha256(Path... files) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("sha256sum"));
        for (Path f : files) {
            cmd.add(f.toString());
        }
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0, "sha256sum: " + out);
        return out;
    }

    private record Run(int exit, String out) {
    }

    private static Run runSecondJvm(Path pool, String mode) throws Exception {
        Process p = new ProcessBuilder(javaCommand(pool, mode)).redirectErrorStream(true).start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the second JVM did not finish");
        assertTrue(p.exitValue() == PoolOpenerMain.OPENED || p.exitValue() == PoolOpenerMain.LOCKED,
                "the second JVM failed otherwise: " + out);
        return new Run(p.exitValue(), out.strip());
    }

    @Test
    void aSecondProcessIsRefusedWhileThePoolIsOpen() throws Exception {
        Path pool = dir.resolve("pool");
        LoopLvmLayout layout = LoopLvmLayout.of(pool);
        List<String> lines = new ArrayList<>();
        try (PoolDirectory p = PoolDirectory.create(pool, 64L << 20, 4L << 20, options(), false)) {
            p.createThin(1, 8L << 20);
            try (ThinVolume v = p.openVolume(1)) {
                v.write(0, ByteBuffer.wrap(new byte[] {1, 2, 3}));
                v.flush();
            }
            // Hashed by another process: opening a pool file in this JVM would drop our POSIX lock
            // (SparseFile's documented rule), which is not what is tested here.
            String before = sha256(layout.dataFile(), layout.metadataFile());
            Run rw = runSecondJvm(pool, "open");
            assertEquals(PoolOpenerMain.LOCKED, rw.exit(), "a second writer is refused: " + rw.out());
            assertTrue(rw.out().contains(layout.dataFile().toString()) || rw.out().contains(layout.metadataFile().toString()),
                    "the refusal names the pool file: " + rw.out());
            Run tools = runSecondJvm(pool, "tools");
            assertEquals(PoolOpenerMain.LOCKED, tools.exit(), "read-only tools are refused too: " + tools.out());
            assertEquals(before, sha256(layout.dataFile(), layout.metadataFile()), "the refused processes wrote nothing");
            lines.add("while this JVM holds the pool: open -> refused (\"" + rw.out() + "\"), tools -> refused");
        }
        Run after = runSecondJvm(pool, "open");
        assertEquals(PoolOpenerMain.OPENED, after.exit(), "after close the second process opens it: " + after.out());
        assertTrue(after.out().contains("[1]"), after.out());
        lines.add("after close: open -> " + after.out());

        // The other way round: the second JVM holds the pool, this one is refused.
        Process holder = new ProcessBuilder(javaCommand(pool, "hold")).redirectErrorStream(true).start();
        try {
            BufferedReader r = new BufferedReader(new InputStreamReader(holder.getInputStream(), StandardCharsets.UTF_8));
            String first = r.readLine();
            assertTrue(first != null && first.startsWith("holding"), "the holder opened the pool: " + first);
            PoolLockedException e = assertThrows(PoolLockedException.class, () -> PoolDirectory.open(pool));
            assertTrue(e.getMessage().contains(pool.toString()), e.getMessage());
            assertThrows(PoolLockedException.class, () -> PoolDirectory.openMetadataReadOnly(pool, 1 << 20).close());
            lines.add("while another JVM holds the pool: open here -> refused (\"" + e.getMessage() + "\")");
        } finally {
            holder.getOutputStream().close(); // lets the holder close the pool and exit
            assertTrue(holder.waitFor(60, TimeUnit.SECONDS), "the holder exited");
        }
        assertEquals(PoolOpenerMain.OPENED, holder.exitValue());
        try (PoolDirectory p = PoolDirectory.open(pool)) {
            assertEquals(List.of(1L), p.deviceIds(), "and once it has exited this JVM gets in");
        }
        lines.add("after the holder exited: open here -> ok");
        System.out.println("lock: second process refused both ways round (2 JVMs):\n  " + String.join("\n  ", lines));
    }
}
