package io.jthin.engine.cli;

import io.jthin.engine.PoolDirectory;
import io.jthin.engine.tools.SizeParser;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code jthin pool trim}: thin_trim for a pool on files — punches the free data blocks out of the data file. */
@Command(name = "trim", mixinStandardHelpOptions = true,
        description = {"Give the data file's free blocks back to the file system (thin_trim).",
                "Commits, then punches every data block no device maps out of the data file: space kept by "
                        + "blocks freed while discard passdown was off, or by a kernel pool that did not pass "
                        + "discards down."})
final class PoolTrimCommand extends JthinSubcommand {
    @Mixin
    PoolDirOption pool;

    @Override
    public Integer call() {
        try (PoolDirectory pd = openPool(pool.dir())) {
            long before = pd.diskUsage().dataAllocatedBytes();
            long blocks = pd.pool().trim();
            long after = pd.diskUsage().dataAllocatedBytes();
            out().println("punched " + blocks + " free data block" + (blocks == 1 ? "" : "s") + ": the data file holds "
                    + SizeParser.format(after) + " (was " + SizeParser.format(before) + ")");
        }
        return JthinCommand.OK;
    }
}
