package io.jthin.engine.cli;

import java.nio.file.Path;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;

/**
 * {@code -p/--pool DIR}, mixed into every command that works on a pool directory; {@link #spec} is
 * the same option for a {@link SpecBuilder} model.
 */
final class PoolDirOption {
    static final String DEFAULT = "./jthin-pool";
    static final String SHORT = "-p";
    static final String LONG = "--pool";
    private static final String LABEL = "DIR";
    private static final String DESCRIPTION = "The pool directory (loop-lvm layout: DIR/devicemapper/{data,metadata}). "
            + "Default: ${DEFAULT-VALUE}.";

    @Option(names = {SHORT, LONG}, paramLabel = LABEL, defaultValue = DEFAULT, description = DESCRIPTION)
    Path dir;

    Path dir() {
        return dir.normalize();
    }

    static OptionSpec.Builder spec() {
        return OptionSpec.builder(SHORT, LONG).paramLabel(LABEL).type(Path.class).defaultValue(DEFAULT).description(DESCRIPTION);
    }
}
