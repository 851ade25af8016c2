package io.jthin.engine.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** ThinDeltaWriter against §8.2 and 0.9.0 {@code thin_delta} (plain and --verbose) on restored pools. */
class ThinDeltaWriterTest {

    @TempDir
    Path tmp;

    /** Our delta of two devices, fed three ways that must agree: block by block, by runs, by chopped runs. */
    private static List<String> ours(GeneratedPool pool, long left, long right, boolean verbose, OptionalLong snap)
            throws IOException {
        GeneratedPool.Dev l = pool.device(left);
        GeneratedPool.Dev r = pool.device(right);
        ThinXml.Superblock sb = new ThinXml.Superblock("", pool.time, pool.transaction, 0, 2, pool.dataBlockSize,
                pool.nrDataBlocks, snap);
        List<String> outputs = new ArrayList<>();
        for (int way = 0; way < 3; way++) {
            StringWriter s = new StringWriter();
            ThinDeltaWriter w = new ThinDeltaWriter(s, verbose);
            w.beginSuperblock(sb);
            w.beginDiff(left, right);
            switch (way) {
                case 0 -> GeneratedPool.diffBlockByBlock(l, r, w);
                case 1 -> w.diff(l.runs().iterator(), r.runs().iterator());
                default -> {
                    SplittableRandom rnd = new SplittableRandom(left * 31 + right);
                    w.diff(GeneratedPool.choppedRuns(l, rnd), GeneratedPool.choppedRuns(r, rnd));
                }
            }
            w.endDiff();
            w.endSuperblock();
            outputs.add(s.toString());
        }
        return outputs;
    }

    /** Our delta as JSON, fed chopped runs. */
    private static String json(GeneratedPool pool, long left, long right, boolean verbose, OptionalLong snap)
            throws IOException {
        StringWriter s = new StringWriter();
        ThinDeltaWriter w = ThinDeltaWriter.json(s, verbose);
        w.beginSuperblock(new ThinXml.Superblock("", pool.time, pool.transaction, 0, 2, pool.dataBlockSize,
                pool.nrDataBlocks, snap));
        w.beginDiff(left, right);
        SplittableRandom rnd = new SplittableRandom(left * 17 + right);
        w.diff(GeneratedPool.choppedRuns(pool.device(left), rnd), GeneratedPool.choppedRuns(pool.device(right), rnd));
        w.endDiff();
        w.endSuperblock();
        return s.toString();
    }

    private static void compare(GeneratedPool pool, Path meta, long left, long right, OptionalLong snap)
            throws IOException {
        for (boolean verbose : new boolean[] {false, true}) {
            List<String> args = new ArrayList<>(List.of("--thin1", Long.toString(left), "--thin2", Long.toString(right)));
            if (verbose) {
                args.add("--verbose");
            }
            args.add(meta.toString());
            String expected = ThinTools.run("thin_delta", args).assertSuccess("thin_delta " + args).stdout();
            List<String> got = ours(pool, left, right, verbose, snap);
            String[] ways = {"block by block", "maximal runs", "chopped runs"};
            for (int i = 0; i < got.size(); i++) {
                assertEquals(expected, got.get(i), "thin_delta " + args + ", fed " + ways[i] + ", seed " + pool.seed);
            }
            assertEquals(expected, JsonAsThinXml.delta(json(pool, left, right, verbose, snap), verbose),
                    "thin_delta " + args + ", our JSON, seed " + pool.seed);
        }
    }

    @Test
    void fixtureMatchesTheSpecAndThinDelta() throws IOException {
        ThinTools.requireVersion090();
        GeneratedPool pool = GeneratedPool.parse(Files.readString(Fixtures.file("tpt-small.xml")));
        assertEquals("""
                <superblock uuid="" time="1" transaction="2" data_block_size="128" nr_data_blocks="1024">
                  <diff left="0" right="1">
                    <same begin="0" length="8"/>
                    <different begin="8" length="4"/>
                    <same begin="12" length="4"/>
                    <left_only begin="100" length="1"/>
                  </diff>
                </superblock>
                """, ours(pool, 0, 1, false, OptionalLong.empty()).get(0));
        Path meta = Fixtures.file("tpt-small.meta");
        for (long[] pair : new long[][] {{0, 1}, {1, 0}, {0, 0}, {1, 1}}) {
            compare(pool, meta, pair[0], pair[1], OptionalLong.empty());
        }
    }

