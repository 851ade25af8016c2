package io.jthin.engine.cli;

import io.jthin.engine.PoolDirectory;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code jthin message "create_thin 1"}: any message {@code dmsetup message <pool> 0} takes. */
@Command(name = "message", mixinStandardHelpOptions = true,
        description = {"Send a pool message, as dmsetup message does.",
            "Messages: create_thin ID, create_snap ID ORIGIN, delete ID, set_transaction_id CUR NEW, "
                + "reserve_metadata_snap, release_metadata_snap."})
final class MessageCommand extends JthinSubcommand {
    @Mixin
    PoolDirOption pool;

    @Parameters(arity = "1..*", paramLabel = "MESSAGE", description = "The message (quoted, or as separate words).")
    List<String> words;

    @Override
    public Integer call() {
        try (PoolDirectory pd = openPool(pool.dir())) {
            pd.message(String.join(" ", words));
        }
        return JthinCommand.OK;
    }
}
