package io.jthin.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
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

    @Test
    void aCheckOfAMetadataFileNeverLinksLibc() throws IOException, InterruptedException {
        String pool = tmp.resolve("pool").toString();
        Cli.run("pool", "create", "-p", pool, "--data-size", "64m", "--metadata-size", "4m").ok("create");
        // Lines look like "[0.191s][info][class,init] 867 Initializing 'io/jthin/loopfile/NativeFile' (0x…) by thread …".
        List<String> initialised = logOf("class+init", root().resolve("jthin").toString(), "check", "-q", "-p", pool).stream()
                .filter(l -> l.contains(" Initializing '"))
                .map(l -> l.substring(l.indexOf('\'') + 1, l.indexOf('\'', l.indexOf('\'') + 1)))
                .toList();
        assertTrue(initialised.contains("io/jthin/loopfile/SparseFile"), "the check opened the metadata file: " + initialised.size());
        List<String> libc = initialised.stream().filter(c -> c.startsWith("io/jthin/loopfile/LibC") && !c.endsWith("$Platform")).toList();
        assertTrue(libc.isEmpty(), () -> "a read-only check of heap-buffer reads linked libc through FFM (tens of ms of "
                + "method-handle spinning): " + libc);
    }

    /**
     * The metadata tools' picocli models are built by calls (SpecBuilder): reading a model from
     * annotations costs a proxy class per annotation type and reflective field access, ~60 ms of a
     * check. picocli's {@code TypedMember} wraps each annotated field or method it reads, so it is
     * loaded exactly when a model comes from annotations; {@code pool status} (annotated) shows it is.
     * Run without the AOT cache, which would load every class it holds at start.
     */
    @Test
    void theMetadataToolsReadNoAnnotationsForTheirCommandLine() throws IOException, InterruptedException {
        String pool = tmp.resolve("pool").toString();
        Cli.run("pool", "create", "-p", pool, "--data-size", "64m", "--metadata-size", "4m").ok("create");
        Cli.run("thin", "create", "-p", pool, "1", "--size", "1m").ok("thin create 1");
        Cli.run("thin", "create", "-p", pool, "2", "--size", "1m").ok("thin create 2");
        String typedMember = "picocli.CommandLine$Model$TypedMember";
        for (List<String> tool : List.of(List.of("check", "-q"), List.of("dump"), List.of("ls"),
                List.of("delta", "--thin1", "1", "--thin2", "2"))) {
            List<String> args = new ArrayList<>(tool);
            args.addAll(List.of("-p", pool));
            List<String> loaded = classesLoadedWithoutCache(args.toArray(String[]::new));
            assertTrue(loaded.contains("picocli.CommandLine"), () -> tool + " parsed its command line with picocli");
            assertFalse(loaded.contains(typedMember), () -> tool + " read a picocli model from annotations");
        }
        assertTrue(classesLoadedWithoutCache("pool", "status", "-p", pool).contains(typedMember),
                "pool status, whose model is annotated, loads " + typedMember);
    }

    /** Chronicle's native POSIX binding and its ASM: in the jar, never loaded (see the test above). */
    private static final List<String> JNR_FFI = List.of("jnr/", "com/kenai/", "org/objectweb/asm/");

    @Test
    void everyClassACommandLoadsHasStackMapsSoTheAotCacheCanHoldIt() throws IOException {
        Path jar = root().resolve("engine/target/jthin-cli.jar");
        List<String> old = new ArrayList<>();
        int picocli = 0;
        try (ZipFile z = new ZipFile(jar.toFile())) {
            for (ZipEntry e : java.util.Collections.list(z.entries())) {
                if (!e.getName().endsWith(".class") || e.getName().startsWith("META-INF/versions/")
                        || JNR_FFI.stream().anyMatch(e.getName()::startsWith)) {
                    continue;
                }
                picocli += e.getName().startsWith("picocli/") ? 1 : 0;
                try (InputStream in = z.getInputStream(e)) {
                    byte[] head = in.readNBytes(8);
                    int major = ((head[6] & 0xff) << 8) | (head[7] & 0xff);
                    if (major < 50) {
                        old.add(e.getName() + " (" + major + ")");
                    }
                }
            }
        }
        assertTrue(picocli > 100, "picocli is in the jar: " + picocli + " classes");
        assertTrue(old.isEmpty(), () -> old.size() + " class files older than version 50 (no stack maps; the AOT cache "
                + "refuses them): " + old.subList(0, Math.min(5, old.size())));
    }

    @Test
    void picocliIsLoadedFromTheAotCache() throws IOException, InterruptedException {
        Path jar = root().resolve("engine/target/jthin-cli.jar");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Path cache = tmp.resolve("cli.aot");
        runWith(null, java, "-XX:AOTCacheOutput=" + cache, "-Xlog:aot*=off", "-Xlog:cds*=off", "-jar", jar.toString(), "--help");
        assertTrue(Files.size(cache) > 0, "the training run wrote " + cache);
        // Lines look like "[0.081s][info][class,load] picocli.CommandLine source: shared objects file".
        List<String> picocli = logOf("class+load", java, "-XX:AOTCache=" + cache, "-Xlog:aot*=off", "-Xlog:cds*=off",
                "-jar", jar.toString(), "--help").stream()
                .map(l -> l.substring(l.lastIndexOf(']') + 1).trim())
                .filter(l -> l.startsWith("picocli."))
                .toList();
        assertTrue(picocli.size() > 50, "--help loads picocli: " + picocli.size());
        List<String> fromJar = picocli.stream().filter(l -> !l.endsWith("source: shared objects file")).toList();
        assertTrue(fromJar.isEmpty(), () -> fromJar.size() + " picocli classes loaded from the jar, not the cache: "
                + fromJar.subList(0, Math.min(5, fromJar.size())));
    }

    private static Path root() {
        return CliDemoTest.repositoryRoot();
    }

    /** Runs {@code ./jthin args} with class-load logging; returns the names of the classes it loaded. */
    private List<String> classesLoadedBy(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(root().resolve("jthin").toString()));
        cmd.addAll(List.of(args));
        // Lines look like "[0.081s][info][class,load] picocli.CommandLine source: file:/…/jthin-cli.jar".
        return logOf("class+load", cmd.toArray(String[]::new)).stream()
                .map(l -> l.substring(l.lastIndexOf(']') + 1).trim())
                .map(l -> l.contains(" ") ? l.substring(0, l.indexOf(' ')) : l)
                .toList();
    }

    /** As {@link #classesLoadedBy}, without the AOT cache (JTHIN_JAVA_OPTS naming -Xshare turns it off). */
    private List<String> classesLoadedWithoutCache(String... args) throws IOException, InterruptedException {
        Path log = Files.createTempFile(tmp, "jvm", ".log");
        List<String> cmd = new ArrayList<>(List.of(root().resolve("jthin").toString()));
        cmd.addAll(List.of(args));
        runWith("-Xshare:auto -Xlog:class+load=info:file=" + log, cmd.toArray(String[]::new));
        return Files.readAllLines(log, StandardCharsets.UTF_8).stream()
                .map(l -> l.substring(l.lastIndexOf(']') + 1).trim())
                .map(l -> l.contains(" ") ? l.substring(0, l.indexOf(' ')) : l)
                .toList();
    }

    /**
     * Runs {@code cmd} (the launcher, or a JVM) with the JVM's {@code tags} log at info level written to
     * a file (through JTHIN_JAVA_OPTS for the launcher, as an option for a JVM); returns its lines.
     */
    private List<String> logOf(String tags, String... cmd) throws IOException, InterruptedException {
        Path log = Files.createTempFile(tmp, "jvm", ".log");
        String option = "-Xlog:" + tags + "=info:file=" + log;
        List<String> full = new ArrayList<>(List.of(cmd));
        boolean launcher = cmd[0].endsWith("jthin");
        if (!launcher) {
            full.add(1, option);
        }
        runWith(launcher ? option : null, full.toArray(String[]::new));
        return Files.readAllLines(log, StandardCharsets.UTF_8);
    }

    /** Runs {@code cmd} to a successful end (JTHIN_JAVA_OPTS = {@code javaOpts} unless null). */
    private void runWith(String javaOpts, String... cmd) throws IOException, InterruptedException {
        Path out = Files.createTempFile(tmp, "out", ".txt");
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(root().toFile()).redirectErrorStream(true).redirectOutput(out.toFile());
        pb.environment().put("JTHIN_NO_BUILD", "1");
        if (javaOpts != null) {
            pb.environment().put("JTHIN_JAVA_OPTS", javaOpts);
        }
        Process p = pb.start();
        String line = String.join(" ", cmd);
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail(line + " did not finish in 120 s");
        }
        assertEquals(0, p.exitValue(), () -> line + " failed: " + read(out));
    }

    private static String read(Path p) {
        try {
            return Files.readString(p, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(no output: " + e + ")";
        }
    }
}
