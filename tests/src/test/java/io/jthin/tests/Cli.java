package io.jthin.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jthin.engine.cli.JthinCommand;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/** Drives the jthin command line in-process ({@link JthinCommand#run}) and captures what it prints. */
final class Cli {
    record Result(int code, byte[] stdout, String err) {
        String out() {
            return new String(stdout, StandardCharsets.UTF_8);
        }

        Result ok(String what) {
            assertEquals(0, code, () -> what + " failed (exit " + code + "): " + err + out());
            return this;
        }

        /** Failed with {@code code}, saying so in exactly one line of stderr that contains {@code phrase}. */
        Result fails(int expectedCode, String phrase) {
            assertEquals(expectedCode, code, () -> "exit code; stderr: " + err + " stdout: " + out());
            String e = err.stripTrailing();
            assertFalse(e.contains("\n"), () -> "more than one line on stderr:\n" + err);
            assertTrue(e.startsWith("jthin "), () -> "not a jthin error line: " + err);
            assertTrue(e.contains(phrase), () -> "'" + phrase + "' not in: " + err);
            assertFalse(e.contains("Exception") || e.contains("\tat "), () -> "stack trace or class name: " + err);
            return this;
        }
    }

    private Cli() {
    }

    static Result run(String... args) {
        return run(new byte[0], args);
    }

    static Result run(byte[] stdin, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = JthinCommand.run(args, new ByteArrayInputStream(stdin), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Result(code, out.toByteArray(), err.toString(StandardCharsets.UTF_8));
    }

    /** A fingerprint of every file under {@code dir} (path → sha-256), to show a failed command changed nothing. */
    static Map<String, String> fingerprint(Path dir) throws IOException {
        Map<String, String> m = new TreeMap<>();
        if (!Files.exists(dir)) {
            return m;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.filter(Files::isRegularFile).toList()) {
                m.put(dir.relativize(p).toString(), sha256(p));
            }
        }
        return m;
    }

    static String sha256(Path file) throws IOException {
        try {
            MessageDigest d = MessageDigest.getInstance("SHA-256");
            try (var in = Files.newInputStream(file)) {
                byte[] buf = new byte[1 << 20];
                for (int n; (n = in.read(buf)) > 0; ) {
                    d.update(buf, 0, n);
                }
            }
            return HexFormat.of().formatHex(d.digest()) + "/" + Files.size(file);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
