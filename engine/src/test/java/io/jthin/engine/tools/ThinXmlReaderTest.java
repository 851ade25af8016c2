package io.jthin.engine.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** ThinXmlReader: events, leniencies, the 1.x def/ref extension, and errors beside thin_restore's. */
class ThinXmlReaderTest {

    private static final String SB = "<superblock uuid=\"\" time=\"1\" transaction=\"2\" flags=\"0\" version=\"2\""
            + " data_block_size=\"128\" nr_data_blocks=\"1024\">\n";
    private static final String DEV0 =
            "<device dev_id=\"0\" mapped_blocks=\"0\" transaction=\"0\" creation_time=\"0\" snap_time=\"0\">\n";

    @TempDir
    Path tmp;

    /** Records events as text lines. */
    static class Recorder implements ThinXmlVisitor {
        final List<String> events = new ArrayList<>();

        @Override
        public void beginSuperblock(ThinXml.Superblock sb) {
            events.add("superblock " + sb);
        }

        @Override
        public void endSuperblock() {
            events.add("/superblock");
        }

        @Override
        public void beginDevice(ThinXml.Device d) {
            events.add("device " + d);
        }

        @Override
        public void endDevice() {
            events.add("/device");
        }

        @Override
        public void mappingRun(long originBegin, long dataBegin, long length, long time) throws IOException {
            events.add("run " + originBegin + " " + dataBegin + " " + length + " " + time);
        }
    }

    static List<String> events(String xml) throws IOException {
        Recorder r = new Recorder();
        new ThinXmlReader().read(new StringReader(xml), "t.xml", r);
        return r.events;
    }

    static ThinXmlException error(String xml) {
        return assertThrows(ThinXmlException.class,
                () -> new ThinXmlReader().read(new ByteArrayInputStream(xml.getBytes(StandardCharsets.UTF_8)),
                        "bad.xml", new Recorder()));
    }

    @Test
    void deliversEventsInDocumentOrderWithoutSorting() throws IOException {
        List<String> e = events(SB + DEV0
                + "<single_mapping origin_block=\"5\" data_block=\"9\" time=\"3\"/>\n"
                + "<range_mapping origin_begin=\"0\" data_begin=\"1\" length=\"4\" time=\"0\"></range_mapping>\n"
                + "</device>\n</superblock>\n");
        assertEquals(List.of(
                "superblock Superblock[uuid=, time=1, transaction=2, flags=0, version=2, dataBlockSize=128,"
                        + " nrDataBlocks=1024, metadataSnap=OptionalLong.empty]",
                "device Device[devId=0, mappedBlocks=0, transaction=0, creationTime=0, snapTime=0]",
                "run 5 9 1 3", "run 0 1 4 0", "/device", "/superblock"), e);
    }

    @Test
    void leniencyOfThinRestoreIsKept() throws IOException {
        String xml = "<?xml version=\"1.0\"?>\n<!-- made by hand -->\n"
                + "<superblock uuid=\"u\" time=\"+1\" transaction=\"2\" data_block_size=\"128\""
                + " nr_data_blocks=\"1024\" metadata_snap=\"7\" extra=\"ignored\">\n  some text\n"
                + DEV0 + "<range_mapping origin_begin=\"3\" data_begin=\"1\" length=\"0\" time=\"0\"/>\n"
                + "</device>\n</superblock>\n";
        List<String> e = events(xml);
        assertEquals("superblock Superblock[uuid=u, time=1, transaction=2, flags=0, version=1, dataBlockSize=128,"
                + " nrDataBlocks=1024, metadataSnap=OptionalLong[7]]", e.get(0), "flags 0, version 1 by default");
        assertEquals(List.of("/device", "/superblock"), e.subList(2, 4), "a zero-length range is skipped");

        Recorder r = new Recorder();
        new ThinXmlReader().defaultVersion(2).read(new StringReader(xml), null, r);
        assertTrue(r.events.get(0).contains("version=2"));
    }

