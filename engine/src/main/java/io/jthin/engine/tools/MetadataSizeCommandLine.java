package io.jthin.engine.tools;

import java.util.List;

/**
 * {@code thin_metadata_size} 0.9.0's command line, option for option: a pure function from
 * arguments to exit code, stdout and stderr, so a CLI only prints the {@link Outcome}. Owns the
 * getopt_long behaviour the tool inherits (short clusters {@code -b64k}, {@code --long=value},
 * unique long prefixes, non-options ignored, {@code --} ends options, glibc's messages) and the
 * tool's own checks in its order: per option while parsing ("Invalid unit specifier!",
 * "option already given!", "output unit specifier invalid!", "-n already given!",
 * "-n invalid option argument"), then "block size required!", "pool size required!",
 * "max thins required!", "block size must be 2^^N", "pool size must be larger than block size".
 *
 * <p>Quirks kept: a size without a unit is in sectors but is echoed with the output unit chosen
 * so far ({@code -u k -b 128} echoes {@code 128kibibytes}); {@code -m} takes a unit too
 * ({@code -m 1k} is 1024 thins); {@code -n}'s argument must be attached ({@code -nlong},
 * {@code --numeric-only=short}; {@code -n long} ignores "long"); a later {@code -u} wins;
 * a value is its leading digits ({@code atoll}, saturating), the rest is the unit.
 */
public final class MetadataSizeCommandLine {

    /**
     * What the tool did: exit code and the exact bytes of stdout and stderr; {@code estimate} is
     * what it printed as numbers, or null when it printed none (an error, help, version).
     */
    public record Outcome(int exitCode, String stdout, String stderr, Estimate estimate) {
        Outcome(int exitCode, String stdout, String stderr) {
            this(exitCode, stdout, stderr, null);
        }
    }

    /** The inputs, in sectors and thins, and the estimate, in 4 KiB metadata blocks. */
    public record Estimate(long blockSizeSectors, long poolSizeSectors, long maxThins, long metadataBlocks) {
        public static final long SECTOR_BYTES = 512;
        public static final long METADATA_BLOCK_BYTES = 4096;
    }

    private static final int BLOCK = 0;
    private static final int POOL = 1;
    private static final int MAX_THINS = 2;

    private static final String[] LONG_NAMES =
            {"block-size", "pool-size", "max-thins", "unit", "numeric-only", "help", "version"};
    private static final char[] LONG_CODES = {'b', 's', 'm', 'u', 'n', 'h', 'V'};

    /** Thrown to stop like the C tool's exit(): carries the outcome. */
    private static final class Exit extends Exception {
        private static final long serialVersionUID = 1L;
        final transient Outcome outcome;

        Exit(Outcome outcome) {
            super(null, null, false, false);
            this.outcome = outcome;
        }
    }

    /** argv[0]: getopt's messages start with it. */
    private final String program;
    /** basename(argv[0]): the tool's own messages and help use it. */
    private final String name;
    private final String version;
    private final long[] sizes = new long[3];
    private final String[] echoed = new String[3];
    private int unitIndex = MetadataSize.SECTORS;
    private MetadataSize.Output output = MetadataSize.Output.FULL;
    private boolean numericGiven;

    private MetadataSizeCommandLine(String program, String version) {
        this.program = program;
        this.name = program.substring(program.lastIndexOf('/') + 1);
        this.version = version;
    }

    /**
     * Runs the tool.
     *
     * @param program argv[0]: getopt's messages repeat it, the tool's own use its basename
     * @param version what {@code -V} prints (0.9.0 prints {@code 0.9.0})
     * @param args    the arguments after the program name
     */
    public static Outcome run(String program, String version, List<String> args) {
        MetadataSizeCommandLine tool = new MetadataSizeCommandLine(program, version);
        try {
            tool.parse(args);
            tool.checkOptions();
            double value = MetadataSize.estimate(tool.sizes[BLOCK], tool.sizes[POOL], tool.sizes[MAX_THINS],
                    tool.unitIndex);
            return new Outcome(0, MetadataSize.format(tool.name, value, tool.unitIndex, tool.output, tool.echoed), "",
                    new Estimate(tool.sizes[BLOCK], tool.sizes[POOL], tool.sizes[MAX_THINS], MetadataSize.metadataBlocks(
                            tool.sizes[BLOCK], tool.sizes[POOL], tool.sizes[MAX_THINS])));
        } catch (Exit e) {
            return e.outcome;
        }
    }

