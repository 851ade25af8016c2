package io.jthin.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Must-show 1 of issue 5: {@code ./jthin demo} runs green through the real launcher, as a user
 * types it at the repository root. {@code JTHIN_NO_BUILD=1} makes the launcher run the jar this
 * build has just packaged (engine is packaged before tests run) instead of rebuilding.
 */
class CliDemoTest {
    @TempDir
    Path tmp;

    static Path repositoryRoot() {
        Path p = Path.of("").toAbsolutePath();
        return Files.exists(p.resolve("jthin")) ? p : p.getParent();
    }

    @Test
    void demoRunsGreenThroughTheLauncher() throws IOException, InterruptedException {
        Path root = repositoryRoot();
        Path jar = root.resolve("engine/target/jthin-cli.jar");
        assertTrue(Files.isRegularFile(jar), () -> jar + " is missing: build the engine module first (mvn install)");
        Path log = tmp.resolve("demo.log");
        ProcessBuilder pb = new ProcessBuilder(root.resolve("jthin").toString(), "demo", "--dir", tmp.toString())
                .directory(root.toFile()).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().put("JTHIN_NO_BUILD", "1");
        Process p = pb.start();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail("./jthin demo did not finish in 120 s:\n" + Files.readString(log));
        }
        String out = Files.readString(log, StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), () -> "./jthin demo failed:\n" + out);
        assertTrue(out.contains("demo: every step proved what it should."), out);
        assertTrue(out.contains("proved: both files are sparse"), out);
        assertTrue(out.contains("proved: they differ"), out);
        assertTrue(out.contains("proved: the real thin_check accepts the metadata"), () -> "thin_check must be installed\n" + out);
        assertFalse(out.contains("FAILED"), out);
        assertFalse(out.contains("SLF4J"), () -> "logging noise in the CLI output:\n" + out);
        try (var s = Files.list(tmp)) {
            assertEquals(0, s.filter(f -> !f.equals(log)).count(), "the demo cleans up its temporary directory");
        }
    }
}
