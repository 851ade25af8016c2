package io.jthin.engine.tools;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jthin.engine.PoolDirectory;
import io.jthin.loopfile.SparseFile;
import io.jthin.snapshot.PoolMetadata;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** MetadataRestorer (and the PoolMetadata restore methods) against 0.9.0 thin_restore and thin_dump. */
class MetadataRestorerTest {
    @TempDir
    Path tmp;

    private Path restore(String xml, String name) throws IOException {
        Path meta = tmp.resolve(name + ".meta");
        try (SparseFile f = SparseFile.create(meta, 32L << 20)) {
            MetadataRestorer.restore(new ByteArrayInputStream(xml.getBytes(StandardCharsets.UTF_8)), name, f, 8L << 20);
        }
        return meta;
    }

    private static String ourDump(Path meta) throws IOException {
        StringWriter w = new StringWriter();
        try (PoolMetadata md = PoolDirectory.openMetadataFileReadOnly(meta, 1 << 20)) {
            MetadataDumper.dump(MetadataWalk.of(md), w, MetadataDumper.Options.all());
        }
        return w.toString();
    }

    @Test
    void fixtureRestoresToTheSameDump() throws IOException {
        ThinTools.requireVersion090();
        String xml = Files.readString(Fixtures.file("tpt-small.xml"));
        Path meta = restore(xml, "fixture");
        assertEquals(xml, ThinTools.run("thin_dump", List.of(meta.toString())).assertSuccess("thin_dump").stdout());
        assertEquals(xml, ourDump(meta));
        assertEquals(xml, ourDump(Fixtures.file("tpt-small.meta")), "our dump of thin_restore's file");
        ThinTools.run("thin_check", List.of(meta.toString())).assertSuccess("thin_check");
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {21, 22, 23, 24, 25})
    void generatedPoolsRestoreAsThinRestoreDoes(long seed) throws IOException {
        GeneratedPool pool = GeneratedPool.generate(seed, 8000);
        Path theirs = ThinTools.restore(pool.xml(), tmp, "theirs");
        String expected = ThinTools.run("thin_dump", List.of(theirs.toString())).assertSuccess("thin_dump").stdout();
        Path ours = restore(pool.xml(), "ours");
        assertEquals(expected, ThinTools.run("thin_dump", List.of(ours.toString())).assertSuccess("thin_dump").stdout(),
                "seed " + seed);
        assertEquals(expected, ourDump(theirs), "our dump of thin_restore's output, seed " + seed);
        ThinTools.run("thin_check", List.of(ours.toString())).assertSuccess("thin_check");
    }

    @Test
    void refusalsNameTheLine() {
        String past = """
                <superblock uuid="" time="1" transaction="2" flags="0" version="2" data_block_size="128" nr_data_blocks="16">
                  <device dev_id="0" mapped_blocks="1" transaction="0" creation_time="0" snap_time="0">
                    <range_mapping origin_begin="0" data_begin="10" length="8" time="0"/>
                  </device>
                </superblock>
                """;
        ThinXmlException e = assertThrows(ThinXmlException.class, () -> restore(past, "past"));
        assertTrue(e.getMessage().contains("line 3") && e.getMessage().contains("beyond the end of the data device"),
                e.getMessage());
        String time = past.replace("data_begin=\"10\"", "data_begin=\"0\"").replace("time=\"0\"/>", "time=\"16777216\"/>");
        assertTrue(assertThrows(ThinXmlException.class, () -> restore(time, "time")).getMessage()
                .contains("does not fit in 24 bits"));
        String size = past.replace("data_block_size=\"128\"", "data_block_size=\"100\"");
        assertTrue(assertThrows(ThinXmlException.class, () -> restore(size, "size")).getMessage()
                .contains("data block size 100"));
    }

    @Test
    void restoreFileLeavesTheTargetUntouchedWhenRefused() throws IOException {
        Path target = tmp.resolve("target.meta");
        Files.copy(Fixtures.file("tpt-small.meta"), target);
        byte[] before = Files.readAllBytes(target);
        Path bad = Files.writeString(tmp.resolve("bad.xml"), "<superblock uuid=\"\" time=\"0\" transaction=\"0\" "
                + "data_block_size=\"128\" nr_data_blocks=\"4\"><device dev_id=\"1\" mapped_blocks=\"0\" transaction=\"0\""
                + " creation_time=\"0\" snap_time=\"0\"><single_mapping origin_block=\"0\" data_block=\"9\" time=\"0\"/>"
                + "</device></superblock>");
        assertThrows(ThinXmlException.class, () -> MetadataRestorer.restoreFile(bad, target, 0, 1 << 20));
        assertArrayEquals(before, Files.readAllBytes(target));
        assertTrue(Files.notExists(tmp.resolve("target.meta.restore-tmp")));

        Path good = Files.writeString(tmp.resolve("good.xml"), Files.readString(Fixtures.file("tpt-small.xml"))
                .replace(" version=\"2\"", ""));
        MetadataRestorer.Summary s = MetadataRestorer.restoreFile(good, target, 0, 1 << 20);
        assertEquals(List.of(0L, 1L), s.deviceIds());
        assertEquals(33, s.mappings());
        assertEquals(16L << 20, Files.size(target), "an existing target keeps its size");
        assertTrue(ourDump(target).contains("version=\"2\""), "no version in the XML: we write 2, not 0.9.0's 1");
    }
}
