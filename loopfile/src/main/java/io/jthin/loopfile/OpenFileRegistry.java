package io.jthin.loopfile;

import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The JVM-wide set of canonical paths a {@link SparseFile} holds open.
 *
 * <p>Why it exists: where a SparseFile holds the file with a classic POSIX record lock (read-only
 * regular files; kernels without OFD locks), the lock belongs to the process, not the descriptor: a
 * second open in the same JVM would be granted it, and closing that second descriptor would silently
 * drop the first owner's lock. So a path is reserved here <em>before</em> any descriptor is opened,
 * and released only after every descriptor is closed. (An OFD lock would refuse the second open by
 * itself; the registry still answers first, without touching the file.)
 *
 * <p>Invariant: a path is in the set iff exactly one SparseFile (opening or open) owns it.
 * Thread-safety: a concurrent set; {@link #reserve} is atomic.
 */
final class OpenFileRegistry {
    private static final Set<Path> OPEN = ConcurrentHashMap.newKeySet();

    private OpenFileRegistry() {}

    /** Reserves {@code canonicalPath}; false if another SparseFile in this JVM holds it. */
    static boolean reserve(Path canonicalPath) {
        return OPEN.add(canonicalPath);
    }

    /** Releases a path reserved by {@link #reserve}. */
    static void release(Path canonicalPath) {
        OPEN.remove(canonicalPath);
    }

    /** True while some SparseFile in this JVM holds {@code canonicalPath}. */
    static boolean isHeld(Path canonicalPath) {
        return OPEN.contains(canonicalPath);
    }
}
