package io.jthin.engine.cli;

import io.jthin.engine.PoolDirectory;
import io.jthin.engine.tools.PoolReport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code jthin pool status}: the dmsetup status line and the docker-info figures. */
@Command(name = "status", mixinStandardHelpOptions = true,
        description = {"Show the pool's status.", "The dmsetup thin-pool status line, then a docker-info style block of figures."})
final class PoolStatusCommand extends JthinSubcommand {
    @Mixin
    PoolDirOption pool;

    @Option(names = "--json", description = "Print JSON.")
    boolean json;

    @Override
    public Integer call() {
        try (PoolDirectory pd = openPool(pool.dir())) {
            PoolReport r = PoolReport.of(pd);
            if (json) {
                printJson(r.json());
            } else {
                out().print(r.text());
            }
        }
        return JthinCommand.OK;
    }
}
