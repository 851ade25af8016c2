package io.jthin.loopfile;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The pool directory of Docker's loop-lvm layout, which jthin keeps so existing pools open as they are:
 * <pre>
 * DIR/devicemapper/data       sparse data file (thin blocks)
 * DIR/devicemapper/metadata   sparse metadata file (dm-thin metadata format)
 * DIR/metadata/               jthin's small JSON files (pool options, volume sizes)
 * </pre>
 * Owns these names (no other class spells them). Only names paths: opens and locks nothing.
 * Immutable and thread-safe.
 */
public record LoopLvmLayout(Path dir) {
    public static final String DEVICEMAPPER = "devicemapper";
    public static final String DATA = "data";
    public static final String METADATA = "metadata";
    /** Same name as the metadata file, but directly under DIR: Docker's JSON directory. */
    public static final String JSON_DIR = "metadata";

    /** The layout rooted at {@code dir}. */
    public static LoopLvmLayout of(Path dir) {
        return new LoopLvmLayout(dir);
    }

    /** True when {@code dir} holds both pool files (made by jthin, Docker, or thin_restore). */
    public static boolean isPool(Path dir) {
        return of(dir).isPool();
    }

    /** {@code DIR/devicemapper}. */
    public Path devicemapperDir() {
        return dir.resolve(DEVICEMAPPER);
    }

    /** {@code DIR/devicemapper/data}. */
    public Path dataFile() {
        return devicemapperDir().resolve(DATA);
    }

    /** {@code DIR/devicemapper/metadata}. */
    public Path metadataFile() {
        return devicemapperDir().resolve(METADATA);
    }

    /** {@code DIR/metadata/}: the directory of jthin's JSON files. */
    public Path jsonDir() {
        return dir.resolve(JSON_DIR);
    }

    /** True when both pool files exist as regular files or block devices. */
    public boolean isPool() {
        return Files.exists(dataFile()) && Files.exists(metadataFile());
    }

    /** Creates {@code DIR/devicemapper} and {@code DIR/metadata} (no files); returns this. */
    public LoopLvmLayout createDirectories() {
        try {
            Files.createDirectories(devicemapperDir());
            Files.createDirectories(jsonDir());
            return this;
        } catch (IOException e) {
            throw new DeviceIOException(dir + ": cannot create the pool directories: " + e, e);
        }
    }
}
