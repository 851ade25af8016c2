package io.jthin.tests;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The layers of ARCHITECTURE.md, enforced on the sources: a module's main code may name only its
 * own package and the packages of the modules below it, and nothing above the transaction manager
 * touches the {@code BlockManager} directly.
 */
class LayeringTest {
    /** Modules bottom-up with their packages; each may use the ones before it. */
    private static final List<Map.Entry<String, String>> LAYERS = List.of(
            Map.entry("loopfile", "io.jthin.loopfile"),
            Map.entry("metadata-btree", "io.jthin.btree"),
            Map.entry("block-allocator", "io.jthin.allocator"),
            Map.entry("cow-snapshot", "io.jthin.snapshot"),
            Map.entry("engine", "io.jthin.engine"));
    private static final Pattern JTHIN_REF = Pattern.compile("\\bio\\.jthin\\.([a-z]+)\\b");

    private static Path root() {
        Path p = Path.of("").toAbsolutePath();
        return Files.exists(p.resolve("loopfile")) ? p : p.getParent();
    }

    /** Code only: what comments mention is not a dependency. */
    private static String withoutComments(String java) {
        return java.replaceAll("(?s)/\\*.*?\\*/", " ").replaceAll("//[^\n]*", " ");
    }

    @Test
    void modulesOnlyUseLowerLayers() throws IOException {
        List<String> violations = new ArrayList<>();
        for (int i = 0; i < LAYERS.size(); i++) {
            String module = LAYERS.get(i).getKey();
            List<String> allowed = new ArrayList<>();
            for (int j = 0; j <= i; j++) {
                allowed.add(LAYERS.get(j).getValue());
            }
            Path src = root().resolve(module).resolve("src/main/java");
            if (!Files.isDirectory(src)) {
                continue;
            }
            try (Stream<Path> files = Files.walk(src)) {
                for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                    String text = withoutComments(Files.readString(f));
                    Matcher m = JTHIN_REF.matcher(text);
                    while (m.find()) {
                        String pkg = "io.jthin." + m.group(1);
                        if (!allowed.contains(pkg)) {
                            violations.add(module + ": " + root().relativize(f) + " uses " + pkg);
                        }
                    }
                    if (i >= 2 && Pattern.compile("\\bBlockManager\\b").matcher(text).find()) {
                        violations.add(module + ": " + root().relativize(f)
                                + " touches BlockManager (only the TransactionManager may)");
                    }
                }
            }
        }
        assertTrue(violations.isEmpty(), "layering violations:\n" + String.join("\n", violations));
    }
}
