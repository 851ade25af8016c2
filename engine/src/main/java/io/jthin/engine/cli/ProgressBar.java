package io.jthin.engine.cli;

import io.jthin.engine.tools.SizeParser;
import io.jthin.engine.tools.VolumeImage;
import java.io.PrintStream;

/**
 * A one-line progress bar on a terminal ({@code [#####.....]  45%  1.2 GiB / 2 GiB  350 MiB/s}),
 * redrawn at most ten times a second; drawn only when stderr is a terminal, so logs and pipes stay
 * clean. Not thread-safe.
 */
final class ProgressBar implements VolumeImage.Progress {
    private static final int WIDTH = 30;
    private final PrintStream err;
    private final boolean enabled;
    private final long start = System.nanoTime();
    private long lastDraw;
    private boolean drawn;

    ProgressBar(CliContext context) {
        this.err = context.err();
        this.enabled = context.terminal();
    }

    @Override
    public void update(long done, long total) {
        if (!enabled) {
            return;
        }
        long now = System.nanoTime();
        if (now - lastDraw < 100_000_000L && done < total) {
            return;
        }
        lastDraw = now;
        double f = total == 0 ? 1 : Math.min(1, (double) done / total);
        int filled = (int) Math.round(f * WIDTH);
        double seconds = Math.max(now - start, 1) / 1e9;
        err.print("\r[" + "#".repeat(filled) + ".".repeat(WIDTH - filled) + "] "
                + String.format("%3d%%  %s / %s  %s/s   ", Math.round(f * 100), SizeParser.format(done),
                        SizeParser.format(total), SizeParser.format((long) (done / seconds))));
        err.flush();
        drawn = true;
    }

    /** Ends the bar's line (if one was drawn). */
    void finish() {
        if (drawn) {
            err.println();
            drawn = false;
        }
    }
}
