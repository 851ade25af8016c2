package io.jthin.engine.tools;

import java.util.Locale;

/**
 * Sizes and offsets as people type them: a decimal number with an optional binary unit suffix
 * {@code k m g t p} (KiB … PiB, case-insensitive, optionally followed by {@code iB} or {@code B}:
 * {@code 64k}, {@code 64K}, {@code 64KiB}, {@code 2G}, {@code 100g}), or a plain number of bytes.
 * Owns the wording of every refusal: empty text, a sign, a fraction, an unknown unit
 * ({@code 10X}), an overflow past 2^63 − 1. Also formats byte counts back ({@link #format}).
 * Stateless and thread-safe.
 */
public final class SizeParser {
    private static final String UNITS = "kmgtp";

    private SizeParser() {
    }

    /**
     * Parses {@code text} as a number of bytes ≥ 0.
     *
     * @param what names the value in the message ("--size", "offset")
     * @throws IllegalArgumentException with a one-line message naming {@code what} and the text
     */
    public static long parse(String what, String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException(what + ": empty size (use a number of bytes, or with a unit: 64k, 100G)");
        }
        String t = text.strip();
        if (t.startsWith("-")) {
            throw new IllegalArgumentException(what + ": '" + text + "' is negative; sizes and offsets are ≥ 0");
        }
        int digits = 0;
        while (digits < t.length() && Character.isDigit(t.charAt(digits)) && t.charAt(digits) < 128) {
            digits++;
        }
        if (digits == 0) {
            throw new IllegalArgumentException(what + ": '" + text + "' is not a size (use a number of bytes, "
                    + "or with a unit k, m, g, t, p: 64k, 100G)");
        }
        String unit = t.substring(digits).toLowerCase(Locale.ROOT);
        int shift = shift(what, text, unit);
        long value;
        try {
            value = Long.parseLong(t, 0, digits, 10);
        } catch (NumberFormatException e) {
            throw tooLarge(what, text);
        }
        if (shift > 0 && value > (Long.MAX_VALUE >> shift)) {
            throw tooLarge(what, text);
        }
        return value << shift;
    }

    /** {@link #parse} that also requires a multiple of {@code unitBytes} (e.g. a data block size). */
    public static long parseMultipleOf(String what, String text, long unitBytes) {
        long v = parse(what, text);
        if (v % unitBytes != 0) {
            throw new IllegalArgumentException(what + ": " + text + " is not a multiple of " + format(unitBytes));
        }
        return v;
    }

    private static int shift(String what, String text, String unit) {
        if (unit.isEmpty() || unit.equals("b")) {
            return 0;
        }
        int i = UNITS.indexOf(unit.charAt(0));
        String rest = unit.substring(1);
        if (i < 0 || !(rest.isEmpty() || rest.equals("b") || rest.equals("ib"))) {
            throw new IllegalArgumentException(what + ": unknown unit '" + unit + "' in '" + text
                    + "' (use k, m, g, t or p: binary units, 1k = 1024 bytes)");
        }
        return 10 * (i + 1);
    }

    private static IllegalArgumentException tooLarge(String what, String text) {
        return new IllegalArgumentException(what + ": '" + text + "' is too large (at most 8 EiB - 1 bytes)");
    }

    /**
     * A byte count in binary units with up to two decimals, trailing zeros dropped:
     * {@code 0 B}, {@code 512 B}, {@code 64 KiB}, {@code 1.5 GiB}, {@code 100 GiB}.
     */
    public static String format(long bytes) {
        if (bytes < 1024) {
            return bytes + " B";
        }
        String[] units = {"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
        double v = bytes;
        int u = -1;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        String s = String.format(Locale.ROOT, "%.2f", v);
        s = s.replaceAll("\\.?0+$", "");
        return s + " " + units[u];
    }
}
