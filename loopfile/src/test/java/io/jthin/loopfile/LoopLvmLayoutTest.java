package io.jthin.loopfile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LoopLvmLayoutTest {
    @TempDir
    Path dir;

    @Test
    void namesDockersPathsAndRecognisesAPool() throws Exception {
        LoopLvmLayout layout = LoopLvmLayout.of(dir);
        assertEquals(dir.resolve("devicemapper/data"), layout.dataFile());
        assertEquals(dir.resolve("devicemapper/metadata"), layout.metadataFile());
        assertEquals(dir.resolve("metadata"), layout.jsonDir());
        assertFalse(LoopLvmLayout.isPool(dir));
        layout.createDirectories();
        assertTrue(Files.isDirectory(layout.jsonDir()));
        SparseFile.create(layout.dataFile(), 1 << 20).close();
        assertFalse(layout.isPool(), "the metadata file is missing");
        SparseFile.create(layout.metadataFile(), 1 << 20).close();
        assertTrue(LoopLvmLayout.isPool(dir));
    }
}
