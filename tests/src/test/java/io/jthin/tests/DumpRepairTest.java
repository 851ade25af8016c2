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
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code jthin dump --repair} against real {@code thin_dump --repair}: a pool with many devices
 * (a snapshot written after it was taken, multi-level mapping and device details trees) gets
 * one B-tree node damaged at a time — every node of every tree in turn, the space maps' included —
 * and both tools' salvage must be byte for byte the same; a plain dump must refuse the damaged
 * metadata naming the block.
 */
class DumpRepairTest {
    @TempDir
    Path tmp;

    private static final int BLOCK = 64 * 1024;
    private static final long SNAPSHOT_WRITE_AT = 20_000_000;
    /** Enough devices that the device details tree (at most 127 entries a leaf) has internal nodes. */
    private static final int SMALL_DEVICES = 140;

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
        for (int d = 10; d < 10 + SMALL_DEVICES; d++) {
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
        Map<Long, String> kindOf = new TreeMap<>();
        List<String> kinds = new ArrayList<>();
        try (SparseFile f = SparseFile.openReadOnly(meta)) {
            MetadataBlockMap map = new MetadataBlockMap(f);
            for (Map.Entry<Long, MetadataBlockMap.Kind> e : map.kinds.entrySet()) {
                if (e.getValue().type() == BlockType.BTREE_NODE) {
                    nodes.add(e.getKey());
                    kindOf.put(e.getKey(), e.getValue().name());
                    if (!kinds.contains(e.getValue().name())) {
                        kinds.add(e.getValue().name());
                    }
                }
            }
        }
        for (String tree : new String[] {"device details tree", "bottom-level mapping tree"}) {
            assertTrue(kinds.contains(tree + " internal node") && kinds.contains(tree + " leaf"),
                    tree + " has internal nodes and leaves to damage: " + kinds);
        }
        assertTrue(kinds.contains("top-level mapping tree leaf"), "and the top-level tree: " + kinds);

        String undamaged = ThinTools.run("thin_dump", meta.toString()).stdout();
        Path damaged = tmp.resolve("damaged.meta");
        int salvaged = 0;
        int detailsBeyondThinDump = 0;
        for (long node : nodes) {
            Files.copy(meta, damaged, StandardCopyOption.REPLACE_EXISTING);
            damage(damaged, node);
            ThinTools.Result theirs = ThinTools.run("thin_dump", "--repair", damaged.toString());
            Cli.Result ours = Cli.run("dump", "--repair", damaged.toString());
            assertEquals(theirs.exitCode() == 0, ours.code() == 0, "node " + node + ": " + ours.err());
            if (kindOf.get(node).startsWith("device details tree leaf") && !theirs.stdout().equals(ours.out())) {
                // thin_dump 0.9.0 --repair stops at the first device whose details it cannot read and
                // prints none after it; jthin leaves out only the devices of the damaged leaf.
                assertSalvagesMore(undamaged, theirs.stdout(), ours.out(), "node " + node);
                detailsBeyondThinDump++;
            } else {
                assertEquals(theirs.stdout(), ours.out(), "node " + node + " damaged: the salvage differs from thin_dump --repair's");
            }
            if (!kindOf.get(node).contains("space map")) {
                assertTrue(ours.err().contains("left out metadata block " + node + " "),
                        "node " + node + " (" + kindOf.get(node) + ") is named as left out: " + ours.err());
            }
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
                + " left out by the salvage; outputs equal to thin_dump --repair's but " + detailsBeyondThinDump
                + " (a damaged device details leaf: jthin keeps the devices thin_dump drops after it)");
    }

