package io.jthin.engine.cli;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonElement;
import io.jthin.engine.PoolDirectory;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * What every jthin command shares: the streams of the current call ({@link CliContext}), JSON
 * printing, opening a pool for a one-shot process. A command returns its exit code (0 success,
 * 1 failure); it throws for errors, which {@link JthinCommand} prints as one line.
 */
abstract class JthinSubcommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    /** Whether the command line gave the option named {@code name} (any of its names): for a {@link SpecBuilder} model. */
    boolean flag(String name) {
        return spec.commandLine().getParseResult().hasMatchedOption(name);
    }

    /** The value of the option named {@code name}, its default when not given: for a {@link SpecBuilder} model. */
    <T> T value(String name) {
        return spec.findOption(name).getValue();
    }

    PrintStream out() {
        return CliContext.current().out();
    }

    PrintStream err() {
        return CliContext.current().err();
    }

    CliContext context() {
        return CliContext.current();
    }

    void printJson(JsonElement json) {
        out().println(Json.GSON.toJson(json));
    }

    /** Built on first use: Gson's set-up costs tens of milliseconds that commands without --json need not pay. */
    private static final class Json {
        static final Gson GSON = new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().create();
    }

    /** Opens the pool in {@code dir} for this process: no background commits, out of space fails at once. */
    static PoolDirectory openPool(Path dir) {
        return PoolDirectory.open(dir, PoolDirectory::forOneShot);
    }
}
