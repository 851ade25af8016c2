package io.jthin.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a one-shot command loads, through the real launcher: the start-up work that issue 7's W7
 * (check and dump against thin_check and thin_dump) measured and that has no use in jthin. Asserted
 * by class name from the JVM's class-loading log, never by time.
 */
class CliStartupTest {
    @TempDir
    Path tmp;

    @Test
    void aCheckLoadsNeitherJnrNorItsNativeStubs() throws IOException, InterruptedException {
        String pool = tmp.resolve("pool").toString();
        Cli.run("pool", "create", "-p", pool, "--data-size", "64m", "--metadata-size", "4m").ok("create");
        List<String> loaded = classesLoadedBy("check", "-q", "-p", pool);
        assertTrue(loaded.stream().anyMatch(c -> c.startsWith("net.openhft.chronicle.bytes.")),
                "the check reads blocks through Chronicle Bytes, so its classes must show in the log: " + loaded.size());
        List<String> jnr = loaded.stream().filter(c -> c.startsWith("jnr.") || c.startsWith("com.kenai.jffi.")).toList();
        assertTrue(jnr.isEmpty(), () -> "Chronicle's native POSIX binding (jnr-ffi) was loaded, about 0.2 s of start-up: "
                + jnr.size() + " classes, first " + jnr.subList(0, Math.min(5, jnr.size())));
    }

    /** Runs {@code ./jthin args} with class-load logging; returns the names of the classes it loaded. */
    private List<String> classesLoadedBy(String... args) throws IOException, InterruptedException {
        Path root = CliDemoTest.repositoryRoot();
        Path log = tmp.resolve("classes.log");
        Path out = tmp.resolve("out.txt");
        List<String> cmd = new ArrayList<>(List.of(root.resolve("jthin").toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(root.toFile()).redirectErrorStream(true).redirectOutput(out.toFile());
        pb.environment().put("JTHIN_NO_BUILD", "1");
        pb.environment().put("JTHIN_JAVA_OPTS", "-Xlog:class+load=info:file=" + log);
        Process p = pb.start();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail("./jthin " + String.join(" ", args) + " did not finish in 120 s");
        }
        assertEquals(0, p.exitValue(), () -> "./jthin " + String.join(" ", args) + " failed: " + read(out));
        // Lines look like "[0.081s][info][class,load] picocli.CommandLine source: file:/…/jthin-cli.jar".
        return Files.readAllLines(log, StandardCharsets.UTF_8).stream()
                .map(l -> l.substring(l.lastIndexOf(']') + 1).trim())
                .map(l -> l.contains(" ") ? l.substring(0, l.indexOf(' ')) : l)
                .toList();
    }

    private static String read(Path p) {
        try {
            return Files.readString(p, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(no output: " + e + ")";
        }
    }
}
