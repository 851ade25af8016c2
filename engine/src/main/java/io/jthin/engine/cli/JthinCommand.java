package io.jthin.engine.cli;

import io.jthin.btree.MetadataBlock;
import io.jthin.loopfile.StorageException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;
import net.openhft.posix.PosixAPI;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ScopeType;

/**
 * {@code jthin}: the command-line tool. Owns the command tree and the error policy; each command
 * is one class that parses its options, calls library code ({@code io.jthin.engine},
 * {@code io.jthin.engine.tools}) and prints.
 *
 * <p>Exit codes: 0 success (for {@code check}: clean), 1 failure (the error, or the problems
 * found, named on stderr in one line each), 2 the command line is wrong (unknown option, missing or
 * unconvertible value such as {@code --size 10X}). An error is one line, {@code jthin <command>:
 * <what is wrong>}; {@code --debug} adds the stack trace. Entry points: {@link #main} (the launcher)
 * and {@link #run} (in-process, e.g. tests and the demo).
 */
public final class JthinCommand implements java.util.concurrent.Callable<Integer> {
    public static final int OK = 0;
    public static final int FAILURE = 1;
    public static final int USAGE = 2;
    /** The longest wait at exit for Chronicle's background set-up (it takes ~30 ms; a command that used it waited already). */
    private static final long CHRONICLE_SETUP_WAIT_MILLIS = 2_000;

    /**
     * The subcommands, in the order help lists them: each a class whose annotations picocli reads, or
     * a model built by calls ({@link SpecBuilder}: the metadata tools). picocli builds a command's model
     * when it is added, so {@link #commandLine} adds only the one a command line names (a one-shot
     * {@code jthin check} then pays for one model, not twelve); any other command line gets them all.
     */
    private static final Map<String, Supplier<Object>> SUBCOMMANDS = inOrder(
            Map.entry("demo", () -> DemoCommand.class), Map.entry("pool", () -> PoolCommand.class),
            Map.entry("thin", () -> ThinCommand.class), Map.entry("message", () -> MessageCommand.class),
            Map.entry("dump", DumpCommand::spec), Map.entry("restore", () -> RestoreCommand.class),
            Map.entry("repair", () -> RepairCommand.class),
            Map.entry("check", CheckCommand::spec), Map.entry("ls", LsCommand::spec),
            Map.entry("delta", DeltaCommand::spec), Map.entry("rmap", RmapCommand::spec),
            Map.entry("metadata-size", () -> MetadataSizeCommand.class),
            Map.entry("bench", () -> BenchCommand.class));

    private CommandSpec spec;

    private JthinCommand() {
    }

    /** The root's model, built by calls (see {@link SpecBuilder}). */
    private static CommandSpec rootSpec() {
        JthinCommand root = new JthinCommand();
        root.spec = new SpecBuilder("jthin", root).version("jthin 0.1.0")
                .description("Thin provisioning in pure Java: Linux dm-thin pools in a directory of two sparse files.")
                .option(OptionSpec.builder("--debug").arity("0").type(boolean.class).scopeType(ScopeType.INHERIT)
                        .description("Print the stack trace of an error."))
                .build();
        return root.spec;
    }

    @Override
    public Integer call() {
        spec.commandLine().usage(CliContext.current().err());
        return USAGE;
    }

    /**
     * The process entry point. First it tells Chronicle (the metadata block encoder) not to load its
     * native POSIX binding: Chronicle's {@code Jvm} class initialiser otherwise loads jnr-ffi, which
     * extracts a native library and generates its call stubs with ASM — about 0.2 s of every short
     * command (a {@code check} of an empty pool: 0.73 s → 0.55 s without the AOT cache), for calls jthin
     * never makes (it uses only {@code BytesStore} on heap arrays; its own libc calls go through FFM).
     * Only the process owner may choose this, so {@link #run} (in-process use) leaves it alone.
     */
    public static void main(String[] args) {
        PosixAPI.useNoOpPosixApi();
        Thread chronicle = MetadataBlock.prepareInBackground();
        int code = run(args, System.in, System.out, System.err);
        try {
            chronicle.join(CHRONICLE_SETUP_WAIT_MILLIS); // no exit in the middle of its set-up (MetadataBlock)
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        System.exit(code);
    }

    /** Runs one command line with stdin from the process. */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        return run(args, System.in, out, err);
    }

