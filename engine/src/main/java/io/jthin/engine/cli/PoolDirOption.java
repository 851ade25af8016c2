package io.jthin.engine.cli;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/** {@code -p/--pool DIR}, mixed into every command that works on a pool directory. */
final class PoolDirOption {
    static final String DEFAULT = "./jthin-pool";

    @Option(names = {"-p", "--pool"}, paramLabel = "DIR", defaultValue = DEFAULT,
            description = "The pool directory (loop-lvm layout: DIR/devicemapper/{data,metadata}). "
                    + "Default: ${DEFAULT-VALUE}.")
    Path dir;

    Path dir() {
        return dir.normalize();
    }
}
