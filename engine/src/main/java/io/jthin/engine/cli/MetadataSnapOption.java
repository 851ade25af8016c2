package io.jthin.engine.cli;

import io.jthin.snapshot.MetadataOperationException;
import io.jthin.snapshot.PoolMetadata;
import java.util.Stack;
import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * thin_dump's and thin_delta's {@code -m/--metadata-snap [BLOCK]}: read the held metadata snapshot.
 * A BLOCK must be where the superblock says the snapshot is, as in thin_dump and thin_delta 0.9.0
 * ("metadata snapshot does not match that in superblock"): it guards a script against reading a
 * snapshot other than the one it reserved. (A superblock copy the superblock no longer names may
 * point at trees whose blocks were freed and reused since; reading it would print another tree's
 * nodes as if they were the snapshot's.) The option's value: null when not given, {@link #HELD}
 * without a block, else the block.
 *
 * <p>The block is taken only when the next argument is a number, so {@code -m META} still names
 * the metadata file (thin_dump takes the block only attached, {@code -m5} or
 * {@code --metadata-snap=5}; both work here too).
 */
final class MetadataSnapOption {
    static final String LONG = "--metadata-snap";
    /** The value of {@code -m} given without a block: the snapshot the superblock holds. */
    static final long HELD = 0;

    private MetadataSnapOption() {
    }

    static OptionSpec.Builder spec(String description) {
        return OptionSpec.builder("-m", LONG).arity("0..1").paramLabel("BLOCK").type(Long.class)
                .parameterConsumer(new BlockConsumer()).description(description);
    }

    /**
     * Whether the option asks for the held snapshot; with a block, checks that the superblock holds
     * the snapshot there.
     *
     * @throws MetadataOperationException naming both blocks when it does not
     */
    static boolean requested(Long value, PoolMetadata md) {
        if (value == null) {
            return false;
        }
        if (value != HELD && value != md.heldRoot()) {
            throw new MetadataOperationException(md.heldRoot() == 0
                    ? "no metadata snapshot is held (-m " + value + ")"
                    : "the metadata snapshot is at block " + md.heldRoot() + ", not " + value + " (-m " + value + ")");
        }
        return true;
    }

    /**
     * Takes the next argument as the block only when it is a number. A class rather than a method
     * reference: the metadata tools build this model at every start, and linking a lambda there
     * cost them a few milliseconds (W7 times whole processes).
     */
    private static final class BlockConsumer implements CommandLine.IParameterConsumer {
        @Override
        public void consumeParameters(Stack<String> args, ArgSpec arg, CommandSpec command) {
            consume(args, arg, command);
        }
    }

    private static void consume(Stack<String> args, ArgSpec arg, CommandSpec command) {
        long block = HELD;
        if (!args.isEmpty() && isNumber(args.peek())) {
            String s = args.pop();
            try {
                block = Long.parseLong(s);
            } catch (NumberFormatException e) {
                throw new CommandLine.ParameterException(command.commandLine(),
                        "metadata snapshot block '" + s + "' is not a block number");
            }
            if (block == HELD) {
                throw new CommandLine.ParameterException(command.commandLine(),
                        "metadata snapshot block 0 is the superblock itself: give -m without a block for the held snapshot");
            }
        }
        arg.setValue(block);
    }

    private static boolean isNumber(String s) {
        if (s.isEmpty()) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) < '0' || s.charAt(i) > '9') {
                return false;
            }
        }
        return true;
    }
}
