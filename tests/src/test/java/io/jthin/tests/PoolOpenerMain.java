package io.jthin.tests;

import io.jthin.engine.PoolDirectory;
import io.jthin.loopfile.PoolLockedException;
import java.nio.file.Path;

/**
 * Run in a second JVM by {@link SecondProcessLockTest}: {@code PoolOpenerMain DIR open|hold|tools}.
 * {@code open} opens the pool directory read-write and closes it; {@code hold} opens it, prints
 * "holding", and keeps it open until its standard input closes; {@code tools} opens the metadata
 * read-only as the dump/ls tools do. Exit codes: 0 opened, 3 refused with PoolLockedException
 * (its message printed), 1 any other error.
 */
public final class PoolOpenerMain {
    static final int OPENED = 0;
    static final int OTHER_ERROR = 1;
    static final int LOCKED = 3;

    private PoolOpenerMain() {
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        int code;
        try {
            switch (args[1]) {
                case "tools" -> PoolDirectory.openMetadataReadOnly(dir, 1 << 20).close();
                case "hold" -> {
                    try (PoolDirectory pool = PoolDirectory.open(dir, PoolDirectory::forOneShot)) {
                        System.out.println("holding " + pool.deviceIds());
                        System.out.flush();
                        while (System.in.read() >= 0) {
                            // until the parent closes our stdin
                        }
                    }
                }
                default -> {
                    try (PoolDirectory pool = PoolDirectory.open(dir, PoolDirectory::forOneShot)) {
                        System.out.println("opened " + pool.deviceIds());
                    }
                }
            }
            code = OPENED;
        } catch (PoolLockedException e) {
            System.out.println(e.getMessage());
            code = LOCKED;
        } catch (RuntimeException e) {
            e.printStackTrace(System.out);
            code = OTHER_ERROR;
        }
        System.out.flush();
        System.exit(code);
    }
}
