package io.jthin.loopfile;

import java.nio.file.Path;

/**
 * Run in a second JVM by {@link SparseFileLockTest}: {@code LockHolderMain PATH [rw|ro]} tries to
 * open PATH. Exit codes: 0 opened (and closed), 3 refused with PoolLockedException, 1 any other error.
 */
public final class LockHolderMain {
    static final int OPENED = 0;
    static final int OTHER_ERROR = 1;
    static final int LOCKED = 3;

    private LockHolderMain() {}

    public static void main(String[] args) {
        boolean readOnly = args.length > 1 && args[1].equals("ro");
        int code;
        try (SparseFile f = SparseFile.open(Path.of(args[0]), readOnly)) {
            System.out.println("opened " + f.name());
            code = OPENED;
        } catch (PoolLockedException e) {
            System.out.println(e.getMessage());
            code = LOCKED;
        } catch (RuntimeException e) {
            e.printStackTrace(System.out);
            code = OTHER_ERROR;
        }
        System.exit(code);
    }
}
