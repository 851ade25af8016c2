package io.jthin.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jthin.engine.PoolDirectory;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Must-show 5 of issue 5: bad input gets one clear line on stderr, the right exit code (2 for a
 * command line that does not parse, 1 for everything else), no stack trace — and leaves every
 * file of the pool exactly as it was.
 */
class CliErrorsTest {
    @TempDir
    Path tmp;

    private Path dir;
    private String pool;

    @BeforeEach
    void pool() {
        dir = tmp.resolve("pool");
        pool = dir.toString();
        Cli.run("pool", "create", "-p", pool, "--data-size", "16m", "--metadata-size", "4m").ok("create");
        Cli.run("thin", "create", "1", "--size", "1m", "-p", pool).ok("thin create");
        byte[] data = new byte[200_000];
        Arrays.fill(data, (byte) 7);
        Cli.run(data, "thin", "write", "1", "--offset", "0", "-p", pool).ok("write");
    }

    /** Runs the command, which must fail as described, and checks that no pool file changed. */
    private Cli.Result refused(int code, String phrase, String... args) throws IOException {
        Map<String, String> before = Cli.fingerprint(dir);
        Cli.Result r = Cli.run(args).fails(code, phrase);
        assertEquals(before, Cli.fingerprint(dir), () -> String.join(" ", args) + " changed the pool");
        return r;
    }

    @Test
    void badSizes() throws IOException {
        refused(2, "unknown unit 'x' in '10X'", "thin", "create", "2", "--size", "10X", "-p", pool);
        refused(2, "unknown unit", "thin", "resize", "1", "--size", "12kk", "-p", pool);
        refused(2, "not a size", "thin", "create", "2", "--size", "big", "-p", pool);
        refused(1, "must be a positive multiple of 512", "thin", "create", "2", "--size", "1000", "-p", pool);
        Path other = tmp.resolve("other");
        Cli.run("pool", "create", "-p", other.toString(), "--data-size", "10X").fails(2, "--data-size");
        assertFalse(Files.exists(other), "a refused create makes nothing");
        refused(1, "must be a positive multiple of the 65536-byte data block size", "pool", "create", "-p",
                tmp.resolve("odd").toString(), "--data-size", "100000");
        refused(1, "data block size", "pool", "create", "-p", tmp.resolve("odd2").toString(), "--block-size", "100k");
    }

    @Test
    void negativeOffsetsAndLengths() throws IOException {
        refused(2, "'-1' is negative", "thin", "read", "1", "--offset", "-1", "--length", "1", "-p", pool);
        refused(2, "is negative", "thin", "write", "1", "--offset", "-4096", "-p", pool);
        refused(2, "is negative", "thin", "discard", "1", "--offset", "0", "--length", "-65536", "-p", pool);
    }

    @Test
    void unknownDevices() throws IOException {
        refused(1, "thin device 9 does not exist", "thin", "read", "9", "--offset", "0", "--length", "1", "-p", pool);
        refused(1, "thin device 9 does not exist", "thin", "status", "9", "-p", pool);
        refused(1, "thin device 9 does not exist", "thin", "delete", "9", "-p", pool);
        refused(1, "thin device 9 does not exist", "thin", "snapshot", "5", "9", "-p", pool);
        refused(1, "thin device 9 does not exist", "thin", "map", "9", "-p", pool);
        refused(1, "thin device 9 does not exist", "thin", "export", "9", tmp.resolve("x.img").toString(), "-p", pool);
        refused(1, "thin device 9 does not exist", "message", "delete 9", "-p", pool);
        refused(1, "thin device 9 does not exist", "delta", "--thin1", "1", "--thin2", "9", "-p", pool);
        refused(1, "thin device 1 already exists", "thin", "create", "1", "--size", "1m", "-p", pool);
        refused(2, "not a thin device id", "thin", "status", "16777216", "-p", pool);
        refused(2, "not a thin device id", "thin", "status", "one", "-p", pool);
        refused(1, "unsupported message 'frobnicate'", "message", "frobnicate 1", "-p", pool);
        refused(1, "takes 1 argument", "message", "create_thin", "-p", pool);
        assertFalse(Files.exists(tmp.resolve("x.img")));
    }

    @Test
    void readsAndWritesPastTheEnd() throws IOException {
        refused(1, "past the end of thin device 1 (1048576 bytes)", "thin", "read", "1", "--offset", "1m", "--length", "1",
                "-p", pool);
        refused(1, "past the end", "thin", "read", "1", "--offset", "0", "--length", "2m", "-p", pool);
        refused(1, "past the end", "thin", "discard", "1", "--offset", "512k", "--length", "1m", "-p", pool);
        Map<String, String> before = Cli.fingerprint(dir);
        Cli.run(new byte[2048], "thin", "write", "1", "--offset", "1047552", "-p", pool)
                .fails(1, "past the end of thin device 1 (1048576 bytes); nothing written");
        assertEquals(before, Cli.fingerprint(dir));
        refused(1, "no such file", "thin", "write", "1", "--offset", "0", "--input", tmp.resolve("nope").toString(), "-p", pool);
        refused(1, "has data mapped up to byte 262144", "thin", "resize", "1", "--size", "128k", "-p", pool);
        refused(1, "cannot shrink the data file", "pool", "resize", "--data-size", "8m", "-p", pool);
        refused(1, "cannot shrink the metadata file", "pool", "resize", "--metadata-size", "1m", "-p", pool);
    }

