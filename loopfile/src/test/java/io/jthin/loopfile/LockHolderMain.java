package io.jthin.loopfile;

import java.nio.file.Path;

/** Run in a second JVM by {@link SparseFileTest}: exits 3 when the open is refused as locked, 0 when it opened. */
public final class LockHolderMain {
    private LockHolderMain() {
    }

    public static void main(String[] args) {
        try (SparseFile f = SparseFile.open(Path.of(args[0]))) {
            System.out.println("opened " + f.name());
            System.exit(0);
        } catch (PoolLockedException e) {
            System.out.println(e.getMessage());
            System.exit(3);
        }
    }
}
