package io.jthin.allocator;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs the real thin-provisioning-tools (Debian 0.9.0) as oracles. A missing tool FAILS the test
 * loudly (CI installs the package via scripts/test); it never skips.
 */
final class ThinTools {
    private ThinTools() {
    }

    record Result(int exitCode, String stdout, String stderr) {
        String describe() {
            return "exit " + exitCode + "\n--- stdout\n" + stdout + "\n--- stderr\n" + stderr;
        }
    }

    static Path fixtures() {
        String dir = System.getProperty("jthin.fixtures");
        Path p = dir != null ? Path.of(dir) : Path.of("../../shared/fixtures");
        if (!Files.isDirectory(p)) {
            fail("fixtures directory " + p.toAbsolutePath() + " is missing (system property jthin.fixtures)");
        }
        return p;
    }

    static Path tool(String name) {
        for (String dir : List.of("/usr/sbin", "/sbin", "/usr/bin", "/bin", "/usr/local/sbin", "/usr/local/bin")) {
            Path p = Path.of(dir, name);
            if (Files.isExecutable(p)) {
                return p;
            }
        }
        String path = System.getenv("PATH");
        if (path != null) {
            for (String dir : path.split(":")) {
                Path p = Path.of(dir, name);
                if (Files.isExecutable(p)) {
                    return p;
                }
            }
        }
        fail(name + " is not installed: install Debian's thin-provisioning-tools (scripts/test does it as root)");
        throw new AssertionError();
    }

    static Result run(String... command) {
        List<String> cmd = new ArrayList<>(List.of(command));
        cmd.set(0, tool(command[0]).toString());
        try {
            Path out = Files.createTempFile("jthin-tool", ".out");
            Path err = Files.createTempFile("jthin-tool", ".err");
            try {
                Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
                if (!p.waitFor(120, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    fail(String.join(" ", cmd) + " did not finish in 120 s");
                }
                return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                        Files.readString(err, StandardCharsets.UTF_8));
            } finally {
                Files.deleteIfExists(out);
                Files.deleteIfExists(err);
            }
        } catch (IOException e) {
            throw new AssertionError("could not run " + cmd, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** thin_restore of {@code xml} into a new metadata file of {@code sizeBytes}. */
    static Path restore(Path dir, String name, String xml, long sizeBytes) throws IOException {
        Path x = dir.resolve(name + ".xml");
        Path meta = dir.resolve(name + ".meta");
        Files.writeString(x, xml);
        try (var f = new java.io.RandomAccessFile(meta.toFile(), "rw")) {
            f.setLength(sizeBytes);
        }
        Result r = run("thin_restore", "-i", x.toString(), "-o", meta.toString());
        if (r.exitCode() != 0) {
            fail("thin_restore failed on " + x + ": " + r.describe());
        }
        return meta;
    }

    /** thin_check of {@code meta}: fails with the tool's output unless it exits 0. */
    static void assertCheckPasses(Path meta, String context) {
        Result r = run("thin_check", meta.toString());
        if (r.exitCode() != 0) {
            fail("thin_check rejected " + meta + " (" + context + "): " + r.describe());
        }
    }
}