    /**
     * When the superblock's device-details root or top-level mapping root is damaged, thin_dump
     * --repair searches the metadata for another sound pair of roots and dumps from it; jthin too,
     * choosing the same pair: the held metadata snapshot's trees (pool A), or the trees an earlier
     * commit left on disk (pool B). The dump then shows that earlier state, byte for byte as
     * thin_dump's, and jthin says on stderr which roots it used.
     */
    @Test
    void aDamagedRootIsReplacedByTheRootsASearchFinds() throws IOException {
        String held = tmp.resolve("held").toString();
        byte[] data = smallPool(held, 3);
        Cli.run("message", "reserve_metadata_snap", "-p", held).ok("reserve");
        Cli.run(data, "thin", "write", "1", "--offset", "65536", "-p", held).ok("write 1 again");
        String stale = tmp.resolve("stale").toString();
        smallPool(stale, 3);
        Cli.run("thin", "create", "2", "--size", "8m", "-p", stale).ok("thin create 2");
        Cli.run(data, "thin", "write", "2", "--offset", "0", "-p", stale).ok("write 2");
        Cli.run(data, "thin", "write", "1", "--offset", "400000", "-p", stale).ok("write 1 again");

        int searched = 0;
        for (String pool : List.of(held, stale)) {
            Path meta = Path.of(pool, "devicemapper", "metadata");
            String undamaged = ThinTools.run("thin_dump", meta.toString()).stdout();
            java.nio.ByteBuffer sb = java.nio.ByteBuffer.wrap(Files.readAllBytes(meta), 0, 4096)
                    .order(java.nio.ByteOrder.LITTLE_ENDIAN);
            for (int field : new int[] {0x148, 0x140}) { // device_details_root, data_mapping_root
                long root = sb.getLong(field);
                Path damaged = tmp.resolve("root-damaged.meta");
                Files.copy(meta, damaged, StandardCopyOption.REPLACE_EXISTING);
                damage(damaged, root);
                ThinTools.Result theirs = ThinTools.run("thin_dump", "--repair", damaged.toString());
                assertEquals(0, theirs.exitCode(), theirs.stderr());
                Cli.Result ours = Cli.run("dump", "--repair", damaged.toString()).ok("dump --repair, root " + root + " damaged");
                String what = pool + ", root " + root + " damaged";
                assertEquals(theirs.stdout(), ours.out(), what + ": the salvage differs from thin_dump --repair's");
                assertTrue(ours.out().contains("<device dev_id=\"1\""), what + ": an earlier state of device 1: " + ours.out());
                assertTrue(!ours.out().equals(undamaged), what + ": the state after the last commits is not found");
                assertTrue(ours.err().contains("dumping from the roots a search of the metadata found instead"), ours.err());
                searched++;
            }
        }
        assertEquals(4, searched);
    }

    /**
     * thin_dump's override options: {@code --transaction-id}, {@code --data-block-size} and
     * {@code --nr-data-blocks} replace the superblock's values in any dump, and with --repair stand
     * in for a superblock that cannot be read (each missing one is named, in thin_dump's order); the
     * roots then come from the search. All byte for byte as thin_dump 0.9.0.
     */
    @Test
    void anUnreadableSuperblockIsStoodInForByTheOverrideOptions() throws IOException {
        String pool = tmp.resolve("pool").toString();
        byte[] data = smallPool(pool, 4);
        Cli.run("thin", "snapshot", "2", "1", "-p", pool).ok("snapshot");
        Cli.run(data, "thin", "write", "2", "--offset", "100000", "-p", pool).ok("write 2");
        Path meta = Path.of(pool, "devicemapper", "metadata");
        String tid = "--transaction-id";
        String dbs = "--data-block-size";
        String ndb = "--nr-data-blocks";
        for (List<String> opts : List.of(List.of(tid, "77"), List.of(dbs, "256", ndb, "99", "-f", "human_readable"),
                List.of("--repair", tid, "5", dbs, "128", ndb, "1024"))) {
            List<String> args = new ArrayList<>(opts);
            args.add(meta.toString());
            assertEquals(ThinTools.run("thin_dump", args.toArray(String[]::new)).stdout(),
                    Cli.run(with("dump", args)).ok("dump " + opts).out(), "dump " + opts + " of sound metadata");
        }

        Path zeroed = tmp.resolve("zeroed-superblock.meta");
        Files.copy(meta, zeroed, StandardCopyOption.REPLACE_EXISTING);
        try (RandomAccessFile f = new RandomAccessFile(zeroed.toFile(), "rw")) {
            f.write(new byte[4096]);
        }
        Path allZero = tmp.resolve("all-zero.meta");
        try (RandomAccessFile f = new RandomAccessFile(allZero.toFile(), "rw")) {
            f.setLength(8 << 20);
        }
        String[][] partial = {{}, {tid, "5"}, {tid, "5", dbs, "128"}};
        String[] named = {"give its transaction id", "give its data block size", "give its nr data blocks"};
        for (int i = 0; i < partial.length; i++) {
            List<String> args = new ArrayList<>(List.of("--repair"));
            args.addAll(List.of(partial[i]));
            args.add(zeroed.toString());
            assertEquals(1, ThinTools.run("thin_dump", args.toArray(String[]::new)).exitCode(), "thin_dump " + args);
            Cli.run(with("dump", args)).fails(1, named[i]);
        }
        for (Path m : List.of(zeroed, allZero)) {
            String[] args = {"--repair", tid, "5", dbs, "128", ndb, "1024", m.toString()};
            ThinTools.Result theirs = ThinTools.run("thin_dump", args);
            assertEquals(0, theirs.exitCode(), theirs.stderr());
            Cli.Result ours = Cli.run(with("dump", List.of(args))).ok("dump --repair of " + m);
            assertEquals(theirs.stdout(), ours.out(), "the salvage of " + m + " differs from thin_dump --repair's");
            assertTrue(ours.err().contains("the superblock cannot be read"), ours.err());
            assertEquals(m == zeroed, ours.out().contains("<device dev_id=\"2\""), m + ": the devices the search finds");
        }
    }

