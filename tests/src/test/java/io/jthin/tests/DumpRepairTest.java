package io.jthin.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jthin.btree.BlockType;
import io.jthin.loopfile.SparseFile;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code jthin dump --repair} against real {@code thin_dump --repair}: a pool with several devices
 * (a snapshot written after it was taken, multi-level mapping trees, a dozen small devices) gets
 * one B-tree node damaged at a time — every node of every tree in turn, the space maps' included —
 * and both tools' salvage must be byte for byte the same; a plain dump must refuse the damaged
 * metadata naming the block.
 */
class DumpRepairTest {
    @TempDir
    Path tmp;

    private static final int BLOCK = 64 * 1024;
    private static final long SNAPSHOT_WRITE_AT = 20_000_000;

    /** The pool both tests damage; returns {device 1's bytes, what device 2 was written after its snapshot}. */
    private static byte[][] buildPool(String pool) {
        Cli.run("pool", "create", "-p", pool, "--data-size", "256m", "--metadata-size", "8m").ok("create");
        Cli.run("thin", "create", "1", "--size", "64m", "-p", pool).ok("thin create 1");
        SplittableRandom rnd = new SplittableRandom(9);
        byte[] big = new byte[700 * BLOCK]; // 700 blocks: a bottom-level tree of three leaves and a root
        rnd.nextBytes(big);
        Cli.run(big, "thin", "write", "1", "--offset", "0", "-p", pool).ok("write 1");
        Cli.run("thin", "snapshot", "2", "1", "-p", pool).ok("snapshot");
        byte[] small = new byte[1_000_000];
        rnd.nextBytes(small);
        Cli.run(small, "thin", "write", "2", "--offset", Long.toString(SNAPSHOT_WRITE_AT), "-p", pool).ok("write 2");
        Cli.run("thin", "create", "3", "--size", "16m", "-p", pool).ok("thin create 3");
        Cli.run(small, "thin", "write", "3", "--offset", "0", "-p", pool).ok("write 3");
        for (int d = 10; d < 22; d++) {
            Cli.run("thin", "create", Integer.toString(d), "--size", "1m", "-p", pool).ok("thin create " + d);
        }
        ThinTools.assertCheckClean(Path.of(pool, "devicemapper", "metadata"), "the pool before any damage");
        return new byte[][] {big, small};
    }

