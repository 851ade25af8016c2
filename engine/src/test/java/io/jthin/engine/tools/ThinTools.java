package io.jthin.engine.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The installed thin-provisioning-tools as test oracles: finds a tool, runs it, captures
 * stdout, stderr and the exit code. A missing tool FAILS the test naming the Debian package
 * (CI installs it); it never skips. The oracles pin 0.9.0 (Debian 12): a different version
 * fails with that said, rather than with puzzling diffs.
 */
final class ThinTools {

    static final String PACKAGE = "thin-provisioning-tools";
    private static final long TIMEOUT_SECONDS = 120;
    private static boolean versionChecked;

    /** What a tool did. */
    record Result(int exitCode, String stdout, String stderr) {
        Result assertSuccess(String what) {
            assertEquals(0, exitCode, () -> what + " failed (exit " + exitCode + "): " + stderr);
            return this;
        }
    }

    private ThinTools() {
    }

    /** The tool's path, or a test failure naming the package to install. */
    static Path find(String tool) {
        List<String> dirs = new ArrayList<>();
        String path = System.getenv("PATH");
        if (path != null) {
            dirs.addAll(List.of(path.split(File.pathSeparator)));
        }
        dirs.addAll(List.of("/usr/sbin", "/sbin", "/usr/bin", "/usr/local/sbin"));
        for (String dir : dirs) {
            if (dir.isEmpty()) {
                continue;
            }
            Path candidate = Path.of(dir, tool);
            if (Files.isExecutable(candidate)) {
                return candidate;
            }
        }
        return fail(tool + " not found in PATH, /usr/sbin or /sbin: install the Debian package " + PACKAGE
                + " (apt-get install -y " + PACKAGE + "); these oracle tests need it and never skip");
    }

    static synchronized void requireVersion090() {
        if (versionChecked) {
            return;
        }
        Result v = run("thin_dump", List.of("-V"));
        assertTrue(v.stdout().strip().startsWith("0.9."), () -> "the oracle tests pin " + PACKAGE
                + " 0.9.0 (Debian 12) but thin_dump -V says '" + v.stdout().strip() + "'");
        versionChecked = true;
    }

    static Result run(String tool, List<String> args) {
        List<String> command = new ArrayList<>();
        command.add(find(tool).toString());
        command.addAll(args);
        Path err = null;
        try {
            err = Files.createTempFile("jthin-" + tool, ".err");
            Process p = new ProcessBuilder(command).redirectError(err.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
            byte[] out;
            try (InputStream in = p.getInputStream()) {
                out = in.readAllBytes();
            }
            if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return fail(command + " did not finish in " + TIMEOUT_SECONDS + " s");
            }
            return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8), Files.readString(err));
        } catch (IOException e) {
            return fail("could not run " + command + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return fail("interrupted running " + command, e);
        } finally {
            if (err != null) {
                try {
                    Files.deleteIfExists(err);
                } catch (IOException ignored) {
                    // a stray temp file is harmless
                }
            }
        }
    }

    /** {@code truncate -s <size> meta && thin_restore -i xml -o meta}; the restore must succeed. */
    static Path restore(Path xml, Path dir, long metadataBytes) throws IOException {
        requireVersion090();
        Path meta = dir.resolve(xml.getFileName().toString().replace(".xml", "") + ".meta");
        try (RandomAccessFile f = new RandomAccessFile(meta.toFile(), "rw")) {
            f.setLength(metadataBytes);
        }
        run("thin_restore", List.of("-i", xml.toString(), "-o", meta.toString())).assertSuccess("thin_restore");
        return meta;
    }

    /** Writes the XML to {@code dir/name.xml} and restores it into a 32 MiB metadata file. */
    static Path restore(String xml, Path dir, String name) throws IOException {
        Path file = dir.resolve(name + ".xml");
        Files.writeString(file, xml, StandardCharsets.UTF_8);
        return restore(file, dir, 32L << 20);
    }
}
