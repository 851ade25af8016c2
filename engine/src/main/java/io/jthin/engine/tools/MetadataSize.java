package io.jthin.engine.tools;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.MathContext;
import java.math.RoundingMode;
import java.util.List;

/**
 * {@code thin_metadata_size} 0.9.0 (dm-thin-format §7.7): the estimate, its units and the exact
 * text the tool prints. Argument parsing (getopt-style, option order and messages included) is
 * {@link MetadataSizeCommandLine}; this class owns the arithmetic and the formatting.
 *
 * <p>Estimate, all integer arithmetic on u64 (wrapping like the C tool) then doubles:
 * {@code 4096 × (1 + ⌊⌊2 × pool / block⌋ / 252⌋ + maxThins)} bytes, pool and block in sectors,
 * divided by the output unit's factor. Units: b s k K m M g G t T p P e E z Z y Y = bytes,
 * sectors, kibi-, kilo-, mebi-, mega- … yotta-bytes; the factors are computed in u64 and wrap,
 * so zebibytes and yobibytes divide by zero and print {@code 0} — a 0.9.0 quirk kept.
 * Printing: an integral value as an integer, else {@code %.2f}, or {@code %.2e} when the
 * fraction is below 0.01 (so {@code 5.00e-04 tebibytes}).
 */
public final class MetadataSize {

    /** Unit letters, in the tool's order. */
    static final String UNIT_CHARS = "bskKmMgGtTpPeEzZyY";
    /** Unit names, same order; a name argument matches by prefix, first match wins. */
    static final List<String> UNIT_NAMES = List.of("bytes", "sectors",
            "kibibytes", "kilobytes", "mebibytes", "megabytes",
            "gibibytes", "gigabytes", "tebibytes", "terabytes",
            "pebibytes", "petabytes", "ebibytes", "exabytes",
            "zebibytes", "zetabytes", "yobibytes", "yottabytes");
    static final int BYTES = 0;
    static final int SECTORS = 1;

    /** Mappings per B-tree leaf in the tool's pessimistic model: (4096 − 64) / 16. */
    public static final long MAPPINGS_PER_BLOCK = (4096 - 64) / 16;
    private static final long[] FACTORS = factors();

    /** How the result is printed: full sentence, or the number alone (plain, short unit, long unit). */
    public enum Output { FULL, NUMBER, NUMBER_SHORT_UNIT, NUMBER_LONG_UNIT }

    private MetadataSize() {
    }

    private static long[] factors() {
        long[] f = new long[UNIT_NAMES.size()];
        f[0] = 1;
        f[1] = 512;
        f[2] = 1024;
        f[3] = 1000;
        for (int u = 4; u < f.length; u += 2) {
            f[u] = f[u - 2] * f[2];
            f[u + 1] = f[u - 1] * f[3];
        }
        return f;
    }

    /**
     * Metadata bytes for a pool: the tool's number in whole bytes, for callers that size a
     * metadata device. Arguments are u64 values; the result wraps like the tool's.
     */
    public static long estimateBytes(long blockSizeSectors, long poolSizeSectors, long maxThins) {
        return 4096 * metadataBlocks(blockSizeSectors, poolSizeSectors, maxThins);
    }

    /** The estimate in 4 KiB metadata blocks: {@code 1 + ⌊⌊2·pool/block⌋/252⌋ + maxThins}. */
    public static long metadataBlocks(long blockSizeSectors, long poolSizeSectors, long maxThins) {
        long mapped = Long.divideUnsigned(Long.divideUnsigned(2 * poolSizeSectors, blockSizeSectors),
                MAPPINGS_PER_BLOCK);
        return 1 + mapped + maxThins;
    }

    /** The index of a unit letter or name prefix, -1 if none; {@code null} means sectors. */
    static int unitIndex(String unit) {
        if (unit == null) {
            return SECTORS;
        }
        if (unit.length() == 1) {
            return UNIT_CHARS.indexOf(unit.charAt(0));
        }
        for (int i = 0; i < UNIT_NAMES.size(); i++) {
            if (UNIT_NAMES.get(i).startsWith(unit)) {
                return i;
            }
        }
        return -1;
    }

