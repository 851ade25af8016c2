package io.jthin.engine;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * jthin's small JSON file beside a loop-lvm pool ({@code DIR/metadata/jthin-pool.json}): the pool
 * options that are not in the dm-thin metadata (zeroing, discard passdown, error-if-no-space,
 * low-water mark — the thin-pool table line of the kernel) and the size of each thin volume (the
 * metadata stores none: it is the dm table length). Owns the file's field names and the
 * atomic write (temporary file + rename). Immutable; the {@code with…} methods return copies.
 *
 * <pre>
 * { "format": 1, "dataBlockBytes": 65536, "zeroNewBlocks": true, "discardPassdown": true,
 *   "errorIfNoSpace": false, "lowWaterMarkBlocks": 0, "volumes": { "1": 10737418240 } }
 * </pre>
 * A missing file (a pool made by the kernel, Docker or thin_restore) reads as {@link #defaults}; a
 * missing field as its default; a field of the wrong type is an error naming the file and field.
 *
 * @param dataBlockBytes informative: the metadata's data block size is the authority
 * @param volumeSizes    bytes per thin device id; a device without an entry has no recorded size
 */
public record PoolConfig(long dataBlockBytes, boolean zeroNewBlocks, boolean discardPassdown, boolean errorIfNoSpace,
        long lowWaterMarkBlocks, SortedMap<Long, Long> volumeSizes) {
    public static final String FILE_NAME = "jthin-pool.json";
    static final int FORMAT = 1;
    private static final Gson GSON = new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().create();

    public PoolConfig {
        volumeSizes = new TreeMap<>(volumeSizes);
    }

    public static PoolConfig defaults() {
        PoolOptions o = PoolOptions.defaults();
        return new PoolConfig(o.dataBlockBytes(), o.zeroNewBlocks(), o.discardPassdown(), o.errorIfNoSpace(),
                o.lowWaterMarkBlocks(), new TreeMap<>());
    }

    /** The config of a new pool made with {@code options}. */
    public static PoolConfig of(PoolOptions options) {
        return new PoolConfig(options.dataBlockBytes(), options.zeroNewBlocks(), options.discardPassdown(),
                options.errorIfNoSpace(), options.lowWaterMarkBlocks(), new TreeMap<>());
    }

    @Override
    public SortedMap<Long, Long> volumeSizes() {
        return java.util.Collections.unmodifiableSortedMap(volumeSizes);
    }

    /** {@code base} with this config's features and {@code dataBlockBytes} (from the metadata). */
    public PoolOptions applyTo(PoolOptions base, long metadataDataBlockBytes) {
        return base.withDataBlockBytes(metadataDataBlockBytes).withZeroNewBlocks(zeroNewBlocks)
                .withDiscardPassdown(discardPassdown).withErrorIfNoSpace(errorIfNoSpace)
                .withLowWaterMarkBlocks(lowWaterMarkBlocks);
    }

    public PoolConfig withVolumeSize(long devId, long sizeBytes) {
        TreeMap<Long, Long> v = new TreeMap<>(volumeSizes);
        v.put(devId, sizeBytes);
        return new PoolConfig(dataBlockBytes, zeroNewBlocks, discardPassdown, errorIfNoSpace, lowWaterMarkBlocks, v);
    }

    public PoolConfig withoutVolume(long devId) {
        TreeMap<Long, Long> v = new TreeMap<>(volumeSizes);
        v.remove(devId);
        return new PoolConfig(dataBlockBytes, zeroNewBlocks, discardPassdown, errorIfNoSpace, lowWaterMarkBlocks, v);
    }

    public PoolConfig withDataBlockBytes(long bytes) {
        return new PoolConfig(bytes, zeroNewBlocks, discardPassdown, errorIfNoSpace, lowWaterMarkBlocks, volumeSizes);
    }

    /** Keeps only the sizes of devices in {@code ids}. */
    public PoolConfig retainVolumes(java.util.Collection<Long> ids) {
        TreeMap<Long, Long> v = new TreeMap<>(volumeSizes);
        v.keySet().retainAll(ids);
        return new PoolConfig(dataBlockBytes, zeroNewBlocks, discardPassdown, errorIfNoSpace, lowWaterMarkBlocks, v);
    }

    // ---- the file ---------------------------------------------------------------------------------

    /** Reads {@code file}; a missing file gives {@link #defaults()}. */
    public static PoolConfig read(Path file) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return defaults();
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": cannot read: " + e.getMessage(), e);
        }
        JsonObject o;
        try {
            JsonElement root = JsonParser.parseString(text);
            if (!root.isJsonObject()) {
                throw new IllegalArgumentException(file + ": not a JSON object");
            }
            o = root.getAsJsonObject();
        } catch (JsonParseException e) {
            throw new IllegalArgumentException(file + ": not valid JSON: " + e.getMessage(), e);
        }
        PoolConfig d = defaults();
        long format = number(file, o, "format", FORMAT);
        if (format != FORMAT) {
            throw new IllegalArgumentException(file + ": format " + format + " is not supported (jthin writes "
                    + FORMAT + ")");
        }
        TreeMap<Long, Long> volumes = new TreeMap<>();
        JsonElement v = o.get("volumes");
        if (v != null && !v.isJsonNull()) {
            if (!v.isJsonObject()) {
                throw new IllegalArgumentException(file + ": \"volumes\" is not an object");
            }
            for (Map.Entry<String, JsonElement> e : v.getAsJsonObject().entrySet()) {
                long id;
                try {
                    id = Long.parseLong(e.getKey());
                } catch (NumberFormatException nfe) {
                    throw new IllegalArgumentException(file + ": volume id '" + e.getKey() + "' is not a number");
                }
                volumes.put(id, asLong(file, "volumes." + e.getKey(), e.getValue()));
            }
        }
        return new PoolConfig(number(file, o, "dataBlockBytes", d.dataBlockBytes),
                bool(file, o, "zeroNewBlocks", d.zeroNewBlocks), bool(file, o, "discardPassdown", d.discardPassdown),
                bool(file, o, "errorIfNoSpace", d.errorIfNoSpace),
                number(file, o, "lowWaterMarkBlocks", d.lowWaterMarkBlocks), volumes);
    }

    /** Writes {@code file} atomically (a temporary file in the same directory, then a rename). */
    public void write(Path file) {
        JsonObject o = new JsonObject();
        o.addProperty("format", FORMAT);
        o.addProperty("dataBlockBytes", dataBlockBytes);
        o.addProperty("zeroNewBlocks", zeroNewBlocks);
        o.addProperty("discardPassdown", discardPassdown);
        o.addProperty("errorIfNoSpace", errorIfNoSpace);
        o.addProperty("lowWaterMarkBlocks", lowWaterMarkBlocks);
        JsonObject v = new JsonObject();
        volumeSizes.forEach((id, size) -> v.addProperty(Long.toString(id), size));
        o.add("volumes", v);
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try {
            Files.createDirectories(file.getParent());
            Files.writeString(tmp, GSON.toJson(o) + "\n", StandardCharsets.UTF_8);
            try {
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": cannot write: " + e.getMessage(), e);
        }
    }

    private static long number(Path file, JsonObject o, String name, long absent) {
        JsonElement e = o.get(name);
        return e == null || e.isJsonNull() ? absent : asLong(file, name, e);
    }

    private static long asLong(Path file, String name, JsonElement e) {
        if (e.isJsonPrimitive() && ((JsonPrimitive) e).isNumber()) {
            try {
                long v = e.getAsBigDecimal().longValueExact();
                if (v >= 0) {
                    return v;
                }
            } catch (ArithmeticException ignored) {
                // reported below
            }
        }
        throw new IllegalArgumentException(file + ": \"" + name + "\" must be a whole number ≥ 0, not " + e);
    }

    private static boolean bool(Path file, JsonObject o, String name, boolean absent) {
        JsonElement e = o.get(name);
        if (e == null || e.isJsonNull()) {
            return absent;
        }
        if (e.isJsonPrimitive() && ((JsonPrimitive) e).isBoolean()) {
            return e.getAsBoolean();
        }
        throw new IllegalArgumentException(file + ": \"" + name + "\" must be true or false, not " + e);
    }
}
