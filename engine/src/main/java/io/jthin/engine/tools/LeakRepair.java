package io.jthin.engine.tools;

import io.jthin.allocator.RefCountSpaceMap;
import io.jthin.snapshot.PoolMetadata;
import java.util.List;

/**
 * {@code check --auto-repair}: lowers each leaked reference count (a count above what the
 * metadata's trees account for, {@link CheckReport.Leak}) to the recounted value, in one commit of
 * its own. A leaked block that falls to 0 is free again; nothing any tree references changes, so
 * no data or mapping can be lost. Only leaks are repaired: a count below the recount (a block in
 * use that could be handed out twice) or damage to the trees is never guessed at.
 */
public final class LeakRepair {
    private LeakRepair() {
    }

    /**
     * Repairs {@code leaks}, found by a check of the metadata {@code md} now holds (opened
     * writable), and commits; returns how many counts changed.
     *
     * @throws IllegalStateException if a count is no longer what the check saw (nothing is committed then)
     */
    public static int repair(PoolMetadata md, List<CheckReport.Leak> leaks) {
        for (CheckReport.Leak leak : leaks) {
            RefCountSpaceMap sm = leak.metadata() ? md.metadataSpaceMap() : md.dataSpaceMap();
            long now = sm.refCount(leak.block());
            if (now != leak.onDisk()) {
                md.abort();
                throw new IllegalStateException((leak.metadata() ? "metadata" : "data") + " block " + leak.block()
                        + ": reference count is " + now + ", the check saw " + leak.onDisk() + "; nothing repaired");
            }
            sm.inc(leak.block(), leak.expected() - leak.onDisk());
        }
        md.commit();
        return leaks.size();
    }
}
