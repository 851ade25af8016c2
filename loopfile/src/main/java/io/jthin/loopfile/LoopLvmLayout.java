package io.jthin.loopfile;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The pool directory of Docker's loop-lvm layout: {@code DIR/devicemapper/data} and
 * {@code DIR/devicemapper/metadata} (sparse files), and {@code DIR/metadata/} for jthin's own
 * small JSON files (pool options, volume sizes). Only names paths; opens nothing.
 */
public record LoopLvmLayout(Path dir) {
    public static final String DEVICEMAPPER = "devicemapper";
    public static final String DATA = "data";
    public static final String METADATA = "metadata";
    public static final String JSON_DIR = "metadata";

    public Path dataFile() {
        return dir.resolve(DEVICEMAPPER).resolve(DATA);
    }

    public Path metadataFile() {
        return dir.resolve(DEVICEMAPPER).resolve(METADATA);
    }

    /** Directory of jthin's JSON files. */
    public Path jsonDir() {
        return dir.resolve(JSON_DIR);
    }

    /** True when both pool files exist (a pool made by jthin, Docker, the kernel or thin_restore). */
    public boolean isPool() {
        return Files.exists(dataFile()) && Files.exists(metadataFile());
    }
}
