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
import java.util.List;
import java.util.Map;
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

    @Test
    void everyDamagedNodeIsSalvagedAsThinDumpRepairDoesIt() throws IOException {
        String pool = tmp.resolve("pool").toString();
        Path meta = Path.of(pool, "devicemapper", "metadata");
        Cli.run("pool", "create", "-p", pool, "--data-size", "256m", "--metadata-size", "8m").ok("create");
        Cli.run("thin", "create", "1", "--size", "64m", "-p", pool).ok("thin create 1");
        SplittableRandom rnd = new SplittableRandom(9);
        byte[] big = new byte[700 * 64 * 1024]; // 700 blocks: a bottom-level tree of three leaves and a root
        rnd.nextBytes(big);
        Cli.run(big, "thin", "write", "1", "--offset", "0", "-p", pool).ok("write 1");
        Cli.run("thin", "snapshot", "2", "1", "-p", pool).ok("snapshot");
        byte[] small = new byte[1_000_000];
        rnd.nextBytes(small);
        Cli.run(small, "thin", "write", "2", "--offset", "20000000", "-p", pool).ok("write 2");
        Cli.run("thin", "create", "3", "--size", "16m", "-p", pool).ok("thin create 3");
        Cli.run(small, "thin", "write", "3", "--offset", "0", "-p", pool).ok("write 3");
        for (int d = 10; d < 22; d++) {
            Cli.run("thin", "create", Integer.toString(d), "--size", "1m", "-p", pool).ok("thin create " + d);
        }
        ThinTools.assertCheckClean(meta, "the pool before any damage");

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
            try (RandomAccessFile f = new RandomAccessFile(damaged.toFile(), "rw")) {
                f.seek(node * 4096 + 200);
                f.write(new byte[] {(byte) 0xee, (byte) 0xee, (byte) 0xee, (byte) 0xee});
            }
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
}