    /** Runs one command line in-process; returns the exit code. */
    public static int run(String[] args, InputStream in, PrintStream out, PrintStream err) {
        boolean debug = Arrays.asList(args).contains("--debug");
        boolean terminal = err == System.err && System.console() != null && System.console().isTerminal();
        try (AutoCloseable scope = CliContext.enter(new CliContext(in, out, err, terminal))) {
            PoolDirOption.Hoisted pool = PoolDirOption.Hoisted.from(args);
            CommandLine cl = commandLine(pool.rest());
            String[] argv = pool.arguments(cl);
            cl.setOut(new PrintWriter(new OutputStreamWriter(out, StandardCharsets.UTF_8), true));
            cl.setErr(new PrintWriter(new OutputStreamWriter(err, StandardCharsets.UTF_8), true));
            cl.setCaseInsensitiveEnumValuesAllowed(true);
            cl.setExecutionExceptionHandler((e, command, parseResult) -> {
                out.flush();
                err.println(command.getCommandSpec().qualifiedName() + ": " + describe(e));
                if (debug) {
                    e.printStackTrace(err);
                }
                return FAILURE;
            });
            cl.setParameterExceptionHandler((e, arguments) -> {
                String name = e.getCommandLine().getCommandSpec().qualifiedName();
                err.println(name + ": " + firstLine(e.getMessage()) + " (see: " + name + " --help)");
                if (debug) {
                    e.printStackTrace(err);
                }
                return USAGE;
            });
            int code = cl.execute(argv);
            cl.getOut().flush();
            cl.getErr().flush();
            out.flush();
            err.flush();
            return code;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * The command tree for {@code args}: the root and the subcommand {@code args} names; the root
     * alone for {@code --version}; else every subcommand (help, usage errors and their suggestions
     * then see the whole tree, as before).
     */
    static CommandLine commandLine(String[] args) {
        CommandLine cl = new CommandLine(rootSpec());
        String first = firstPositional(args);
        Supplier<Object> named = SUBCOMMANDS.get(first);
        if (named != null) {
            cl.addSubcommand(first, named.get());
        } else if (first == null && (Arrays.asList(args).contains("--version") || Arrays.asList(args).contains("-V"))) {
            return cl; // the version alone: no subcommand is reached
        } else {
            SUBCOMMANDS.forEach((name, command) -> cl.addSubcommand(name, command.get()));
            cl.addSubcommand(CommandLine.HelpCommand.class);
        }
        inheritVersion(cl, cl.getCommandSpec().version());
        return cl;
    }

    /** {@code -V} of every subcommand prints jthin's version (picocli leaves a subcommand's empty). */
    private static void inheritVersion(CommandLine parent, String[] version) {
        for (CommandLine sub : parent.getSubcommands().values()) {
            if (sub.getCommandSpec().version().length == 0) {
                sub.getCommandSpec().version(version);
            }
            inheritVersion(sub, version);
        }
    }

    /** The first argument that is not one of the root's options (all of which are flags), or null. */
    private static String firstPositional(String[] args) {
        for (String a : args) {
            if (!a.startsWith("-")) {
                return a;
            }
        }
        return null;
    }

    @SafeVarargs
    private static Map<String, Supplier<Object>> inOrder(Map.Entry<String, Supplier<Object>>... entries) {
        Map<String, Supplier<Object>> m = new LinkedHashMap<>();
        for (var e : entries) {
            m.put(e.getKey(), e.getValue());
        }
        return m;
    }

    /** One line saying what is wrong, without exception class names for the errors jthin raises on purpose. */
    static String describe(Throwable e) {
        Throwable t = e;
        while (t instanceof UncheckedIOException && t.getCause() != null
                && (t.getMessage() == null || t.getMessage().equals(t.getCause().toString()))) {
            t = t.getCause();
        }
        String m;
        if (t instanceof NoSuchFileException n) {
            m = n.getFile() + ": " + (n.getReason() != null ? n.getReason() : "no such file or directory");
        } else if (t instanceof FileAlreadyExistsException f) {
            m = f.getFile() + ": " + (f.getReason() != null ? f.getReason() : "already exists");
        } else if (t instanceof AccessDeniedException a) {
            m = a.getFile() + ": permission denied";
        } else if (t instanceof FileSystemException f) {
            m = f.getMessage();
        } else if (t instanceof StorageException || t instanceof IllegalArgumentException || t instanceof IOException
                || t instanceof IllegalStateException) {
            m = t.getMessage() != null ? t.getMessage() : t.getClass().getSimpleName();
        } else {
            m = "internal error: " + t + (t.getStackTrace().length > 0 ? " at " + t.getStackTrace()[0] : "")
                    + " (run with --debug for the stack trace)";
        }
        return oneLine(m);
    }

    static String oneLine(String s) {
        return s.strip().replaceAll("\\s*\\R\\s*", "; ");
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "invalid command line";
        }
        int nl = s.indexOf('\n');
        return (nl < 0 ? s : s.substring(0, nl)).strip();
    }
}
