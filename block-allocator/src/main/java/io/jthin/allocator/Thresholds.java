package io.jthin.allocator;

import java.util.ArrayList;
import java.util.List;

/**
 * Low-free-space listeners of one space map (the pool's low water marks, dm-thin-format §7.5).
 * A listener fires when the free count falls to or below its mark, once per crossing: it is
 * disarmed when it fires and re-armed when the free count rises above the mark again.
 *
 * <p>Invariants: a listener registered while free space is already at or below its mark fires on
 * registration. Callbacks run synchronously on the thread that changed the map, after the change
 * is complete; they must not change the space map (post an event instead). Not thread-safe (the
 * owning space map's lock).
 */
final class Thresholds {
    private final List<Mark> marks = new ArrayList<>();

    /** A registered low-water mark; {@link #close()} removes it. */
    final class Mark implements SpaceMapThreshold {
        private final long freeBlocksMark;
        private final Runnable callback;
        private boolean armed = true;

        private Mark(long freeBlocksMark, Runnable callback) {
            this.freeBlocksMark = freeBlocksMark;
            this.callback = callback;
        }

        @Override
        public long freeBlocksMark() {
            return freeBlocksMark;
        }

        @Override
        public boolean armed() {
            return armed;
        }

        @Override
        public void close() {
            marks.remove(this);
        }
    }

    SpaceMapThreshold add(long freeBlocksMark, Runnable callback, long freeNow) {
        if (freeBlocksMark < 0) {
            throw new IllegalArgumentException("a free-blocks mark cannot be negative: " + freeBlocksMark);
        }
        Mark m = new Mark(freeBlocksMark, java.util.Objects.requireNonNull(callback, "callback"));
        marks.add(m);
        check(freeNow);
        return m;
    }

    boolean isEmpty() {
        return marks.isEmpty();
    }

    /** Fires the armed marks at or above {@code free}; re-arms the fired marks below it. */
    void check(long free) {
        if (marks.isEmpty()) {
            return;
        }
        List<Runnable> fire = null;
        for (Mark m : marks) {
            if (m.armed && free <= m.freeBlocksMark) {
                m.armed = false;
                if (fire == null) {
                    fire = new ArrayList<>(2);
                }
                fire.add(m.callback);
            } else if (!m.armed && free > m.freeBlocksMark) {
                m.armed = true;
            }
        }
        if (fire != null) {
            fire.forEach(Runnable::run);
        }
    }
}
