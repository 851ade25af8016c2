package io.jthin.engine.tools;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The text table of {@code thin_ls} 0.9.0, given per-device figures (dm-thin-format §8.2).
 * Owns the field list and its parsing ({@code -o}), the headers ({@code --no-headers}), the
 * human size format of MAPPED/EXCLUSIVE/SHARED and the alignment.
 *
 * <p>Layout, as 0.9.0 prints it: every cell is right-aligned to the widest cell of its column
 * (header included unless headers are off) and followed by one space, so each line ends with a
 * space before {@code \n}; no separator line. A row without cells prints nothing: an empty
 * {@code -o ""} gives empty output. Devices appear in the order added (thin_ls: increasing id).
 * Figures: SHARED_BLOCKS = mapped − exclusive; *_SECTORS = blocks × data_block_size;
 * *_BYTES = sectors × 512; MAPPED/EXCLUSIVE/SHARED = {@link #formatDiskUnit} of those bytes.
 * The table is held until {@link #render}: widths need every row.
 */
public final class ThinLsReport {

    /** The columns thin_ls can print; the header is the name. */
    public enum Field {
        DEV, MAPPED_BLOCKS, EXCLUSIVE_BLOCKS, SHARED_BLOCKS,
        MAPPED_SECTORS, EXCLUSIVE_SECTORS, SHARED_SECTORS,
        MAPPED_BYTES, EXCLUSIVE_BYTES, SHARED_BYTES,
        MAPPED, EXCLUSIVE, SHARED,
        TRANSACTION, CREATE_TIME, SNAP_TIME;

        public String header() {
            return name();
        }
    }

    /** What {@code thin_ls} prints without {@code -o}. */
    public static final List<Field> DEFAULT_FIELDS =
            List.of(Field.DEV, Field.MAPPED, Field.CREATE_TIME, Field.SNAP_TIME);

    /**
     * One device's figures.
     *
     * @param mappedBlocks    the device details' {@code mapped_blocks}
     * @param exclusiveBlocks mappings of the device whose data block no other mapping uses
     */
    public record DeviceFigures(long devId, long mappedBlocks, long exclusiveBlocks, long transaction,
                                long creationTime, long snapTime) {
        /** {@code mapped − exclusive}, wrapping like 0.9.0's unsigned arithmetic if details disagree. */
        public long sharedBlocks() {
            return mappedBlocks - exclusiveBlocks;
        }
    }

    private final List<Field> fields;
    private final boolean headers;
    private final long dataBlockSize;
    private final List<String[]> rows = new ArrayList<>();

    /**
     * @param fields        columns in order (repeats allowed, as {@code -o DEV,DEV})
     * @param headers       false for {@code --no-headers}
     * @param dataBlockSize the pool's data block size in 512-byte sectors
     */
    public ThinLsReport(List<Field> fields, boolean headers, long dataBlockSize) {
        this.fields = List.copyOf(fields);
        this.headers = headers;
        this.dataBlockSize = dataBlockSize;
    }

    /**
     * Parses an {@code -o} argument as 0.9.0 does: comma-separated exact names; one trailing
     * comma is dropped ({@code "DEV,"}), an empty name elsewhere is unknown, {@code ""} means no
     * column at all.
     *
     * @throws IllegalArgumentException with thin_ls's message {@code "unknown field"}
     */
    public static List<Field> parseFields(String spec) {
        List<Field> parsed = new ArrayList<>();
        int start = 0;
        while (start < spec.length()) {
            int comma = spec.indexOf(',', start);
            int end = comma < 0 ? spec.length() : comma;
            parsed.add(field(spec.substring(start, end)));
            start = end + 1;
        }
        return List.copyOf(parsed);
    }

    private static Field field(String name) {
        for (Field f : Field.values()) {
            if (f.name().equals(name)) {
                return f;
            }
        }
        throw new IllegalArgumentException("unknown field");
    }

    /** Adds a device's row. */
    public void add(DeviceFigures device) {
        Objects.requireNonNull(device, "device");
        String[] row = new String[fields.size()];
        for (int i = 0; i < row.length; i++) {
            row[i] = cell(fields.get(i), device);
        }
        rows.add(row);
    }

    private String cell(Field f, DeviceFigures d) {
        long sectorsPerBlock = dataBlockSize;
        return switch (f) {
            case DEV -> Long.toUnsignedString(d.devId());
            case MAPPED_BLOCKS -> Long.toUnsignedString(d.mappedBlocks());
            case EXCLUSIVE_BLOCKS -> Long.toUnsignedString(d.exclusiveBlocks());
            case SHARED_BLOCKS -> Long.toUnsignedString(d.sharedBlocks());
            case MAPPED_SECTORS -> Long.toUnsignedString(d.mappedBlocks() * sectorsPerBlock);
            case EXCLUSIVE_SECTORS -> Long.toUnsignedString(d.exclusiveBlocks() * sectorsPerBlock);
            case SHARED_SECTORS -> Long.toUnsignedString(d.sharedBlocks() * sectorsPerBlock);
            case MAPPED_BYTES -> Long.toUnsignedString(d.mappedBlocks() * sectorsPerBlock * 512);
            case EXCLUSIVE_BYTES -> Long.toUnsignedString(d.exclusiveBlocks() * sectorsPerBlock * 512);
            case SHARED_BYTES -> Long.toUnsignedString(d.sharedBlocks() * sectorsPerBlock * 512);
            case MAPPED -> formatDiskUnit(d.mappedBlocks() * sectorsPerBlock * 512);
            case EXCLUSIVE -> formatDiskUnit(d.exclusiveBlocks() * sectorsPerBlock * 512);
            case SHARED -> formatDiskUnit(d.sharedBlocks() * sectorsPerBlock * 512);
            case TRANSACTION -> Long.toUnsignedString(d.transaction());
            case CREATE_TIME -> Long.toUnsignedString(d.creationTime());
            case SNAP_TIME -> Long.toUnsignedString(d.snapTime());
        };
    }

    /**
     * thin_ls's human size (0.9.0 {@code format_disk_unit}): divide by 1024 with truncation
     * while the value exceeds 1 MiB worth of the current unit, then once more with rounding to
     * nearest if it still exceeds 8192; suffix "", KiB, MiB, GiB, TiB, PiB (EiB past that).
     * So 1 MiB prints {@code 1024KiB}, 1088 KiB prints {@code 1088KiB}, 9 MiB prints {@code 9MiB},
     * 0 prints {@code 0}. {@code bytes} is unsigned.
     */
    public static String formatDiskUnit(long bytes) {
        String[] suffixes = {"", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
        long n = bytes;
        int unit = 0;
        while (Long.compareUnsigned(n, 1024L * 1024L) > 0) {
            n = Long.divideUnsigned(n, 1024);
            unit++;
        }
        if (n > 8 * 1024) {
            n = Math.round(n / 1024.0);
            unit++;
        }
        return n + suffixes[unit];
    }

    /** The table as thin_ls prints it. */
    public void render(Appendable out) throws IOException {
        List<String[]> all = new ArrayList<>(rows.size() + 1);
        if (headers) {
            String[] header = new String[fields.size()];
            for (int i = 0; i < header.length; i++) {
                header[i] = fields.get(i).header();
            }
            all.add(header);
        }
        all.addAll(rows);
        int[] widths = new int[fields.size()];
        for (String[] row : all) {
            for (int i = 0; i < row.length; i++) {
                widths[i] = Math.max(widths[i], row[i].length());
            }
        }
        for (String[] row : all) {
            if (row.length == 0) {
                continue;
            }
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < row.length; i++) {
                line.repeat(' ', widths[i] - row[i].length()).append(row[i]).append(' ');
            }
            out.append(line).append('\n');
        }
    }

    /** The table as a string. */
    public String render() {
        StringBuilder s = new StringBuilder();
        try {
            render(s);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return s.toString();
    }
}