    /** The {@code -h} text. */
    public static String help(String program) {
        String units = MetadataSize.UNIT_CHARS;
        return "Thin Provisioning Metadata Device Size Calculator.\nUsage: " + program + " [options]\n"
                + helpLine("-b", "--block-size BLOCKSIZE[" + units + "]", "Block size of thin provisioned devices.")
                + helpLine("-s", "--pool-size SIZE[" + units + "]", "Size of pool device.")
                + helpLine("-m", "--max-thins #MAXTHINS[" + units + "]", "Maximum sum of all thin devices and snapshots.")
                + helpLine("-u", "--unit {" + units + "}", "Output unit specifier.")
                + helpLine("-n", "--numeric-only [short|long]",
                        "Output numeric value only (optionally with short/long unit identifier).")
                + helpLine("-h", "--help", "This help.")
                + helpLine("-V", "--version", "Print thin provisioning tools version.");
    }

    private static String helpLine(String flag, String option, String text) {
        return "\t" + pad(flag, 4) + pad(option, 44) + text + "\n";
    }

    private static String pad(String s, int width) {
        return s.length() >= width ? s : s + " ".repeat(width - s.length());
    }

    private void parse(List<String> args) throws Exit {
        for (int i = 0; i < args.size(); i++) {
            String arg = args.get(i);
            if (arg.equals("--")) {
                return;
            }
            if (arg.startsWith("--")) {
                i = longOption(args, i);
            } else if (arg.startsWith("-") && arg.length() > 1) {
                i = shortOptions(args, i);
            }
            // anything else is a non-option: getopt permutes it away and the tool ignores it
        }
    }

    private int longOption(List<String> args, int i) throws Exit {
        String body = args.get(i).substring(2);
        int eq = body.indexOf('=');
        String given = eq < 0 ? body : body.substring(0, eq);
        String attached = eq < 0 ? null : body.substring(eq + 1);
        if (given.isEmpty()) {
            // "--=x": every option matches the empty prefix
            StringBuilder all = new StringBuilder();
            for (String n : LONG_NAMES) {
                all.append(" '--").append(n).append('\'');
            }
            throw getoptError("option '--" + body + "' is ambiguous; possibilities:" + all);
        }
        int match = -1;
        for (int k = 0; k < LONG_NAMES.length && match < 0; k++) {
            if (LONG_NAMES[k].equals(given)) {
                match = k;
            }
        }
        for (int k = 0; k < LONG_NAMES.length && match < 0; k++) {
            if (LONG_NAMES[k].startsWith(given)) {
                match = k; // the long names have distinct first letters: a prefix is never ambiguous
            }
        }
        if (match < 0) {
            throw getoptError("unrecognized option '--" + given + "'");
        }
        char code = LONG_CODES[match];
        String full = "--" + LONG_NAMES[match];
        if (code == 'h' || code == 'V') {
            if (attached != null) {
                throw getoptError("option '" + full + "' doesn't allow an argument");
            }
            option(code, null);
            return i;
        }
        if (code == 'n') {
            option(code, attached);
            return i;
        }
        if (attached == null) {
            if (i + 1 >= args.size()) {
                throw getoptError("option '" + full + "' requires an argument");
            }
            attached = args.get(++i);
        }
        option(code, attached);
        return i;
    }

