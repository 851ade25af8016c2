package io.jthin.engine.cli;

import io.jthin.engine.bench.BenchOptions;
import io.jthin.engine.bench.BenchPool;
import io.jthin.engine.bench.BenchResult;
import io.jthin.engine.bench.BenchTarget;
import io.jthin.engine.bench.CompilerQueue;
import io.jthin.engine.bench.PoolBench;
import io.jthin.engine.bench.VolumeBench;
import io.jthin.loopfile.BlockDevice;
import io.jthin.loopfile.DirectFile;
import io.jthin.loopfile.SparseFile;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code jthin bench}: {@code qemu-img bench} on a thin volume of a pool (or, with {@code --raw}, on
 * a plain file: the Java I/O baseline). Only parses arguments and prints; the work is
 * {@link PoolBench} / {@link VolumeBench}. Exit codes: 0 done, 1 failed, 2 bad usage.
 */
@Command(name = "bench", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Benchmark I/O on a thin volume, like qemu-img bench.",
            "COUNT requests of SIZE bytes, DEPTH in parallel (one thread each), at sequential offsets (qemu-img's "
                + "rule: start at OFFSET, add STEP, wrap) or random ones. Prints qemu-img bench's summary plus "
                + "ops/s and MiB/s. The pool keeps its recorded options (background commit every second)."})
public final class BenchCommand extends JthinSubcommand {
    @Mixin
    PoolDirOption pool;

    @Option(names = "--raw", paramLabel = "FILE",
            description = "Benchmark this plain file instead of a thin volume (the baseline under the pool).")
    Path raw;

    @Parameters(index = "0", arity = "0..1", paramLabel = "DEV_ID", defaultValue = "0",
            converter = Converters.DeviceId.class, description = "The thin device (default: ${DEFAULT-VALUE}).")
    long devId;

    @Option(names = {"-c", "--count"}, paramLabel = "COUNT", defaultValue = "75000",
            description = "Number of requests (default: ${DEFAULT-VALUE}).")
    long count;

    @Option(names = {"-s", "--size"}, paramLabel = "SIZE", defaultValue = "4k", converter = Converters.Size.class,
            description = "Bytes per request (default: ${DEFAULT-VALUE}).")
    long size;

    @Option(names = {"-S", "--step"}, paramLabel = "STEP", converter = Converters.Size.class,
            description = "Distance between sequential requests (default: SIZE).")
    Long step;

    @Option(names = {"-o", "--offset"}, paramLabel = "OFFSET", defaultValue = "0", converter = Converters.Size.class,
            description = "Offset of the first sequential request (default: ${DEFAULT-VALUE}).")
    long offset;

    @Option(names = {"-w", "--write"}, description = "Write instead of read.")
    boolean write;

    @Option(names = "--pattern", paramLabel = "seq|rand", defaultValue = "seq",
            description = "seq: qemu-img's start/step rule; rand: uniform offsets aligned to SIZE (default: ${DEFAULT-VALUE}).")
    String pattern;

    @Option(names = {"-d", "--depth"}, paramLabel = "DEPTH", defaultValue = "1",
            description = "Requests in flight = worker threads (default: ${DEFAULT-VALUE}).")
    int depth;

    @Option(names = "--flush-interval", paramLabel = "N", defaultValue = "0",
            description = "Flush (data sync + metadata commit) every N requests, draining first (default: never).")
    long flushInterval;

    @Option(names = "--direct", description = "O_DIRECT on the data file (qemu-img bench -t none, fio direct=1).")
    boolean direct;

    @Option(names = "--volume-size", paramLabel = "SIZE", converter = Converters.Size.class,
            description = "Volume size to use (default: the device's recorded size, else the end of its highest mapped block).")
    Long volumeSize;

    @Option(names = "--seed", defaultValue = "1", description = "Seed of the random pattern (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--fill", paramLabel = "BYTE", defaultValue = "0",
            description = "The byte every write carries (default: ${DEFAULT-VALUE}, as qemu-img's).")
    int fill;

    @Option(names = "--warmup", paramLabel = "N", defaultValue = "0",
            description = "N untimed requests first, on the same code path without changing what is measured "
                    + "(reads and overwrites: the device itself; first writes and copy-on-write: a scratch "
                    + "snapshot of it, deleted after), on the timed run's threads; then a wait (up to 10 s) "
                    + "for the JIT to compile what they made hot.")
    long warmup;