    @Test
    void directoriesThatAreNotPools() throws IOException {
        Path empty = Files.createDirectories(tmp.resolve("empty"));
        Path half = Files.createDirectories(tmp.resolve("half/devicemapper"));
        Files.writeString(half.resolve("data"), "");
        for (String[] cmd : new String[][] {{"pool", "status"}, {"thin", "status", "1"}, {"ls"}, {"dump"}, {"check"},
            {"message", "create_thin 1"}, {"thin", "create", "1", "--size", "1m"}, {"pool", "resize", "--data-size", "1g"},
            {"delta", "--thin1", "1", "--thin2", "1"}}) {
            String[] a = Arrays.copyOf(cmd, cmd.length + 2);
            a[cmd.length] = "-p";
            a[cmd.length + 1] = empty.toString();
            Cli.run(a).fails(1, empty + " is not a pool: devicemapper/data and devicemapper/metadata missing");
            a[cmd.length + 1] = tmp.resolve("missing").toString();
            Cli.run(a).fails(1, "is not a pool: no such directory");
            a[cmd.length + 1] = tmp.resolve("half").toString();
            Cli.run(a).fails(1, "is not a pool: devicemapper/metadata missing");
        }
        try (var s = Files.list(empty)) {
            assertEquals(0, s.count(), "nothing was created in a directory that is not a pool");
        }
        assertFalse(Files.exists(tmp.resolve("missing")));
        refused(1, "is not empty", "pool", "create", "-p", pool);
    }

    @Test
    void corruptMetadata() throws IOException {
        Path meta = dir.resolve("devicemapper/metadata");
        try (RandomAccessFile f = new RandomAccessFile(meta.toFile(), "rw")) {
            f.seek(100);
            f.write(0x5a);
        }
        for (String[] cmd : new String[][] {{"pool", "status"}, {"thin", "read", "1", "--offset", "0", "--length", "1"},
            {"ls"}, {"dump"}, {"delta", "--thin1", "1", "--thin2", "1"}, {"message", "create_thin 2"},
            {"thin", "create", "2", "--size", "1m"}}) {
            String[] a = Arrays.copyOf(cmd, cmd.length + 2);
            a[cmd.length] = "-p";
            a[cmd.length + 1] = pool;
            refused(1, "bad checksum in superblock at metadata block 0", a);
        }
        Map<String, String> before = Cli.fingerprint(dir);
        Cli.Result check = Cli.run("check", "-p", pool);
        assertEquals(1, check.code());
        assertTrue(check.err().contains("error: bad checksum in superblock"), check.err());
        assertEquals(before, Cli.fingerprint(dir));
        assertEquals(1, Cli.run("check", "-q", "-p", pool).code());

        try (RandomAccessFile f = new RandomAccessFile(meta.toFile(), "rw")) {
            f.setLength(0);
            f.setLength(4L << 20);
        }
        refused(1, "not formatted", "pool", "status", "-p", pool);
        refused(1, "not formatted", "thin", "status", "1", "-p", pool);
        assertTrue(Cli.run("check", "-p", pool).err().contains("never formatted"));
    }

    @Test
    void refusedRestoreChangesNothing() throws IOException {
        String good = Cli.run("dump", "-p", pool).ok("dump").out();
        Path bad = Files.writeString(tmp.resolve("bad.xml"), good.replace("</device>",
                "  <single_mapping origin_block=\"900\" data_block=\"99999\" time=\"0\"/>\n  </device>"));
        refused(1, "line 4", "restore", "-i", bad.toString(), "-p", pool);
        refused(1, "mapping beyond the end of the data device", "restore", "-i", bad.toString(), "-p", pool);
        Path broken = Files.writeString(tmp.resolve("broken.xml"), "<superblock uuid=\"\"");
        refused(1, "broken.xml", "restore", "-i", broken.toString(), "-p", pool);
        refused(1, "no such file", "restore", "-i", tmp.resolve("nope.xml").toString(), "-p", pool);
        refused(1, "thin_restore needs an existing output file", "restore", "-i", bad.toString(), "-o",
                tmp.resolve("nope.meta").toString());
    }

    @Test
    void aPoolInUseIsRefused() throws IOException {
        Path xml = Files.writeString(tmp.resolve("x.xml"), Cli.run("dump", "-p", pool).ok("dump").out());
        try (PoolDirectory held = PoolDirectory.open(dir, PoolDirectory::forOneShot)) {
            assertEquals(1, held.deviceIds().size());
            Cli.run("thin", "status", "1", "-p", pool).fails(1, "is in use");
            Cli.run("dump", "-p", pool).fails(1, "is in use");
            Cli.run("check", "-p", pool).fails(1, "is in use");
            Cli.run("restore", "-i", xml.toString(), "-p", pool).fails(1, "is in use");
        }
        Cli.run("thin", "status", "1", "-p", pool).ok("free again");
    }

    @Test
    void debugShowsTheStackTrace() {
        Cli.Result r = Cli.run("thin", "status", "9", "-p", pool, "--debug");
        assertEquals(1, r.code());
        assertTrue(r.err().contains("thin device 9 does not exist") && r.err().contains("\tat "), r.err());
    }

    @Test
    void usageErrors() {
        Cli.run("thin", "frob", "-p", pool).fails(2, "Unmatched argument");
        Cli.run("thin", "create", "2", "-p", pool).fails(2, "Missing required option: '--size=SIZE'");
        Cli.run("pool", "status", "--jsn", "-p", pool).fails(2, "Unknown option: '--jsn'");
        Cli.run("pool", "resize", "-p", pool).fails(2, "give --data-size and/or --metadata-size");
        assertEquals(2, Cli.run().code());
        assertEquals(0, Cli.run("--help").code());
    }
}
