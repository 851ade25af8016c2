package io.jthin.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.jthin.engine.PoolOptions;
import io.jthin.engine.ThinPool;
import io.jthin.engine.ThinVolume;
import io.jthin.loopfile.SparseFile;
import io.jthin.loopfile.StorageException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 6, bad input: metadata files that are truncated, zero-filled, of another format (wrong
 * magic), of another block size or of a newer format version, and a data file shorter than the
 * metadata says, are each refused by {@link ThinPool#open} with an error that says what is wrong —
 * and nothing is written to either file (both are compared byte for byte). After a refusal both
 * files can be opened again (no lock or descriptor is left behind).
 */
class BadInputTest {
    private static final int BLOCK = 64 * 1024;
    private static final long DATA_BLOCKS = 64;
    private static final long META_BYTES = 4L << 20;
    private static final int SUPERBLOCK_SALT = 160774;

    @TempDir
    Path dir;
    private Path data;
    private Path meta;
    private final List<String> summary = new ArrayList<>();
    private static final java.util.concurrent.atomic.AtomicInteger REFUSED = new java.util.concurrent.atomic.AtomicInteger();

    @AfterAll
    static void printSummary() {
        System.out.println("bad input: " + REFUSED.get() + " bad pools refused with a clear error, 0 bytes written to "
                + "either file, both files free again after each refusal");
    }

    private static PoolOptions options() {
        return PoolOptions.defaults().withCommitInterval(Duration.ZERO);
    }

    @BeforeEach
    void makePool() {
        data = dir.resolve("data");
        meta = dir.resolve("metadata");
        try (ThinPool pool = ThinPool.create(SparseFile.create(data, DATA_BLOCKS * BLOCK), SparseFile.create(meta, META_BYTES),
                options())) {
            pool.createThin(1);
            pool.createSnap(2, 1);
            try (ThinVolume v = pool.openVolume(1, 32L * BLOCK)) {
                byte[] b = new byte[8 * BLOCK];
                Arrays.fill(b, (byte) 0x5A);
                v.write(0, ByteBuffer.wrap(b));
            }
        }
    }

    /** Opens the pool from the two files; it must be refused with an error whose message has every one of {@code words}. */
    private void assertRefused(String what, PoolOptions opts, String... words) throws IOException {
        byte[] dataBefore = Files.readAllBytes(data);
        byte[] metaBefore = Files.readAllBytes(meta);
        RuntimeException refused = null;
        SparseFile d = SparseFile.open(data);
        SparseFile m = SparseFile.open(meta);
        try {
            ThinPool pool = ThinPool.open(d, m, opts);
            pool.close();
        } catch (StorageException e) { // the family: CorruptMetadataException, MetadataOperationException…
            refused = e;
        } finally {
            m.close();
            d.close();
        }
        if (refused == null) {
            fail(what + ": the pool opened");
        }
        String msg = refused.getMessage();
        for (String w : words) {
            assertTrue(msg.contains(w), what + ": the error does not say \"" + w + "\": " + msg);
        }
        assertArrayEquals(dataBefore, Files.readAllBytes(data), what + ": the data file changed");
        assertArrayEquals(metaBefore, Files.readAllBytes(meta), what + ": the metadata file changed");
        // Nothing is left locked or open: both files open again at once.
        SparseFile.open(data).close();
        SparseFile.open(meta).close();
        summary.add(what + " -> " + refused.getClass().getSimpleName() + ": " + msg);
        REFUSED.incrementAndGet();
    }

    /** Rewrites the superblock with {@code change} applied and a valid checksum, so only the change is wrong. */
    private void patchSuperblock(Consumer<ByteBuffer> change) throws IOException {
        try (FileChannel ch = FileChannel.open(meta, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ByteBuffer sb = ByteBuffer.allocate(4096).order(ByteOrder.LITTLE_ENDIAN);
            ch.read(sb, 0);
            change.accept(sb);
            CRC32C crc = new CRC32C();
            crc.update(sb.array(), 4, 4092);
            sb.putInt(0, (int) ~crc.getValue() ^ SUPERBLOCK_SALT);
            ch.write(sb.rewind(), 0);
        }
    }

    private void truncate(Path p, long size) throws IOException {
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.WRITE)) {
            ch.truncate(size);
        }
    }

    @Test
    void theGoodPoolOpens() {
        try (ThinPool pool = ThinPool.open(SparseFile.open(data), SparseFile.open(meta), options())) {
            assertEquals(List.of(1L, 2L), pool.deviceIds());
        }
    }

    @Test
    void truncatedMetadataIsRefused() throws IOException {
        byte[] whole = Files.readAllBytes(meta);
        long used = 0; // the last non-zero block + 1
        for (int b = 0; b < whole.length / 4096; b++) {
            for (int i = b * 4096; i < (b + 1) * 4096; i++) {
                if (whole[i] != 0) {
                    used = b + 1;
                    break;
                }
            }
        }
        assertTrue(used > 4, "the pool uses " + used + " metadata blocks");
        record Cut(long size, String[] words) {
        }
        List<Cut> cuts = List.of(
                new Cut(0, new String[] {"smaller than one 4 KiB block"}),
                new Cut(100, new String[] {"smaller than one 4 KiB block"}),
                new Cut(4096, new String[] {"metadata block", "past the end"}),
                new Cut((used - 1) * 4096, new String[] {"metadata block", "past the end"}),
                // every used block is still there, but the space map describes a longer device
                new Cut(used * 4096 + 8192, new String[] {"metadata", "blocks"}));
        for (Cut c : cuts) {
            Files.write(meta, Arrays.copyOf(whole, (int) c.size()));
            assertRefused("metadata truncated to " + c.size() + " bytes", options(), c.words());
        }
        System.out.println("bad input: truncations refused:\n  " + String.join("\n  ", summary));
    }

    @Test
    void zeroFilledMetadataIsRefused() throws IOException {
        Files.write(meta, new byte[(int) META_BYTES]);
        assertRefused("zero-filled metadata", options(), "superblock", "not formatted");
        System.out.println("bad input: " + summary.get(0));
    }

    @Test
    void wrongMagicIsRefused() throws IOException {
        patchSuperblock(sb -> sb.putLong(0x20, 0x1234_5678L));
        assertRefused("wrong magic", options(), "superblock", "magic");
        System.out.println("bad input: " + summary.get(0));
    }

    @Test
    void wrongBlockSizesAreRefused() throws IOException {
        byte[] good = Files.readAllBytes(meta);
        // the pool's block size (64 KiB) is not what the caller asks for
        assertRefused("data block size 128 KiB requested, 64 KiB in the metadata", options().withDataBlockBytes(2 * BLOCK),
                "data block size", "65536", "131072");
        patchSuperblock(sb -> sb.putInt(0x150, 100)); // not a multiple of 128 sectors
        assertRefused("data block size of 100 sectors", options(), "superblock", "data block size", "100");
        Files.write(meta, good);
        patchSuperblock(sb -> sb.putInt(0x154, 16)); // metadata blocks of 8 KiB
        assertRefused("metadata block size of 16 sectors", options(), "superblock", "metadata block size", "16");
        System.out.println("bad input: block sizes refused:\n  " + String.join("\n  ", summary));
    }

    @Test
    void aDataFileShorterThanTheMetadataSaysIsRefused() throws IOException {
        truncate(data, (DATA_BLOCKS - 1) * BLOCK);
        assertRefused("data file one block short", options(), data.getFileName().toString(), "63", "64");
        System.out.println("bad input: " + summary.get(0));
    }

    @Test
    void aNewerFormatVersionIsRefused() throws IOException {
        byte[] good = Files.readAllBytes(meta);
        patchSuperblock(sb -> sb.putInt(0x28, 3));
        assertRefused("metadata version 3", options(), "superblock", "version 3");
        Files.write(meta, good);
        patchSuperblock(sb -> sb.putInt(0x168, 1)); // an incompatible feature we do not know
        assertRefused("incompat feature flag 1", options(), "superblock", "incompatible");
        System.out.println("bad input: newer formats refused:\n  " + String.join("\n  ", summary));
    }
}
