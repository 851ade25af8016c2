package io.jthin.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.jthin.engine.PoolOptions;
import io.jthin.engine.ThinPool;
import io.jthin.engine.ThinVolume;
import io.jthin.loopfile.SparseFile;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 4, must-show 4: metadata written by the real {@code thin_restore} plus a data file the test
 * fills → every device reads back exactly the bytes the XML mapping implies (mapped blocks the data
 * block's content, unmapped blocks zeros), as the kernel would.
 */
class InteropTest {
    private static final int BLOCK = 64 * 1024;
    private static final int DATA_BLOCKS = 3000;

    @TempDir
    Path dir;

    /** The content of data block {@code d}: a pattern no other block has. */
    private static byte[] content(long d) {
        byte[] b = new byte[BLOCK];
        ByteBuffer bb = ByteBuffer.wrap(b);
        while (bb.hasRemaining()) {
            bb.putLong(d * 0x9E3779B97F4A7C15L + bb.position());
        }
        return b;
    }

    @Test
    void poolMadeByThinRestoreReadsBackWhatTheXmlSays() throws IOException {
        SplittableRandom rnd = new SplittableRandom(42);
        Map<Long, TreeMap<Long, Long>> devices = new TreeMap<>();
        StringBuilder xml = new StringBuilder();
        xml.append("<superblock uuid=\"\" time=\"3\" transaction=\"7\" flags=\"0\" version=\"2\" data_block_size=\"128\" nr_data_blocks=\"")
                .append(DATA_BLOCKS).append("\">\n");
        long nextData = 0;
        for (long dev = 0; dev < 5; dev++) {
            TreeMap<Long, Long> maps = new TreeMap<>();
            xml.append("  <device dev_id=\"").append(dev).append("\" mapped_blocks=\"0\" transaction=\"").append(dev)
                    .append("\" creation_time=\"").append(Math.min(dev, 3)).append("\" snap_time=\"3\">\n");
            long vb = rnd.nextInt(5);
            while (vb < 1500 && nextData < DATA_BLOCKS - 200) {
                long len = 1 + rnd.nextInt(40);
                long data = dev > 0 && rnd.nextInt(4) == 0 ? rnd.nextLong(Math.max(1, nextData - len)) : nextData;
                if (data == nextData) {
                    nextData += len;
                }
                xml.append("    <range_mapping origin_begin=\"").append(vb).append("\" data_begin=\"").append(data)
                        .append("\" length=\"").append(len).append("\" time=\"").append(rnd.nextInt(4)).append("\"/>\n");
                for (long k = 0; k < len; k++) {
                    maps.put(vb + k, data + k);
                }
                vb += len + rnd.nextInt(30);
            }
            xml.append("  </device>\n");
            devices.put(dev, maps);
        }
        xml.append("</superblock>\n");
        Path xmlFile = dir.resolve("pool.xml");
        Files.writeString(xmlFile, xml);
        Path meta = dir.resolve("metadata");
        try (SparseFile f = SparseFile.create(meta, 16L << 20)) {
            f.sync();
        }
        ThinTools.Result r = ThinTools.run("thin_restore", "-i", xmlFile.toString(), "-o", meta.toString());
        assertEquals(0, r.exitCode(), "thin_restore: " + r.stderr());

        Path dataPath = dir.resolve("data");
        try (SparseFile data = SparseFile.create(dataPath, (long) DATA_BLOCKS * BLOCK)) {
            for (long d = 0; d < nextData; d++) {
                data.write(d * BLOCK, ByteBuffer.wrap(content(d)));
            }
        }
        Map<Long, Long> highest = new HashMap<>();
        devices.forEach((dev, maps) -> highest.put(dev, maps.isEmpty() ? 0 : maps.lastKey()));
        try (ThinPool pool = ThinPool.open(SparseFile.open(dataPath), SparseFile.open(meta),
                PoolOptions.defaults().withCommitInterval(Duration.ZERO))) {
            assertEquals(7, pool.status().transactionId());
            for (var e : devices.entrySet()) {
                long dev = e.getKey();
                long nBlocks = highest.get(dev) + 3;
                try (ThinVolume v = pool.openVolume(dev, nBlocks * BLOCK)) {
                    for (long vb = 0; vb < nBlocks; vb++) {
                        ByteBuffer got = ByteBuffer.allocate(BLOCK);
                        v.read(vb * BLOCK, got);
                        Long d = e.getValue().get(vb);
                        assertArrayEquals(d == null ? new byte[BLOCK] : content(d), got.array(),
                                "device " + dev + " block " + vb + " (data block " + d + ")");
                    }
                }
            }
        }
        ThinTools.assertCheckClean(meta, "after jthin opened and closed the thin_restore-made pool");
    }
}
