package io.jthin.engine.cli;

import picocli.CommandLine.Command;

/** {@code jthin thin}: thin devices (volumes) of a pool. */
@Command(name = "thin", mixinStandardHelpOptions = true, description = "Create, snapshot, use and inspect thin devices.",
        subcommands = {ThinCreateCommand.class, ThinSnapshotCommand.class, ThinDeleteCommand.class,
            ThinStatusCommand.class, ThinResizeCommand.class, ThinWriteCommand.class, ThinReadCommand.class,
            ThinDiscardCommand.class, ThinImportCommand.class, ThinExportCommand.class, ThinMapCommand.class})
final class ThinCommand extends JthinSubcommand {
    @Override
    public Integer call() {
        spec.commandLine().usage(err());
        return JthinCommand.USAGE;
    }
}
