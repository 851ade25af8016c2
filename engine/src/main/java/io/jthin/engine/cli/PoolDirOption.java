package io.jthin.engine.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;

/**
 * {@code -p/--pool DIR}, mixed into every command that works on a pool directory; {@link #spec} is
 * the same option for a {@link SpecBuilder} model. {@link Hoisted} lets it come before the
 * subcommand too ({@code jthin -p DIR thin create 1}).
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

    /**
     * The arguments with a {@code -p DIR}, {@code -pDIR}, {@code --pool DIR} or {@code --pool=DIR}
     * given before the subcommand taken out ({@link #rest}), to be put back after the subcommand's
     * name ({@link #arguments}): each command declares the option itself, and the root takes only
     * flags. {@code option} is empty when there was none.
     */
    record Hoisted(List<String> option, String[] rest) {
        static Hoisted from(String[] args) {
            for (int i = 0; i < args.length; i++) {
                String a = args[i];
                if (!a.startsWith("-") || a.equals("--")) {
                    break; // the subcommand (or the end of options): anything later is the subcommand's
                }
                int width = a.equals(SHORT) || a.equals(LONG) ? 2
                        : a.startsWith(LONG + "=") || (a.startsWith(SHORT) && !a.startsWith("--")) ? 1 : 0;
                if (width > 0 && i + width <= args.length) {
                    List<String> rest = new ArrayList<>(Arrays.asList(args));
                    List<String> option = new ArrayList<>(rest.subList(i, i + width));
                    rest.subList(i, i + width).clear();
                    return new Hoisted(option, rest.toArray(String[]::new));
                }
            }
            return new Hoisted(List.of(), args);
        }

        /**
         * {@link #rest} with the option put back right after the innermost subcommand named in it
         * ({@code pool status}, {@code thin create}), found in {@code root}'s tree.
         */
        String[] arguments(CommandLine root) {
            if (option.isEmpty()) {
                return rest;
            }
            CommandLine at = root;
            int after = -1;
            for (int i = 0; i < rest.length; i++) {
                CommandLine sub = at.getSubcommands().get(rest[i]);
                if (sub != null) {
                    at = sub;
                    after = i;
                } else if (after >= 0 || !rest[i].startsWith("-")) {
                    break;
                }
            }
            List<String> all = new ArrayList<>(Arrays.asList(rest));
            all.addAll(after + 1, option);
            return all.toArray(String[]::new);
        }
    }

    static OptionSpec.Builder spec() {
        return OptionSpec.builder(SHORT, LONG).paramLabel(LABEL).type(Path.class).defaultValue(DEFAULT).description(DESCRIPTION);
    }
}
