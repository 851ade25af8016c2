package io.jthin.engine.tools;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What {@link MetadataChecker} found: problems (errors make the metadata unclean; warnings do not)
 * and a few figures of what was examined. Owns the capping of repetitive problems: at most
 * {@link #PER_KIND} of one kind are kept word for word, the rest are counted and summarised in one
 * line by {@link #problems()}. Not thread-safe (built by one checker).
 */
public final class CheckReport {
    /** Problems of one kind kept verbatim. */
    public static final int PER_KIND = 10;

    public enum Severity { ERROR, WARNING }

    /** One finding; {@code kind} groups repetitive findings (e.g. "data count"). */
    public record Problem(Severity severity, String kind, String message) {
        @Override
        public String toString() {
            return (severity == Severity.ERROR ? "error: " : "warning: ") + message;
        }
    }

    /**
     * A reference count above what the metadata's trees account for: a leak, which wastes a block
     * but endangers no data (thin_check's "non-fatal" error; {@code --auto-repair} lowers it).
     *
     * @param metadata true for a metadata block, false for a data block
     */
    public record Leak(boolean metadata, long block, long onDisk, long expected) {
    }

    private final List<Problem> kept = new ArrayList<>();
    private final List<Leak> leaks = new ArrayList<>();
    private final Map<String, Integer> perKind = new HashMap<>();
    private final Map<String, Severity> severityOfKind = new HashMap<>();
    private int errors;
    private int warnings;
    long transactionId = -1;
    long devices;
    long mappings;
    long metadataBlocks;
    long metadataBlocksUsed;
    long dataBlocks;
    long dataBlocksUsed;
    boolean countsChecked;

    void error(String kind, String message) {
        add(Severity.ERROR, kind, message);
    }

    void warning(String kind, String message) {
        add(Severity.WARNING, kind, message);
    }

    private void add(Severity s, String kind, String message) {
        if (s == Severity.ERROR) {
            errors++;
        } else {
            warnings++;
        }
        int n = perKind.merge(kind, 1, Integer::sum);
        severityOfKind.putIfAbsent(kind, s);
        if (n <= PER_KIND) {
            kept.add(new Problem(s, kind, message.replace('\n', ' ')));
        }
    }

    void leak(Leak leak) {
        leaks.add(leak);
    }

    /** Every leak found, in block order within each space map (metadata first). */
    public List<Leak> leaks() {
        return List.copyOf(leaks);
    }

    /** True when no error was found (warnings allowed). */
    public boolean clean() {
        return errors == 0;
    }

    public int errors() {
        return errors;
    }

    public int warnings() {
        return warnings;
    }

    /** The problems in the order found, plus one "… and N more" line per capped kind. */
    public List<Problem> problems() {
        List<Problem> all = new ArrayList<>(kept);
        perKind.forEach((kind, n) -> {
            if (n > PER_KIND) {
                all.add(new Problem(severityOfKind.get(kind), kind, "… and " + (n - PER_KIND) + " more " + kind
                        + " problems"));
            }
        });
        return all;
    }

    /** The pool's transaction id (−1 if the superblock could not be read). */
    public long transactionId() {
        return transactionId;
    }

    public long devices() {
        return devices;
    }

    /** Mappings of the live devices (their mapped_blocks). */
    public long mappings() {
        return mappings;
    }

    public long metadataBlocks() {
        return metadataBlocks;
    }

    public long metadataBlocksUsed() {
        return metadataBlocksUsed;
    }

    public long dataBlocks() {
        return dataBlocks;
    }

    public long dataBlocksUsed() {
        return dataBlocksUsed;
    }

    /** Whether reference counts were compared (not with --super-block-only or --skip-mappings, nor after a fatal error). */
    public boolean countsChecked() {
        return countsChecked;
    }

    /** One line: "clean" or the numbers of errors and warnings, and what was examined. */
    public String summary() {
        String what = devices + " device" + (devices == 1 ? "" : "s") + ", " + mappings + " mapping"
                + (mappings == 1 ? "" : "s") + ", metadata " + metadataBlocksUsed + "/" + metadataBlocks
                + " blocks, data " + dataBlocksUsed + "/" + dataBlocks + " blocks";
        String verdict = errors == 0 ? "clean" : errors + " error" + (errors == 1 ? "" : "s");
        if (warnings > 0) {
            verdict += ", " + warnings + " warning" + (warnings == 1 ? "" : "s");
        }
        if (metadataBlocks == 0) {
            return verdict;
        }
        return verdict + " (" + what + (countsChecked ? "" : "; reference counts not compared") + ")";
    }
}
