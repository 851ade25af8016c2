package io.jthin.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PoolConfigTest {
    @TempDir
    Path tmp;

    @Test
    void roundTripsAndDefaults() {
        Path f = tmp.resolve("metadata/jthin-pool.json");
        assertEquals(PoolConfig.defaults(), PoolConfig.read(f), "a pool without the file (kernel, Docker, thin_restore)");
        PoolConfig c = PoolConfig.of(PoolOptions.defaults().withZeroNewBlocks(false).withLowWaterMarkBlocks(7))
                .withVolumeSize(3, 1L << 30).withVolumeSize(1, 512);
        c.write(f);
        assertEquals(c, PoolConfig.read(f));
        assertEquals(512L, PoolConfig.read(f).volumeSizes().get(1L));
        assertEquals(c.withoutVolume(3).volumeSizes().keySet(), java.util.Set.of(1L));
        assertFalse(Files.exists(tmp.resolve("metadata/jthin-pool.json.tmp")));
        PoolOptions o = PoolConfig.read(f).applyTo(PoolOptions.defaults(), 128 * 1024);
        assertEquals(128 * 1024, o.dataBlockBytes());
        assertFalse(o.zeroNewBlocks());
        assertEquals(7, o.lowWaterMarkBlocks());
    }

    @Test
    void missingFieldsTakeDefaultsAndBadOnesAreNamed() throws IOException {
        Path f = tmp.resolve("c.json");
        Files.writeString(f, "{\"volumes\": {\"5\": 4096}}");
        PoolConfig c = PoolConfig.read(f);
        assertTrue(c.zeroNewBlocks() && c.discardPassdown());
        assertEquals(4096L, c.volumeSizes().get(5L));
        for (String bad : new String[] {"{", "[]", "{\"zeroNewBlocks\": 3}", "{\"volumes\": {\"x\": 1}}",
            "{\"volumes\": {\"1\": -5}}", "{\"format\": 9}", "{\"lowWaterMarkBlocks\": 1.5}"}) {
            Files.writeString(f, bad);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> PoolConfig.read(f), bad);
            assertTrue(e.getMessage().startsWith(f.toString()), e.getMessage());
        }
    }
}
