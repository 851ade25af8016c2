package io.jthin.engine.tools;

import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;

/**
 * Sizes as {@code docker info} prints them (go-units {@code HumanSize}): decimal units
 * (B, kB, MB, GB, TB, PB …), four significant digits, trailing zeros dropped, no space:
 * 65536 → {@code 65.54kB}, 107374182400 → {@code 107.4GB}, 0 → {@code 0B}. Stateless.
 */
public final class DockerUnits {
    private static final String[] UNITS = {"B", "kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB"};

    private DockerUnits() {
    }

    public static String humanSize(long bytes) {
        double size = bytes;
        int i = 0;
        while (size >= 1000 && i < UNITS.length - 1) {
            size /= 1000;
            i++;
        }
        BigDecimal d = new BigDecimal(size).round(new MathContext(4, RoundingMode.HALF_EVEN)).stripTrailingZeros();
        return d.toPlainString() + UNITS[i];
    }
}