    /**
     * {@code jthin repair -i IN -o OUT} rebuilds what thin_repair rebuilds: for a pool with a held
     * snapshot and later commits, damaged in turn at the device-details root, the top-level root, a
     * mapping leaf, and with its superblock zeroed (the override options then given to both), the
     * repaired metadata dumps the same with thin_dump and both checkers find it clean.
     */
    @Test
    void repairRebuildsWhatThinRepairRebuilds() throws IOException {
        String pool = tmp.resolve("pool").toString();
        byte[] data = smallPool(pool, 6);
        Cli.run("message", "reserve_metadata_snap", "-p", pool).ok("reserve");
        Cli.run("thin", "snapshot", "2", "1", "-p", pool).ok("snapshot 2");
        Cli.run(data, "thin", "write", "2", "--offset", "500000", "-p", pool).ok("write 2");
        Path meta = Path.of(pool, "devicemapper", "metadata");
        java.nio.ByteBuffer sb = java.nio.ByteBuffer.wrap(Files.readAllBytes(meta), 0, 4096)
                .order(java.nio.ByteOrder.LITTLE_ENDIAN);
        MetadataBlockMap map;
        try (SparseFile f = SparseFile.openReadOnly(meta)) {
            map = new MetadataBlockMap(f);
        }
        long leaf = map.kinds.entrySet().stream().filter(e -> e.getValue().name().equals("bottom-level mapping tree leaf"))
                .mapToLong(Map.Entry::getKey).max().orElseThrow();
        List<String> overrides = List.of("--transaction-id", "0", "--data-block-size", "128", "--nr-data-blocks", "1024");
        for (long block : new long[] {sb.getLong(0x148), sb.getLong(0x140), leaf, 0}) {
            Path damaged = tmp.resolve("damaged.meta");
            Files.copy(meta, damaged, StandardCopyOption.REPLACE_EXISTING);
            damage(damaged, block);
            Path theirs = tmp.resolve("theirs.meta");
            Path ours = tmp.resolve("ours.meta");
            for (Path out : List.of(theirs, ours)) {
                Files.deleteIfExists(out);
                try (RandomAccessFile f = new RandomAccessFile(out.toFile(), "rw")) {
                    f.setLength(8 << 20);
                }
            }
            List<String> args = new ArrayList<>(List.of("-i", damaged.toString()));
            if (block == 0) {
                args.addAll(overrides);
            }
            List<String> t = new ArrayList<>(args);
            t.addAll(List.of("-o", theirs.toString()));
            ThinTools.Result r = ThinTools.run("thin_repair", t.toArray(String[]::new));
            assertEquals(0, r.exitCode(), "thin_repair, block " + block + " damaged: " + r.stderr());
            List<String> o = new ArrayList<>(args);
            o.addAll(List.of("-o", ours.toString()));
            Cli.run(with("repair", o)).ok("repair, block " + block + " damaged");
            assertEquals(ThinTools.run("thin_dump", theirs.toString()).stdout(), ThinTools.run("thin_dump", ours.toString()).stdout(),
                    "block " + block + " damaged: the repaired metadata differs from thin_repair's");
            ThinTools.assertCheckClean(ours, "jthin repair's output, block " + block + " damaged");
            Cli.run("check", ours.toString()).ok("jthin check of the repaired metadata");
        }
        Cli.run("repair", "-i", meta.toString(), "-o", tmp.resolve("missing.meta").toString()).fails(1, "no such file");
    }

    /** A small pool with device 1 written (300,000 random bytes, returned) in a commit of its own. */
    private static byte[] smallPool(String pool, long seed) {
        byte[] data = new byte[300_000];
        new SplittableRandom(seed).nextBytes(data);
        Cli.run("pool", "create", "-p", pool, "--data-size", "64m", "--metadata-size", "8m").ok("create " + pool);
        Cli.run("thin", "create", "1", "--size", "8m", "-p", pool).ok("thin create 1");
        Cli.run(data, "thin", "write", "1", "--offset", "0", "-p", pool).ok("write 1");
        return data;
    }

    private static String[] with(String command, List<String> args) {
        List<String> all = new ArrayList<>(List.of(command));
        all.addAll(args);
        return all.toArray(String[]::new);
    }

    /**
     * {@code ours} holds all {@code theirs} does and more: theirs, without its closing tag, begins
     * ours, and each device ours prints is printed, whole and the same, in the undamaged dump.
     */
    private static void assertSalvagesMore(String undamaged, String theirs, String ours, String what) {
        String end = "</superblock>\n";
        assertTrue(theirs.endsWith(end) && ours.endsWith(end), what);
        assertTrue(ours.startsWith(theirs.substring(0, theirs.length() - end.length())),
                what + ": thin_dump --repair's devices begin jthin's salvage");
        assertTrue(ours.length() > theirs.length(), what + ": jthin salvages more");
        for (String device : ours.split("(?=  <device )")) {
            if (device.startsWith("  <device ")) {
                String whole = device.endsWith(end) ? device.substring(0, device.length() - end.length()) : device;
                assertTrue(undamaged.contains(whole), what + ": a salvaged device as in the undamaged dump: " + whole);
            }
        }
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