    @Test
    void defAndRefAreExpanded() throws IOException {
        String shared = "<superblock uuid=\"\" time=\"1\" transaction=\"2\" flags=\"0\" version=\"2\""
                + " data_block_size=\"128\" nr_data_blocks=\"1024\">\n"
                + "  <def name=\"base\">\n"
                + "    <range_mapping origin_begin=\"0\" data_begin=\"0\" length=\"8\" time=\"0\"/>\n"
                + "    <single_mapping origin_block=\"8\" data_block=\"8\" time=\"0\"/>\n"
                + "  </def>\n"
                + "  <def name=\"tail\">\n"
                + "    <single_mapping origin_block=\"100\" data_block=\"20\" time=\"1\"/>\n"
                + "  </def>\n"
                + "  <device dev_id=\"0\" mapped_blocks=\"10\" transaction=\"0\" creation_time=\"0\" snap_time=\"1\">\n"
                + "    <ref name=\"base\"/>\n"
                + "    <ref name=\"tail\"/>\n"
                + "  </device>\n"
                + "  <device dev_id=\"1\" mapped_blocks=\"11\" transaction=\"1\" creation_time=\"1\" snap_time=\"1\">\n"
                + "    <ref name=\"base\"/>\n"
                + "    <range_mapping origin_begin=\"9\" data_begin=\"30\" length=\"2\" time=\"1\"/>\n"
                + "  </device>\n"
                + "</superblock>\n";
        String expanded = """
                <superblock uuid="" time="1" transaction="2" flags="0" version="2" data_block_size="128" nr_data_blocks="1024">
                  <device dev_id="0" mapped_blocks="10" transaction="0" creation_time="0" snap_time="1">
                    <range_mapping origin_begin="0" data_begin="0" length="9" time="0"/>
                    <single_mapping origin_block="100" data_block="20" time="1"/>
                  </device>
                  <device dev_id="1" mapped_blocks="11" transaction="1" creation_time="1" snap_time="1">
                    <range_mapping origin_begin="0" data_begin="0" length="9" time="0"/>
                    <range_mapping origin_begin="9" data_begin="30" length="2" time="1"/>
                  </device>
                </superblock>
                """;
        assertEquals(expanded, ThinDumpWriterTest.readThenWrite(shared));
        Path meta = ThinTools.restore(expanded, tmp, "expanded");
        assertEquals(expanded, ThinTools.run("thin_dump", List.of(meta.toString())).assertSuccess("thin_dump").stdout(),
                "the expansion is what thin_restore + thin_dump make of the plain form");
    }

    @Test
    void aVisitorRejectionIsPlacedAtItsElement() {
        ThinXmlVisitor refuseData = new Recorder() {
            @Override
            public void mappingRun(long originBegin, long dataBegin, long length, long time) throws ThinXmlException {
                if (dataBegin + length > 1024) {
                    throw ThinXmlException.rejected("mapping beyond end of data device ("
                            + (dataBegin + length - 1) + " >= 1024)");
                }
            }
        };
        ThinXmlException e = assertThrows(ThinXmlException.class, () -> new ThinXmlReader().read(new StringReader(
                SB + DEV0 + "<single_mapping origin_block=\"0\" data_block=\"0\" time=\"0\"/>\n"
                        + "<single_mapping origin_block=\"1\" data_block=\"1024\" time=\"0\"/>\n</device>\n</superblock>\n"),
                "x.xml", refuseData));
        assertEquals(4, e.line());
        assertEquals("x.xml: line 4, column 62: mapping beyond end of data device (1024 >= 1024)", e.getMessage());
    }

