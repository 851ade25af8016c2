package io.jthin.tests;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs the real thin-provisioning-tools as oracles. A missing tool fails the test, naming the
 * Debian package (scripts/test installs it); it never skips.
 */
final class ThinTools {
    record Result(int exitCode, String stdout, String stderr) {
    }

    private ThinTools() {
    }

    static Result run(String tool, String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(locate(tool));
        cmd.addAll(List.of(args));
        try {
            Path out = Files.createTempFile("jthin-tool", ".out");
            Path err = Files.createTempFile("jthin-tool", ".err");
            try {
                Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
                if (!p.waitFor(120, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    fail(tool + " did not finish within 120 s");
                }
                return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                        Files.readString(err, StandardCharsets.UTF_8));
            } finally {
                Files.deleteIfExists(out);
                Files.deleteIfExists(err);
            }
        } catch (IOException e) {
            throw new AssertionError("could not run " + tool + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while running " + tool, e);
        }
    }

    static String locate(String tool) {
        for (String dir : List.of("/usr/sbin", "/usr/bin", "/sbin", "/bin")) {
            Path p = Path.of(dir, tool);
            if (Files.isExecutable(p)) {
                return p.toString();
            }
        }
        throw new AssertionError(tool + " is missing: install the Debian package thin-provisioning-tools "
                + "(scripts/test does so when run as root)");
    }

    /** thin_check must exit 0 on {@code metadata}; otherwise the test fails with its output. */
    static void assertCheckClean(Path metadata, String context) {
        Result r = run("thin_check", metadata.toString());
        if (r.exitCode() != 0) {
            fail(context + ": thin_check exited " + r.exitCode() + "\nstdout: " + r.stdout() + "\nstderr: "
                    + r.stderr());
        }
    }
}