    @Option(names = "--warmup-offset", paramLabel = "OFFSET", converter = Converters.Size.class,
            description = "Offset of the warm-up's first sequential request (default: the run's, -o). Another "
                    + "offset keeps the warm-up off the blocks the run measures: a copy-on-write warm-up "
                    + "otherwise leaves the run's shared blocks in the page cache.")
    Long warmupOffset;

    @Option(names = "--settle", paramLabel = "SECONDS", defaultValue = "0",
            description = "Pause this long after the warm-up, before the timed run (default: ${DEFAULT-VALUE}). "
                    + "On a VM that returns free memory to its host, memory the warm-up freed is then returned "
                    + "like everyone else's, and the timed run does not get it back cheaper than other engines.")
    double settle;

    @Option(names = "--commit-interval", paramLabel = "SECONDS",
            description = "Background commit period for this run (default: the pool's, 1 s; 0 = only on flush).")
    Double commitInterval;

    @Option(names = "--json", description = "Print one line of JSON instead of the summary.")
    boolean json;

    @Override
    public Integer call() {
        BenchOptions o = options();
        BenchResult r = raw != null ? runRaw(o) : runPool(o);
        out().print(json ? r.json() + System.lineSeparator() : r.summary());
        out().flush();
        return JthinCommand.OK;
    }

    private BenchOptions options() {
        BenchOptions.Pattern p = switch (pattern.toLowerCase(Locale.ROOT)) {
            case "seq" -> BenchOptions.Pattern.SEQ;
            case "rand" -> BenchOptions.Pattern.RAND;
            default -> throw new CommandLine.ParameterException(spec.commandLine(),
                    "--pattern must be seq or rand, not '" + pattern + "'");
        };
        if (size > Integer.MAX_VALUE) {
            throw new CommandLine.ParameterException(spec.commandLine(), "request size " + size + " is too large");
        }
        try {
            return new BenchOptions(count, (int) size, step == null ? 0 : step, write, p, depth, flushInterval, offset,
                    seed, (byte) fill);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
    }

    /** The warm-up's requests: the run's, {@code --warmup} of them, from {@code --warmup-offset}; null for none. */
    private BenchOptions warmupOptions(BenchOptions o) {
        if (warmup <= 0) {
            return null;
        }
        BenchOptions w = o.withCount(warmup);
        try {
            return warmupOffset == null ? w : w.withStartOffset(warmupOffset);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
    }

    private Duration settleTime() {
        if (!(settle >= 0 && settle <= 3600)) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--settle must be 0 to 3600 seconds, not " + settle);
        }
        return Duration.ofMillis(Math.round(settle * 1000));
    }

    private BenchResult runRaw(BenchOptions o) {
        try (BlockDevice d = direct ? DirectFile.open(raw) : SparseFile.open(raw);
                VolumeBench bench = new VolumeBench(o.depth(), o.requestBytes())) {
            BenchOptions w = warmupOptions(o);
            if (w != null) {
                CompilerQueue jit = CompilerQueue.connect(); // before the warm-up: see CompilerQueue
                bench.run(BenchTarget.of(d), w);
                jit.awaitIdle(PoolBench.JIT_WAIT);
            }
            PoolBench.pause(settleTime());
            return bench.run(BenchTarget.of(d), o);
        }
    }

    private BenchResult runPool(BenchOptions o) {
        try (BenchPool bp = BenchPool.open(pool.dir(), direct, opts -> commitInterval == null ? opts
                : opts.withCommitInterval(Duration.ofMillis(Math.round(commitInterval * 1000))))) {
            long bytes = volumeSize != null ? volumeSize : bp.volumeSize(devId);
            return PoolBench.run(bp.pool(), devId, bytes, o, warmupOptions(o), settleTime());
        }
    }

    /** Runs {@code jthin bench} on its own (the launcher runs it as a subcommand of {@link JthinCommand}). */
    public static void main(String[] args) {
        CommandLine cl = new CommandLine(new BenchCommand());
        cl.setExecutionExceptionHandler((e, command, parseResult) -> {
            System.err.println("jthin bench: " + JthinCommand.describe(e));
            return JthinCommand.FAILURE;
        });
        System.exit(cl.execute(args));
    }
}
