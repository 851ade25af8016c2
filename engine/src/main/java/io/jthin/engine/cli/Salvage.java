package io.jthin.engine.cli;

import io.jthin.btree.BTree;
import io.jthin.btree.CorruptMetadataException;
import io.jthin.engine.tools.MetadataWalk;
import io.jthin.engine.tools.RootSearch;
import io.jthin.engine.tools.SuperblockOverride;
import io.jthin.snapshot.MetadataOperationException;
import io.jthin.snapshot.PoolMetadata;
import io.jthin.snapshot.Superblock;
import java.io.PrintStream;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * thin_dump --repair's reading of damaged metadata, shared by {@code dump --repair} and
 * {@code repair}: the metadata opened with a stand-in for an unreadable superblock, and the walk
 * past damaged nodes, from other roots when the superblock's cannot be walked ({@link RootSearch}).
 * What it decides is told on {@code notices}, each line prefixed with {@code who}. Stateless.
 */
final class Salvage {
    private Salvage() {
    }

    /**
     * Opens the metadata with {@code open} (given null: read the superblock; else the stand-in);
     * when its superblock cannot be read, with a stand-in made of {@code override} (refused, naming
     * the first missing field, as thin_dump).
     */
    static PoolMetadata open(Function<Superblock, PoolMetadata> open, SuperblockOverride override, PrintStream notices,
            String who) {
        try {
            return open.apply(null);
        } catch (CorruptMetadataException e) {
            if (e.blockNr() != 0) {
                throw e;
            }
            String missing = override.missingForStandIn();
            if (missing != null) {
                throw new MetadataOperationException("the superblock cannot be read (" + e.getMessage() + "): give its "
                        + missing + " (--transaction-id, --data-block-size and --nr-data-blocks stand in for it)");
            }
            notices.println(who + ": the superblock cannot be read (" + e.getMessage() + "); its fields come from the "
                    + "command line");
            return open.apply(override.standIn());
        }
    }

    /**
     * The walk: past damaged nodes, noting each in {@code damage}; from other roots when the
     * superblock's device-details tree or top-level mapping tree cannot be read and a search of the
     * metadata finds a sound pair (the live metadata only).
     */
    static MetadataWalk walk(PoolMetadata md, boolean snap, List<String> damage, PrintStream notices, String who) {
        BTree.DamagedNode damaged = (node, why) -> damage.add(
                "left out metadata block " + node + " and what hangs from it: " + why.getMessage());
        Superblock sb = md.superblock();
        if (snap || RootSearch.walkable(md.transactionManager(), sb.deviceDetailsRoot, sb.dataMappingRoot)) {
            return (v, metadataSnap, only) -> md.accept(v, metadataSnap, only, damaged);
        }
        Optional<RootSearch.Roots> found = RootSearch.find(md.transactionManager());
        if (found.isEmpty()) {
            notices.println(who + ": the superblock's device details tree (block " + sb.deviceDetailsRoot
                    + ") or top-level mapping tree (block " + sb.dataMappingRoot + ") cannot be read, and a search of the "
                    + "metadata found no other sound pair of roots: reading what the superblock's roots reach");
            return (v, metadataSnap, only) -> md.accept(v, metadataSnap, only, damaged);
        }
        RootSearch.Roots r = found.get();
        if (sb.deviceDetailsRoot == 0 && sb.dataMappingRoot == 0) { // a stand-in superblock: no roots of its own
            notices.println(who + ": reading from the roots a search of the metadata found: device details "
                    + r.deviceDetailsRoot() + ", mappings " + r.dataMappingRoot());
        } else {
            notices.println(who + ": the superblock's device details tree (block " + sb.deviceDetailsRoot
                    + ") or top-level mapping tree (block " + sb.dataMappingRoot + ") is damaged; dumping from the roots a "
                    + "search of the metadata found instead: device details " + r.deviceDetailsRoot() + ", mappings "
                    + r.dataMappingRoot() + " (an earlier state: what was committed after it is not in this dump)");
        }
        return (v, metadataSnap, only) -> md.acceptFrom(r.deviceDetailsRoot(), r.dataMappingRoot(), r.time(), v, only, damaged);
    }

    /** Tells at most {@code max} of the damaged nodes, then how many more there were. */
    static void tellDamage(List<String> damage, int max, PrintStream notices, String who) {
        for (int i = 0; i < damage.size() && i < max; i++) {
            notices.println(who + " " + damage.get(i));
        }
        if (damage.size() > max) {
            notices.println(who + " left out " + (damage.size() - max) + " more damaged nodes");
        }
    }
}
