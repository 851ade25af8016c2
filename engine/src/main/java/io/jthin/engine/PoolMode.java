package io.jthin.engine;

/**
 * The pool's modes in the kernel's degraded order (dm-thin-format §7.5–7.6). A pool only moves to
 * a later mode on trouble; it moves back to {@link #WRITE} when space is added (out-of-space
 * modes) — never from {@link #READ_ONLY} or {@link #FAIL} while NEEDS_CHECK is set.
 */
public enum PoolMode {
    /** Normal operation. */
    WRITE,
    /** No free data block: writes needing allocation queue or fail; the rest works. Status: out_of_data_space. */
    OUT_OF_DATA_SPACE,
    /** No free metadata block: no metadata change is possible; reported ro. */
    OUT_OF_METADATA_SPACE,
    /** A metadata operation failed: NEEDS_CHECK is set, metadata is frozen at the last commit. Status: ro. */
    READ_ONLY,
    /** Even the rollback failed: every I/O errors. Status: Fail. */
    FAIL;

    /** The mode word of the dmsetup pool status line. */
    public String statusWord() {
        return switch (this) {
            case WRITE -> "rw";
            case OUT_OF_DATA_SPACE -> "out_of_data_space";
            case OUT_OF_METADATA_SPACE, READ_ONLY -> "ro";
            case FAIL -> "Fail";
        };
    }
}