    private int shortOptions(List<String> args, int i) throws Exit {
        String arg = args.get(i);
        for (int p = 1; p < arg.length(); p++) {
            char c = arg.charAt(p);
            String rest = arg.substring(p + 1);
            switch (c) {
                case 'h', 'V' -> option(c, null);
                case 'n' -> {
                    option(c, rest.isEmpty() ? null : rest);
                    return i;
                }
                case 'b', 's', 'm', 'u' -> {
                    if (!rest.isEmpty()) {
                        option(c, rest);
                        return i;
                    }
                    if (i + 1 >= args.size()) {
                        throw getoptError("option requires an argument -- '" + c + "'");
                    }
                    option(c, args.get(i + 1));
                    return i + 1;
                }
                default -> throw getoptError("invalid option -- '" + c + "'");
            }
        }
        return i;
    }

    private void option(char code, String value) throws Exit {
        switch (code) {
            case 'b' -> size(BLOCK, value);
            case 's' -> size(POOL, value);
            case 'm' -> size(MAX_THINS, value);
            case 'u' -> {
                int u = MetadataSize.unitIndex(value);
                if (u < 0) {
                    throw abort("output unit specifier invalid!");
                }
                unitIndex = u;
            }
            case 'n' -> numeric(value);
            case 'h' -> throw new Exit(new Outcome(0, help(name), ""));
            case 'V' -> throw new Exit(new Outcome(0, version + "\n", ""));
            default -> throw new IllegalStateException("option " + code);
        }
    }

    private void size(int which, String text) throws Exit {
        if (sizes[which] != 0) {
            throw abort("option already given!");
        }
        int digitsEnd = 0;
        while (digitsEnd < text.length() && text.charAt(digitsEnd) >= '0' && text.charAt(digitsEnd) <= '9') {
            digitsEnd++;
        }
        String digits = text.substring(0, digitsEnd);
        boolean hasUnit = digitsEnd < text.length();
        int unit = MetadataSize.SECTORS;
        if (hasUnit) {
            unit = MetadataSize.unitIndex(text.substring(digitsEnd));
            if (unit < 0) {
                throw abort("Invalid unit specifier!");
            }
        }
        long bytes = atoll(digits) * MetadataSize.factor(unit);
        boolean inSectors = !hasUnit || which != MAX_THINS;
        sizes[which] = inSectors ? Long.divideUnsigned(bytes, 512) : bytes;
        String echoedUnit = hasUnit ? MetadataSize.UNIT_NAMES.get(unit)
                : which == MAX_THINS ? "" : MetadataSize.UNIT_NAMES.get(unitIndex);
        echoed[which] = digits + echoedUnit;
    }

    /** glibc atoll of a digit string: empty is 0, overflow saturates at Long.MAX_VALUE. */
    private static long atoll(String digits) {
        long v = 0;
        for (int i = 0; i < digits.length(); i++) {
            int d = digits.charAt(i) - '0';
            if (v > (Long.MAX_VALUE - d) / 10) {
                return Long.MAX_VALUE;
            }
            v = v * 10 + d;
        }
        return v;
    }

    private void numeric(String value) throws Exit {
        if (numericGiven) {
            throw abort("-n already given!");
        }
        numericGiven = true;
        output = MetadataSize.Output.NUMBER;
        if (value != null) {
            boolean isLong = "long".startsWith(value);
            if (value.isEmpty() || (!"short".startsWith(value) && !isLong)) {
                throw abort("-n invalid option argument");
            }
            output = isLong ? MetadataSize.Output.NUMBER_LONG_UNIT : MetadataSize.Output.NUMBER_SHORT_UNIT;
        }
    }

    private void checkOptions() throws Exit {
        long block = sizes[BLOCK];
        if (block == 0) {
            throw abort("block size required!");
        } else if (sizes[POOL] == 0) {
            throw abort("pool size required!");
        } else if (sizes[MAX_THINS] == 0) {
            throw abort("max thins required!");
        } else if ((block & (block - 1)) != 0) {
            throw abort("block size must be 2^^N");
        } else if (Long.compareUnsigned(sizes[POOL], block) <= 0) {
            throw abort("pool size must be larger than block size");
        }
    }

    private Exit abort(String message) {
        return new Exit(new Outcome(1, "", name + " - " + message + "\n"));
    }

    private Exit getoptError(String message) {
        return new Exit(new Outcome(1, "", program + ": " + message + "\n"));
    }
}
