package io.jthin.engine.cli;

import picocli.CommandLine.Command;

/** {@code jthin pool}: the pool directory as a whole. */
@Command(name = "pool", mixinStandardHelpOptions = true, description = "Create, inspect and grow a pool.",
        subcommands = {PoolCreateCommand.class, PoolStatusCommand.class, PoolResizeCommand.class, PoolTrimCommand.class})
final class PoolCommand extends JthinSubcommand {
    @Override
    public Integer call() {
        spec.commandLine().usage(err());
        return JthinCommand.USAGE;
    }
}
