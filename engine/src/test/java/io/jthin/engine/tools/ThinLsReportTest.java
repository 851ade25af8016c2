package io.jthin.engine.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** ThinLsReport against hand-checked values and 0.9.0 {@code thin_ls} on restored pools. */
class ThinLsReportTest {

    /** -o arguments tried against the real tool (null = no -o). */
    private static final List<String> FORMATS = List.of(
            "", "DEV", "DEV,", "DEV,DEV,SNAP_TIME",
            "DEV,MAPPED_BLOCKS,EXCLUSIVE_BLOCKS,SHARED_BLOCKS,MAPPED_SECTORS,EXCLUSIVE_SECTORS,SHARED_SECTORS,"
                    + "MAPPED_BYTES,EXCLUSIVE_BYTES,SHARED_BYTES,MAPPED,EXCLUSIVE,SHARED,TRANSACTION,CREATE_TIME,SNAP_TIME",
            "SHARED,EXCLUSIVE,MAPPED", "SNAP_TIME,CREATE_TIME,TRANSACTION,DEV",
            "MAPPED_BYTES,SHARED_SECTORS,EXCLUSIVE_BLOCKS");

    @TempDir
    Path tmp;

    @ParameterizedTest(name = "{0} bytes -> {1}")
    @CsvSource({
        "0, 0", "512, 512", "1023, 1023", "8192, 8192", "8193, 8KiB", "8704, 9KiB", "65536, 64KiB",
        "327680, 320KiB", "1048576, 1024KiB", "1048577, 1024KiB", "1114112, 1088KiB", "8388608, 8192KiB",
        "9437184, 9MiB", "1073741824, 1024MiB", "1073807360, 1024MiB", "9663676416, 9GiB",
        "1099511627776, 1024GiB", "1125899906842624, 1024TiB", "9223372036854775807, 8191PiB",
        "-1, 16EiB",
    })
    void humanSizesFollowThinLs(long bytes, String expected) {
        assertEquals(expected, ThinLsReport.formatDiskUnit(bytes));
    }