    /** Bad documents: our reason, our line, and thin_restore's message when it prints one (null: it crashes or accepts). */
    static Stream<Arguments> badDocuments() {
        String end = "</device>\n</superblock>\n";
        return Stream.of(
                Arguments.of("unknown tag", SB + "<foo/>\n</superblock>\n", 2, "unknown tag type <foo>", "unknown tag type"),
                Arguments.of("1.x def is unknown to 0.9.0", SB + "<def name=\"a\">\n</def>\n</superblock>\n" + "",
                        -1, null, "unknown tag type"),
                Arguments.of("mapping outside a device",
                        SB + "<single_mapping origin_block=\"0\" data_block=\"0\" time=\"0\"/>\n</superblock>\n",
                        2, "not in device", "not in device"),
                Arguments.of("duplicate device", SB + DEV0 + "</device>\n" + DEV0 + end, 4,
                        "Device already exists: dev_id 0", "Device already exists"),
                Arguments.of("bad number", SB + DEV0.replace("dev_id=\"0\"", "dev_id=\"x\"") + end, 2,
                        "bad lexical cast: dev_id=\"x\" in <device> is not an unsigned 32-bit decimal number",
                        "bad lexical cast"),
                Arguments.of("u32 overflow", SB + DEV0.replace("dev_id=\"0\"", "dev_id=\"4294967296\"") + end, 2,
                        "bad lexical cast", "bad lexical cast"),
                Arguments.of("u64 overflow", SB + DEV0 + "<single_mapping origin_block=\"18446744073709551616\""
                        + " data_block=\"0\" time=\"0\"/>\n" + end, 3, "bad lexical cast: origin_block", "bad lexical cast"),
                Arguments.of("space in a number", SB + DEV0.replace("dev_id=\"0\"", "dev_id=\" 1\"") + end, 2,
                        "bad lexical cast", "bad lexical cast"),
                Arguments.of("missing attribute", SB + DEV0.replace("dev_id=\"0\" ", "") + end, 2,
                        "could not find attribute: dev_id (in <device>)", "could not find attribute: dev_id"),
                Arguments.of("superblock attribute", "<superblock time=\"1\" transaction=\"2\" data_block_size=\"128\""
                        + " nr_data_blocks=\"1\">\n</superblock>\n", 1, "could not find attribute: uuid",
                        "could not find attribute: uuid"),
                Arguments.of("device first", DEV0 + "</device>\n", 1, "missing superblock", "missing superblock"),
                Arguments.of("device in device", SB + DEV0 + DEV0.replace("\"0\"", "\"1\"") + "</device>\n" + end, 3,
                        "<device> inside <device>", null),
                Arguments.of("child of a mapping", SB + DEV0 + "<single_mapping origin_block=\"0\" data_block=\"0\""
                        + " time=\"0\"><foo/></single_mapping>\n" + end, 3,
                        "<foo> inside <single_mapping>: mapping and ref elements have no children", null),
                Arguments.of("negative number", SB + DEV0.replace("dev_id=\"0\"", "dev_id=\"-1\"") + end, 2,
                        "bad lexical cast", null),
                Arguments.of("range wraps", SB + DEV0 + "<range_mapping origin_begin=\"18446744073709551615\""
                        + " data_begin=\"0\" length=\"2\" time=\"0\"/>\n" + end, 3, "runs past block 2^64 - 1", null),
                Arguments.of("mismatched tag", SB + DEV0 + "</superblock>\n", 3, "Parse error", "mismatched tag"),
                Arguments.of("empty document", "", 1, "Parse error", "no element found"),
                Arguments.of("two superblocks", SB + "</superblock>\n" + SB + "</superblock>\n", 3, "Parse error",
                        "junk after document element"),
                Arguments.of("ref to unknown def", SB + DEV0 + "<ref name=\"nope\"/>\n" + end, 3,
                        "ref to unknown def \"nope\"", null),
                Arguments.of("ref outside device", SB + "<ref name=\"a\"/>\n</superblock>\n", 2,
                        "<ref> must be inside a <device>, found at <superblock>", null),
                Arguments.of("def inside device", SB + DEV0 + "<def name=\"a\">\n</def>\n" + end, 3,
                        "<def> must be directly inside <superblock>, found at <device>", null),
                Arguments.of("duplicate def", SB + "<def name=\"a\">\n</def>\n<def name=\"a\">\n</def>\n</superblock>\n",
                        4, "def \"a\" already defined", null),
                Arguments.of("device inside def", SB + "<def name=\"a\">\n" + DEV0 + "</device>\n</def>\n</superblock>\n",
                        3, "<device> inside <def>", null));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badDocuments")
    void badDocumentsNameLineAndReason(String name, String xml, int line, String reason, String thinRestoreSays)
            throws IOException {
        if (reason != null) {
            ThinXmlException e = error(xml);
            assertTrue(e.reason().contains(reason), () -> "reason '" + e.reason() + "' lacks '" + reason + "'");
            assertEquals(line, e.line(), () -> "line of: " + e.getMessage());
            assertTrue(e.getMessage().startsWith("bad.xml: line " + line + ", column "), e.getMessage());
        }
        if (thinRestoreSays != null) {
            Path file = tmp.resolve("bad.xml");
            Files.writeString(file, xml);
            Path meta = tmp.resolve("bad.meta");
            try (var f = new java.io.RandomAccessFile(meta.toFile(), "rw")) {
                f.setLength(16 << 20);
            }
            ThinTools.Result r = ThinTools.run("thin_restore", List.of("-i", file.toString(), "-o", meta.toString()));
            assertNotEquals(0, r.exitCode(), "thin_restore accepted it too");
            assertTrue(r.stderr().contains(thinRestoreSays), () -> "thin_restore said: " + r.stderr());
            if (reason != null && !reason.startsWith("Parse error")) {
                assertTrue(error(xml).reason().startsWith(thinRestoreSays),
                        "our reason begins with thin_restore's words");
            }
        }
    }

    @Test
    void aLargeDocumentStreams() throws IOException {
        StringBuilder xml = new StringBuilder(SB).append(DEV0);
        for (int i = 0; i < 200_000; i++) {
            xml.append("<single_mapping origin_block=\"").append(2 * i).append("\" data_block=\"").append(i)
                    .append("\" time=\"0\"/>\n");
        }
        xml.append("</device>\n</superblock>\n");
        long[] count = new long[1];
        ThinXmlVisitor counter = new Recorder() {
            @Override
            public void mappingRun(long originBegin, long dataBegin, long length, long time) {
                count[0] += length;
            }
        };
        long start = System.nanoTime();
        new ThinXmlReader().read(new ByteArrayInputStream(xml.toString().getBytes(StandardCharsets.US_ASCII)), null,
                counter);
        long millis = (System.nanoTime() - start) / 1_000_000;
        assertEquals(200_000, count[0]);
        System.out.println("ThinXmlReader: 200 k single mappings (" + xml.length() + " chars) in " + millis + " ms");
        StringWriter sink = new StringWriter();
        new ThinXmlReader().read(new StringReader(xml.toString()), null, new ThinDumpWriter(sink));
        assertTrue(sink.toString().endsWith("</device>\n</superblock>\n"));
    }
}