    /** The unit's size in bytes as the tool computes it (u64, wrapped: 0 for zebi- and yobibytes). */
    static long factor(int unitIndex) {
        return FACTORS[unitIndex];
    }

    /**
     * The estimate in the output unit, as the tool's double: {@code (1.0 + blocks) × 4096 / factor}.
     */
    static double estimate(long blockSizeSectors, long poolSizeSectors, long maxThins, int unitIndex) {
        long blocksBeyondOne = metadataBlocks(blockSizeSectors, poolSizeSectors, maxThins) - 1;
        double r = 1.0 + unsignedToDouble(blocksBeyondOne);
        r *= 8 * 512;
        return r / unsignedToDouble(FACTORS[unitIndex]);
    }

    /**
     * One output line (with {@code \n}) as 0.9.0 prints it.
     *
     * @param program      the name printed before " - " in full output
     * @param value        from {@link #estimate}
     * @param unitIndex    the output unit
     * @param output       full sentence or number only
     * @param echoedSizes  the block size, pool size and max thins as the tool echoes them
     *                     (digits plus unit name, e.g. {@code 64kibibytes}, {@code 1000})
     */
    static String format(String program, double value, int unitIndex, Output output, String[] echoedSizes) {
        StringBuilder s = new StringBuilder();
        boolean full = output == Output.FULL;
        if (full) {
            s.append(program).append(" - ");
        }
        s.append(number(value));
        switch (output) {
            case FULL -> s.append(' ').append(UNIT_NAMES.get(unitIndex));
            case NUMBER_SHORT_UNIT -> s.append(UNIT_CHARS.charAt(unitIndex));
            case NUMBER_LONG_UNIT -> s.append(UNIT_NAMES.get(unitIndex));
            case NUMBER -> { }
        }
        if (full) {
            s.append(" estimated metadata area size for \"--block-size=").append(echoedSizes[0])
                    .append(" --pool-size=").append(echoedSizes[1])
                    .append(" --max-thins=").append(echoedSizes[2]).append('"');
        }
        return s.append('\n').toString();
    }

    /** The number as the tool prints it: integral → {@code %llu}, else {@code %.2f} or {@code %.2e}. */
    static String number(double r) {
        double whole = Math.floor(r);
        if (r == whole) {
            return Long.toUnsignedString(toUnsignedLongLikeX86(r));
        }
        return r - whole < 1e-2 ? scientific(r) : new BigDecimal(r).setScale(2, RoundingMode.HALF_EVEN)
                .toPlainString();
    }

    /** C's {@code (unsigned long long) d} as gcc compiles it on x86-64: out of range (and ∞) gives 0. */
    private static long toUnsignedLongLikeX86(double d) {
        double two63 = 0x1p63;
        if (d < two63) {
            return (long) d;
        }
        double rest = d - two63;
        return rest < two63 ? (long) rest ^ Long.MIN_VALUE : 0;
    }

    /** glibc's {@code %.2e} of a finite positive double: exact value rounded half-even to 3 digits. */
    private static String scientific(double r) {
        BigDecimal exact = new BigDecimal(r);
        BigDecimal rounded = exact.round(new MathContext(3, RoundingMode.HALF_EVEN));
        BigInteger digits = rounded.unscaledValue();
        int exponent = rounded.precision() - rounded.scale() - 1;
        StringBuilder d = new StringBuilder(digits.toString());
        while (d.length() < 3) {
            d.append('0'); // fewer digits only when the exact value has them: 0.5 → "500"
        }
        String sign = exponent < 0 ? "-" : "+";
        int e = Math.abs(exponent);
        return d.charAt(0) + "." + d.substring(1, 3) + "e" + sign + (e < 10 ? "0" : "") + e;
    }

    static double unsignedToDouble(long v) {
        if (v >= 0) {
            return v;
        }
        return ((double) ((v >>> 1) | (v & 1))) * 2.0;
    }
}