    private static void damage(Path metadata, long node) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(metadata.toFile(), "rw")) {
            f.seek(node * 4096 + 200);
            f.write(new byte[] {(byte) 0xee, (byte) 0xee, (byte) 0xee, (byte) 0xee});
        }
    }

    @Test
    void everyDamagedNodeIsSalvagedAsThinDumpRepairDoesIt() throws IOException {
        String pool = tmp.resolve("pool").toString();
        Path meta = Path.of(pool, "devicemapper", "metadata");
        buildPool(pool);

        TreeSet<Long> nodes = new TreeSet<>();
        List<String> kinds = new ArrayList<>();
        try (SparseFile f = SparseFile.openReadOnly(meta)) {
            MetadataBlockMap map = new MetadataBlockMap(f);
            for (Map.Entry<Long, MetadataBlockMap.Kind> e : map.kinds.entrySet()) {
                if (e.getValue().type() == BlockType.BTREE_NODE) {
                    nodes.add(e.getKey());
                    if (!kinds.contains(e.getValue().name())) {
                        kinds.add(e.getValue().name());
                    }
                }
            }
        }
        assertTrue(kinds.size() >= 6, "nodes of every tree are damaged in turn: " + kinds);

        Path damaged = tmp.resolve("damaged.meta");
        int salvaged = 0;
        for (long node : nodes) {
            Files.copy(meta, damaged, StandardCopyOption.REPLACE_EXISTING);
            damage(damaged, node);
            ThinTools.Result theirs = ThinTools.run("thin_dump", "--repair", damaged.toString());
            Cli.Result ours = Cli.run("dump", "--repair", damaged.toString());
            assertEquals(theirs.exitCode() == 0, ours.code() == 0, "node " + node + ": " + ours.err());
            assertEquals(theirs.stdout(), ours.out(), "node " + node + " damaged: the salvage differs from thin_dump --repair's");
            if (ours.err().contains("left out metadata block " + node)) {
                salvaged++;
            }
            Cli.Result plain = Cli.run("dump", damaged.toString());
            if (ours.err().contains("left out metadata block " + node)) {
                assertEquals(1, plain.code(), "node " + node + ": a plain dump refuses damaged metadata");
                assertTrue(plain.err().contains("metadata block " + node), plain.err());
            }
        }
        assertTrue(salvaged >= nodes.size() / 2, "most damaged nodes are in trees a dump reads: " + salvaged
                + " of " + nodes.size());
        System.out.println("dump --repair: " + nodes.size() + " damaged nodes, " + salvaged
                + " left out by the salvage, every output equal to thin_dump --repair's");
    }

    /**
     * The repair path end to end, in place: a leaf of the snapshot's own mapping tree is damaged;
     * dump --repair, then restore into the same pool. The pool opens and checks clean (jthin and
     * thin_check), the origin and the other devices read back intact, and the snapshot keeps every
     * block but those of the lost leaf, which now read as zeros.
     */
    @Test
    void aDamagedPoolIsRepairedInPlaceByDumpRepairThenRestore() throws IOException {
        String pool = tmp.resolve("repair").toString();
        Path meta = Path.of(pool, "devicemapper", "metadata");
        byte[][] written = buildPool(pool);
        long leaf = -1;
        List<Long> lost = List.of();
        try (SparseFile f = SparseFile.openReadOnly(meta)) {
            MetadataBlockMap map = new MetadataBlockMap(f);
            for (Map.Entry<Long, Set<Long>> e : map.reachedBy.entrySet()) {
                if (e.getValue().equals(Set.of(2L)) && map.kinds.get(e.getKey()).name().endsWith("leaf")) {
                    leaf = e.getKey();
                    lost = map.vblocksBelow.get(leaf);
                    break;
                }
            }
        }
        assertTrue(leaf > 0 && !lost.isEmpty(), "the snapshot has a leaf of its own");
        damage(meta, leaf);
        Cli.Result refused = Cli.run("thin", "read", "2", "--offset", "0", "--length", Integer.toString(700 * BLOCK), "-p", pool);
        assertEquals(1, refused.code(), "the damage is detected, not served");

        Path xml = tmp.resolve("salvage.xml");
        Cli.Result salvage = Cli.run("dump", "--repair", "-o", xml.toString(), "-p", pool).ok("dump --repair");
        assertTrue(salvage.err().contains("left out metadata block " + leaf), salvage.err());
        Cli.run("restore", "-i", xml.toString(), "-p", pool).ok("restore into the same pool");
        Cli.run("check", "-p", pool).ok("jthin check of the repaired pool");
        ThinTools.assertCheckClean(meta, "the repaired pool");

        byte[] one = Cli.run("thin", "read", "1", "--offset", "0", "--length", Integer.toString(700 * BLOCK), "-p", pool)
                .ok("read 1").stdout();
        assertTrue(Arrays.equals(written[0], one), "the origin is intact");
        byte[] expected2 = written[0].clone();
        System.arraycopy(written[1], 0, expected2, (int) SNAPSHOT_WRITE_AT, written[1].length);
        for (long vb : lost) {
            Arrays.fill(expected2, (int) (vb * BLOCK), (int) Math.min((vb + 1) * BLOCK, expected2.length), (byte) 0);
        }
        byte[] two = Cli.run("thin", "read", "2", "--offset", "0", "--length", Integer.toString(700 * BLOCK), "-p", pool)
                .ok("read 2").stdout();
        assertTrue(Arrays.equals(expected2, two), "the snapshot keeps all but the lost leaf's "
                + lost.size() + " blocks, which read as zeros");
        byte[] three = Cli.run("thin", "read", "3", "--offset", "0", "--length", Integer.toString(written[1].length),
                "-p", pool).ok("read 3").stdout();
        assertTrue(Arrays.equals(written[1], three), "device 3 is intact");
        Cli.run(written[1], "thin", "write", "2", "--offset", "0", "-p", pool).ok("the repaired pool takes writes");
    }
}