    @Test
    void fieldListsParseLikeThinLs() {
        assertEquals(List.of(), ThinLsReport.parseFields(""));
        assertEquals(List.of(ThinLsReport.Field.DEV), ThinLsReport.parseFields("DEV,"));
        assertEquals(List.of(ThinLsReport.Field.DEV, ThinLsReport.Field.DEV), ThinLsReport.parseFields("DEV,DEV"));
        for (String bad : new String[] {"dev", ",DEV", "DEV,,SHARED", "DEV MAPPED", "DEV,,", "BOGUS", ","}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> ThinLsReport.parseFields(bad), bad);
            assertEquals("unknown field", e.getMessage());
        }
    }

    @Test
    void layoutRightAlignsWithATrailingSpace() {
        ThinLsReport r = new ThinLsReport(ThinLsReport.DEFAULT_FIELDS, true, 128);
        r.add(new ThinLsReport.DeviceFigures(0, 17, 5, 0, 0, 1));
        r.add(new ThinLsReport.DeviceFigures(1, 16, 4, 1, 1, 1));
        assertEquals("DEV  MAPPED CREATE_TIME SNAP_TIME \n"
                + "  0 1088KiB           0         1 \n"
                + "  1 1024KiB           1         1 \n", r.render());
        ThinLsReport bare = new ThinLsReport(ThinLsReport.DEFAULT_FIELDS, false, 128);
        bare.add(new ThinLsReport.DeviceFigures(0, 17, 5, 0, 0, 1));
        assertEquals("0 1088KiB 0 1 \n", bare.render());
        assertEquals("", new ThinLsReport(List.of(), true, 128).render());
        assertEquals("DEV \n", new ThinLsReport(List.of(ThinLsReport.Field.DEV), true, 128).render());
    }

    @Test
    void fixtureMatchesThinLs() throws IOException {
        GeneratedPool pool = GeneratedPool.parse(Files.readString(Fixtures.file("tpt-small.xml")));
        assertEquals(List.of(new ThinLsReport.DeviceFigures(0, 17, 5, 0, 0, 1),
                new ThinLsReport.DeviceFigures(1, 16, 4, 1, 1, 1)), pool.lsFigures());
        compareWithThinLs(pool, Fixtures.file("tpt-small.meta"));
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12})
    void generatedPoolsMatchThinLs(long seed) throws IOException {
        GeneratedPool pool = GeneratedPool.generate(seed, 12_000);
        Path meta = ThinTools.restore(pool.xml(), tmp, "ls" + seed);
        compareWithThinLs(pool, meta);
    }

    @Test
    void sharingCountsEveryMappingEvenInsideOneDevice() throws IOException {
        DataBlockSharing sharing = new DataBlockSharing(100);
        sharing.mapRun(10, 5);
        sharing.map(12);
        assertEquals(4, sharing.countExclusive(10, 5));
        assertEquals(false, sharing.isExclusive(12));
        assertEquals(false, sharing.isExclusive(0), "unmapped is not exclusive");
        assertThrows(IllegalArgumentException.class, () -> sharing.map(100));

        String xml = """
                <superblock uuid="" time="3" transaction="9" flags="0" version="2" data_block_size="2097152" nr_data_blocks="64">
                  <device dev_id="3" mapped_blocks="4" transaction="1" creation_time="0" snap_time="0">
                    <range_mapping origin_begin="0" data_begin="5" length="3" time="0"/>
                    <single_mapping origin_block="9" data_block="5" time="2"/>
                  </device>
                  <device dev_id="12" mapped_blocks="2" transaction="7" creation_time="2" snap_time="3">
                    <range_mapping origin_begin="0" data_begin="7" length="2" time="0"/>
                  </device>
                </superblock>
                """;
        Path meta = ThinTools.restore(xml, tmp, "twice");
        GeneratedPool pool = GeneratedPool.parse(xml);
        assertEquals(List.of(new ThinLsReport.DeviceFigures(3, 4, 1, 1, 0, 0),
                new ThinLsReport.DeviceFigures(12, 2, 1, 7, 2, 3)), pool.lsFigures());
        compareWithThinLs(pool, meta);
    }

    @Test
    void emptyPoolPrintsTheHeaderOnly() throws IOException {
        Path meta = ThinTools.restore("<superblock uuid=\"\" time=\"0\" transaction=\"0\" flags=\"0\" version=\"2\""
                + " data_block_size=\"128\" nr_data_blocks=\"16\">\n</superblock>\n", tmp, "empty");
        GeneratedPool pool = GeneratedPool.parse(Files.readString(tmp.resolve("empty.xml")));
        compareWithThinLs(pool, meta);
    }

    private static void compareWithThinLs(GeneratedPool pool, Path meta) {
        ThinTools.requireVersion090();
        List<ThinLsReport.DeviceFigures> figures = pool.lsFigures();
        List<String> formats = new ArrayList<>();
        formats.add(null);
        formats.addAll(FORMATS);
        for (String format : formats) {
            for (boolean headers : new boolean[] {true, false}) {
                List<String> args = new ArrayList<>();
                if (format != null) {
                    args.add("-o");
                    args.add(format);
                }
                if (!headers) {
                    args.add("--no-headers");
                }
                args.add(meta.toString());
                String expected = ThinTools.run("thin_ls", args).assertSuccess("thin_ls " + args).stdout();

                ThinLsReport report = new ThinLsReport(
                        format == null ? ThinLsReport.DEFAULT_FIELDS : ThinLsReport.parseFields(format),
                        headers, pool.dataBlockSize);
                figures.forEach(report::add);
                assertEquals(expected, report.render(), "thin_ls " + args + " (seed " + pool.seed + ")");
            }
        }
    }
}