    @Test
    void heldMetadataRootIsPrinted() throws IOException {
        String xml = Files.readString(Fixtures.file("tpt-small.xml"))
                .replace("nr_data_blocks=\"1024\"", "nr_data_blocks=\"1024\" metadata_snap=\"7\"");
        Path meta = ThinTools.restore(xml, tmp, "held");
        compare(GeneratedPool.parse(xml), meta, 1, 0, OptionalLong.of(7));
    }

    @Test
    void runsIgnoreTimeAndBreakOnEitherSide() throws IOException {
        String xml = """
                <superblock uuid="" time="1" transaction="2" flags="0" version="2" data_block_size="128" nr_data_blocks="1024">
                  <device dev_id="0" mapped_blocks="16" transaction="0" creation_time="0" snap_time="1">
                    <range_mapping origin_begin="0" data_begin="0" length="4" time="0"/>
                    <range_mapping origin_begin="4" data_begin="4" length="4" time="1"/>
                    <range_mapping origin_begin="10" data_begin="10" length="4" time="1"/>
                    <range_mapping origin_begin="14" data_begin="100" length="4" time="1"/>
                    <single_mapping origin_block="30" data_block="200" time="0"/>
                  </device>
                  <device dev_id="1" mapped_blocks="20" transaction="1" creation_time="1" snap_time="1">
                    <range_mapping origin_begin="0" data_begin="0" length="8" time="0"/>
                    <range_mapping origin_begin="8" data_begin="50" length="8" time="0"/>
                    <range_mapping origin_begin="16" data_begin="102" length="4" time="0"/>
                    <single_mapping origin_block="31" data_block="201" time="0"/>
                  </device>
                  <device dev_id="2" mapped_blocks="0" transaction="1" creation_time="1" snap_time="1">
                  </device>
                </superblock>
                """;
        GeneratedPool pool = GeneratedPool.parse(xml);
        assertEquals("""
                <superblock uuid="" time="1" transaction="2" data_block_size="128" nr_data_blocks="1024">
                  <diff left="0" right="1">
                    <same>
                      <range begin="0" data_begin="0" length="8"/>
                    </same>
                    <right_only>
                      <range begin="8" data_begin="50" length="2"/>
                    </right_only>
                    <different>
                      <range begin="10" left_data_begin="10" right_data_begin="52" length="4"/>
                      <range begin="14" left_data_begin="100" right_data_begin="56" length="2"/>
                    </different>
                    <same>
                      <range begin="16" data_begin="102" length="2"/>
                    </same>
                    <right_only>
                      <range begin="18" data_begin="104" length="2"/>
                    </right_only>
                    <left_only>
                      <range begin="30" data_begin="200" length="1"/>
                    </left_only>
                    <right_only>
                      <range begin="31" data_begin="201" length="1"/>
                    </right_only>
                  </diff>
                </superblock>
                """, ours(pool, 0, 1, true, OptionalLong.empty()).get(0));
        Path meta = ThinTools.restore(xml, tmp, "runs");
        for (long[] pair : new long[][] {{0, 1}, {1, 0}, {0, 2}, {2, 1}, {2, 2}}) {
            compare(pool, meta, pair[0], pair[1], OptionalLong.empty());
        }
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12})
    void generatedPoolsMatchThinDelta(long seed) throws IOException {
        GeneratedPool pool = GeneratedPool.generate(seed, 12_000);
        Path meta = ThinTools.restore(pool.xml(), tmp, "delta" + seed);
        SplittableRandom rnd = new SplittableRandom(seed);
        int n = pool.devices.size();
        for (int k = 0; k < Math.min(12, n * n); k++) {
            long left = pool.devices.get(rnd.nextInt(n)).id();
            long right = pool.devices.get(rnd.nextInt(n)).id();
            compare(pool, meta, left, right, OptionalLong.empty());
        }
    }

    @Test
    void misuseIsRefused() throws IOException {
        ThinDeltaWriter w = new ThinDeltaWriter(new StringWriter(), false);
        assertThrows(IllegalStateException.class, () -> w.beginDiff(0, 1));
        w.beginSuperblock(ThinXml.Superblock.of(0, 0, 0, 2, 128, 10));
        assertThrows(IllegalStateException.class, () -> w.leftOnly(0, 0, 1));
        w.beginDiff(0, 1);
        w.both(5, 1, 1, 2);
        assertThrows(IllegalArgumentException.class, () -> w.leftOnly(6, 0, 1), "overlaps the previous range");
        w.endDiff();
        assertThrows(IllegalStateException.class, w::endDiff);
        w.endSuperblock();
    }
}
