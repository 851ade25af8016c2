package io.jthin.engine.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;

/**
 * picocli's model of a command built by calls instead of read from annotations, for the root and the
 * metadata tools (check, dump, ls, delta), which scripts run as often as thin_check and which finish
 * in well under a second. Reading annotations makes the JVM generate one proxy class per annotation
 * type (a few ms each at start-up, and the AOT cache cannot hold them), and setting annotated fields
 * goes through reflection's method handles: about 60 ms of a 0.4 s {@code check} of 1 M mappings.
 * Commands that run longer keep their annotations. A command built here reads its values back with
 * {@link JthinSubcommand#flag} and {@link JthinSubcommand#value}.
 *
 * <p>Every command gets {@code -h/--help} and {@code -V/--version}, as picocli's
 * {@code mixinStandardHelpOptions} gives them (whose model is itself read from annotations).
 */
final class SpecBuilder {
    private final CommandSpec spec;

    SpecBuilder(String name, Callable<Integer> command) {
        spec = CommandSpec.wrapWithoutInspection(command).name(name);
        spec.addOption(OptionSpec.builder("-h", "--help").usageHelp(true)
                .description("Show this help message and exit.").build());
        spec.addOption(OptionSpec.builder("-V", "--version").versionHelp(true)
                .description("Print version information and exit.").build());
    }

    SpecBuilder description(String... lines) {
        spec.usageMessage().description(lines);
        return this;
    }

    SpecBuilder version(String... lines) {
        spec.version(lines);
        return this;
    }

    /** An option without a value: true when given. */
    SpecBuilder flag(String description, String... names) {
        return option(OptionSpec.builder(names).arity("0").type(boolean.class).description(description));
    }

    SpecBuilder option(OptionSpec.Builder option) {
        spec.addOption(option.build());
        return this;
    }

    SpecBuilder positional(PositionalParamSpec.Builder positional) {
        spec.addPositional(positional.build());
        return this;
    }

    CommandSpec build() {
        return spec;
    }
}
