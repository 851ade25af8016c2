package io.jthin.engine;

/**
 * A thin-pool message as {@code dmsetup message <pool> 0 "<msg>"} takes it (dm-thin-format §7.3).
 * {@link #parse} accepts exactly dmsetup's strings; a wrong word or argument count is the kernel's
 * EINVAL, reported as an {@link IllegalArgumentException} naming what is wrong.
 */
public sealed interface PoolMessage {

    record CreateThin(long devId) implements PoolMessage {
    }

    record CreateSnap(long devId, long originId) implements PoolMessage {
    }

    record Delete(long devId) implements PoolMessage {
    }

    record SetTransactionId(long current, long next) implements PoolMessage {
    }

    record ReserveMetadataSnap() implements PoolMessage {
    }

    record ReleaseMetadataSnap() implements PoolMessage {
    }

    static PoolMessage parse(String message) {
        String[] w = message.trim().split("\\s+");
        String name = w[0];
        return switch (name) {
            case "create_thin" -> {
                args(w, 1);
                yield new CreateThin(devId(w[1]));
            }
            case "create_snap" -> {
                args(w, 2);
                yield new CreateSnap(devId(w[1]), devId(w[2]));
            }
            case "delete" -> {
                args(w, 1);
                yield new Delete(devId(w[1]));
            }
            case "set_transaction_id" -> {
                args(w, 2);
                yield new SetTransactionId(u64(w[1], "current transaction id"), u64(w[2], "new transaction id"));
            }
            case "reserve_metadata_snap" -> {
                args(w, 0);
                yield new ReserveMetadataSnap();
            }
            case "release_metadata_snap" -> {
                args(w, 0);
                yield new ReleaseMetadataSnap();
            }
            default -> throw new IllegalArgumentException("unsupported message '" + name
                    + "' (known: create_thin, create_snap, delete, set_transaction_id, reserve_metadata_snap, "
                    + "release_metadata_snap)");
        };
    }

    private static void args(String[] w, int n) {
        if (w.length != n + 1) {
            throw new IllegalArgumentException("message '" + w[0] + "' takes " + n + " argument" + (n == 1 ? "" : "s")
                    + ", got " + (w.length - 1));
        }
    }

    /** Thin device ids are 24-bit (§7.2). */
    private static long devId(String s) {
        long v;
        try {
            v = Long.parseLong(s);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("Invalid device id: '" + s + "'");
        }
        if (v < 0 || v >= (1L << 24)) {
            throw new IllegalArgumentException("Invalid device id: " + s + " (must be 0…16777215)");
        }
        return v;
    }

    private static long u64(String s, String what) {
        try {
            return Long.parseUnsignedLong(s);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("invalid " + what + ": '" + s + "'");
        }
    }
}
