package io.jthin.engine.tools;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where the shared fixtures live: the {@code jthin.fixtures} system property (set by Surefire),
 * else {@code ../../shared/fixtures} from the module directory, else from the repository root.
 */
final class Fixtures {

    private Fixtures() {
    }

    static Path dir() {
        String property = System.getProperty("jthin.fixtures");
        Path[] candidates = {
            property == null ? null : Path.of(property),
            Path.of("..", "..", "shared", "fixtures"),
            Path.of("..", "shared", "fixtures"),
        };
        for (Path p : candidates) {
            if (p != null && Files.isDirectory(p)) {
                return p.toAbsolutePath().normalize();
            }
        }
        assertTrue(false, "fixtures not found: set -Djthin.fixtures=/path/to/shared/fixtures");
        return null;
    }

    static Path file(String name) {
        Path p = dir().resolve(name);
        assertTrue(Files.isRegularFile(p), () -> "missing fixture " + p);
        return p;
    }
}
