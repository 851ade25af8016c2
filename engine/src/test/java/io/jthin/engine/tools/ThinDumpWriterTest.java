package io.jthin.engine.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** ThinDumpWriter against the fixture, hand-written cases and 0.9.0 {@code thin_dump} itself. */
class ThinDumpWriterTest {

    @TempDir
    Path tmp;

    static String readThenWrite(String xml) throws IOException {
        StringWriter out = new StringWriter();
        new ThinXmlReader().read(new StringReader(xml), "test.xml", new ThinDumpWriter(out));
        return out.toString();
    }

    @Test
    void fixtureReadThenWrittenIsByteIdentical() throws IOException {
        String fixture = Files.readString(Fixtures.file("tpt-small.xml"), StandardCharsets.UTF_8);
        assertEquals(690, fixture.length());
        assertEquals(fixture, readThenWrite(fixture));
    }

    @Test
    void fixtureMetadataDumpsToTheFixture() throws IOException {
        ThinTools.requireVersion090();
        String dumped = ThinTools.run("thin_dump", List.of(Fixtures.file("tpt-small.meta").toString()))
                .assertSuccess("thin_dump").stdout();
        assertEquals(Files.readString(Fixtures.file("tpt-small.xml")), dumped);
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12})
    void generatedPoolEqualsThinDumpOfThinRestore(long seed) throws IOException {
        GeneratedPool pool = GeneratedPool.generate(seed, 12_000);
        String xml = pool.xml();
        Path meta = ThinTools.restore(xml, tmp, "pool" + seed);
        String expected = ThinTools.run("thin_dump", List.of(meta.toString())).assertSuccess("thin_dump").stdout();

        assertEquals(expected, readThenWrite(xml), "seed " + seed + ": reader + writer");
        assertEquals(expected, writeBlockByBlock(pool), "seed " + seed + ": mapping() one block at a time");
        StringWriter json = new StringWriter();
        new ThinXmlReader().read(new StringReader(xml), null, ThinDumpWriter.json(json));
        assertEquals(expected, JsonAsThinXml.dump(json.toString()), "seed " + seed + ": the JSON holds the same");

        String human = ThinTools.run("thin_dump", List.of("-f", "human_readable", meta.toString()))
                .assertSuccess("thin_dump -f human_readable").stdout();
        StringWriter ours = new StringWriter();
        new ThinXmlReader().read(new StringReader(xml), null, ThinDumpWriter.humanReadable(ours));
        assertEquals(human, ours.toString(), "seed " + seed + ": human_readable");
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {21, 22, 23})
    void filtersMatchThinDumpOptions(long seed) throws IOException {
        GeneratedPool pool = GeneratedPool.generate(seed, 3_000);
        String xml = pool.xml();
        Path meta = ThinTools.restore(xml, tmp, "filters" + seed);

        String skip = ThinTools.run("thin_dump", List.of("--skip-mappings", meta.toString())).stdout();
        StringWriter ours = new StringWriter();
        new ThinXmlReader().read(new StringReader(xml), null, new ThinDumpWriter(ours).skipMappings());
        assertEquals(skip, ours.toString());
        StringWriter skipHuman = new StringWriter();
        new ThinXmlReader().read(new StringReader(xml), null, ThinDumpWriter.humanReadable(skipHuman).skipMappings());
        assertEquals(ThinTools.run("thin_dump", List.of("-f", "human_readable", "--skip-mappings", meta.toString()))
                .assertSuccess("thin_dump -f human_readable --skip-mappings").stdout(), skipHuman.toString());
        StringWriter skipJson = new StringWriter();
        new ThinXmlReader().read(new StringReader(xml), null, ThinDumpWriter.json(skipJson).skipMappings());
        assertFalse(skipJson.toString().contains("\"mappings\""), "skipped mappings are absent, not empty");
        assertEquals(skip, JsonAsThinXml.dump(skipJson.toString()));

        for (long devId : new long[] {pool.devices.get(pool.devices.size() - 1).id(), 99_999_999L}) {
            String one = ThinTools.run("thin_dump", List.of("--dev-id", Long.toString(devId), meta.toString()))
                    .assertSuccess("thin_dump --dev-id").stdout();
            StringWriter filtered = new StringWriter();
            new ThinXmlReader().read(new StringReader(xml), null, new ThinDumpWriter(filtered).onlyDevice(devId));
            assertEquals(one, filtered.toString(), "dev " + devId);
            StringWriter filteredJson = new StringWriter();
            new ThinXmlReader().read(new StringReader(xml), null, ThinDumpWriter.json(filteredJson).onlyDevice(devId));
            assertEquals(one, JsonAsThinXml.dump(filteredJson.toString()), "JSON, dev " + devId);
        }
    }

    private static String writeBlockByBlock(GeneratedPool pool) throws IOException {
        StringWriter out = new StringWriter();
        ThinDumpWriter w = new ThinDumpWriter(out);
        w.beginSuperblock(pool.superblock());
        for (GeneratedPool.Dev d : pool.devices) {
            w.beginDevice(new ThinXml.Device(d.id(), d.size(), d.transaction(), d.creationTime(), d.snapTime()));
            for (int i = 0; i < d.size(); i++) {
                w.mapping(d.vblocks()[i], d.data()[i], d.times()[i]);
            }
            w.endDevice();
        }
        w.endSuperblock();
        return out.toString();
    }

    @Test
    void runGroupingNeedsConsecutiveVirtualAndDataBlocksAndEqualTime() throws IOException {
        StringWriter out = new StringWriter();
        ThinDumpWriter w = new ThinDumpWriter(out);
        w.beginSuperblock(ThinXml.Superblock.of(3, 4, 0, 2, 128, 1000));
        w.beginDevice(new ThinXml.Device(7, 9, 1, 2, 3));
        w.mapping(0, 10, 0);
        w.mapping(1, 11, 0);
        w.mapping(2, 12, 1);   // time changes
        w.mapping(3, 14, 1);   // data jumps
        w.mapping(5, 15, 1);   // virtual gap
        w.mappingRun(6, 16, 3, 1); // a run continues the single
        w.mapping(10, 19, 1);  // virtual gap although data continues
        w.endDevice();
        w.beginDevice(new ThinXml.Device(8, 0, 0, 0, 0));
        w.endDevice();
        w.endSuperblock();
        assertEquals("""
                <superblock uuid="" time="3" transaction="4" flags="0" version="2" data_block_size="128" nr_data_blocks="1000">
                  <device dev_id="7" mapped_blocks="9" transaction="1" creation_time="2" snap_time="3">
                    <range_mapping origin_begin="0" data_begin="10" length="2" time="0"/>
                    <single_mapping origin_block="2" data_block="12" time="1"/>
                    <single_mapping origin_block="3" data_block="14" time="1"/>
                    <range_mapping origin_begin="5" data_begin="15" length="4" time="1"/>
                    <single_mapping origin_block="10" data_block="19" time="1"/>
                  </device>
                  <device dev_id="8" mapped_blocks="0" transaction="0" creation_time="0" snap_time="0">
                  </device>
                </superblock>
                """, out.toString());
    }

    @Test
    void emptyPoolMetadataSnapAndEscapedUuid() throws IOException {
        StringWriter out = new StringWriter();
        ThinDumpWriter w = new ThinDumpWriter(out);
        w.beginSuperblock(new ThinXml.Superblock("a\"<&>", 0, 0, 1, 1, 2097152, 0, OptionalLong.of(42)));
        w.endSuperblock();
        assertEquals("<superblock uuid=\"a&quot;&lt;&amp;&gt;\" time=\"0\" transaction=\"0\" flags=\"1\" version=\"1\""
                + " data_block_size=\"2097152\" nr_data_blocks=\"0\" metadata_snap=\"42\">\n</superblock>\n",
                out.toString());
        String back = readThenWrite(out.toString());
        assertEquals(out.toString(), back, "uuid and metadata_snap survive a read");
    }

    @Test
    void largestValuesPrintUnsigned() throws IOException {
        StringWriter out = new StringWriter();
        ThinDumpWriter w = new ThinDumpWriter(out);
        w.beginSuperblock(ThinXml.Superblock.of(-1L, Long.MAX_VALUE, 0, 2, ThinXml.U32_MAX, -2L));
        w.beginDevice(new ThinXml.Device(ThinXml.U32_MAX, 1, 0, 0, 0));
        w.mapping(-3L, Long.MIN_VALUE, ThinXml.U32_MAX);
        w.endDevice();
        w.endSuperblock();
        assertTrue(out.toString().contains(" time=\"18446744073709551615\" transaction=\"9223372036854775807\""));
        assertTrue(out.toString().contains("nr_data_blocks=\"18446744073709551614\""));
        assertTrue(out.toString().contains("<single_mapping origin_block=\"18446744073709551613\""
                + " data_block=\"9223372036854775808\" time=\"4294967295\"/>"));
    }

    @Test
    void misuseIsRefused() throws IOException {
        ThinDumpWriter w = new ThinDumpWriter(new StringWriter());
        assertThrows(IllegalStateException.class, () -> w.beginDevice(new ThinXml.Device(0, 0, 0, 0, 0)));
        w.beginSuperblock(ThinXml.Superblock.of(0, 0, 0, 2, 128, 10));
        assertThrows(IllegalStateException.class, () -> w.mapping(0, 0, 0));
        assertThrows(IllegalStateException.class, w::skipMappings);
        w.beginDevice(new ThinXml.Device(0, 0, 0, 0, 0));
        w.mapping(5, 0, 0);
        assertThrows(IllegalArgumentException.class, () -> w.mapping(5, 1, 0), "same block twice");
        assertThrows(IllegalArgumentException.class, () -> w.mapping(4, 1, 0), "backwards");
        assertThrows(IllegalArgumentException.class, () -> w.mapping(6, 1, -1), "time not a u32");
        assertThrows(IllegalStateException.class, w::endSuperblock);
    }

    /** Counts characters, keeps nothing: measures the writer, not a sink. */
    private static final class CountingWriter extends Writer {
        long chars;

        @Override
        public void write(char[] cbuf, int off, int len) {
            chars += len;
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    }

    @Test
    void aMillionMappingsInWellUnderASecond() throws IOException {
        long best = Long.MAX_VALUE;
        long chars = 0;
        for (int round = 0; round < 4; round++) {
            CountingWriter sink = new CountingWriter();
            long start = System.nanoTime();
            ThinDumpWriter w = new ThinDumpWriter(sink);
            w.beginSuperblock(ThinXml.Superblock.of(1, 1, 0, 2, 128, 4_000_000));
            w.beginDevice(new ThinXml.Device(0, 1_000_000, 0, 0, 0));
            for (long v = 0; v < 1_000_000; v++) {
                // worst case: every mapping its own <single_mapping> line (data jumps by 3)
                w.mapping(v * 2, 3 * v, v & 7);
            }
            w.endDevice();
            w.endSuperblock();
            best = Math.min(best, System.nanoTime() - start);
            chars = sink.chars;
        }
        assertTrue(chars > 60_000_000, "a million single_mapping lines were written: " + chars);
        long millis = best / 1_000_000;
        assertTrue(millis < 1000, "1 M single mappings took " + millis + " ms");
        System.out.println("ThinDumpWriter: 1 M single mappings, " + chars + " chars, best " + millis + " ms");
    }
}
