package io.jthin.snapshot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jthin.loopfile.MemoryBlockDevice;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** MappingRuns, and the walk that gives devices sharing a mapping root one recording. */
class MappingRunsTest {
    /** Every call a walk makes, as text; runs and single mappings kept apart. */
    private static final class Calls implements MetadataVisitor {
        final List<String> calls = new ArrayList<>();

        @Override
        public boolean device(long devId, DeviceDetails details) {
            calls.add("device " + devId);
            return true;
        }

        @Override
        public void mapping(long devId, long virtualBlock, long dataBlock, long time) {
            calls.add("map " + devId + " " + virtualBlock + "->" + dataBlock + " @" + time);
        }

        @Override
        public void mappingRun(long devId, long virtualBegin, long dataBegin, long length, long time) {
            calls.add("run " + devId + " " + virtualBegin + "->" + dataBegin + " x" + length + " @" + time);
        }

        /** The mappings one by one, whichever way they came. */
        List<String> mappings(long devId) {
            List<String> out = new ArrayList<>();
            for (String c : calls) {
                String[] f = c.split(" ");
                if (f[0].equals("map") && f[1].equals(Long.toString(devId))) {
                    out.add(f[2] + " " + f[3]);
                } else if (f[0].equals("run") && f[1].equals(Long.toString(devId))) {
                    String[] vd = f[2].split("->");
                    long n = Long.parseLong(f[3].substring(1));
                    for (long i = 0; i < n; i++) {
                        out.add((Long.parseLong(vd[0]) + i) + "->" + (Long.parseLong(vd[1]) + i) + " " + f[4]);
                    }
                }
            }
            return out;
        }
    }

    @Test
    void runsGrowWhileBothBlocksFollowOnAtTheSameTime() {
        MappingRuns r = new MappingRuns(10);
        r.add(0, 100, 1);
        r.add(1, 101, 1);
        r.add(2, 102, 1);
        r.add(3, 200, 1); // data block jumps
        r.add(5, 201, 1); // virtual block jumps
        r.add(6, 202, 2); // time changes
        Calls c = new Calls();
        r.replay(7, c);
        assertEquals(List.of("run 7 0->100 x3 @1", "run 7 3->200 x1 @1", "run 7 5->201 x1 @1", "run 7 6->202 x1 @2"),
                c.calls);
    }

    @Test
    void pastItsLimitARecordingIsGivenUp() {
        MappingRuns r = new MappingRuns(2);
        r.add(0, 10, 0);
        r.add(2, 20, 0);
        r.add(3, 21, 0); // grows the second run: still two
        assertEquals(2, r.size());
        r.add(9, 90, 0);
        assertTrue(r.overflowed());
        assertThrows(IllegalStateException.class, () -> r.replay(1, new Calls()));
    }

    @Test
    void devicesSharingAMappingRootGetTheFirstOnesMappingsWithoutASecondWalk() {
        PoolMetadata md = PoolMetadata.format(new MemoryBlockDevice("meta", 8L << 20), 128, 10_000, 1 << 20);
        md.createThin(0);
        for (long vb = 0; vb < 600; vb++) { // several leaves; blocks 0..299 in one run, then scattered
            md.insert(0, vb, vb < 300 ? md.allocateDataBlock() : 9_999 - vb);
        }
        md.createSnap(1, 0); // shares device 0's root
        md.createSnap(2, 0);
        md.createSnap(3, 0);
        md.insert(3, 5, 9_000); // device 3 diverges: a root of its own
        Calls c = new Calls();
        md.accept(c, false, null);

        List<String> origin = c.mappings(0);
        assertEquals(600, origin.size());
        assertEquals(origin, c.mappings(1));
        assertEquals(origin, c.mappings(2));
        List<String> diverged = new ArrayList<>(origin);
        diverged.set(5, "5->9000 @" + c.mappings(3).get(5).split("@")[1]);
        assertEquals(diverged, c.mappings(3));
        assertTrue(c.calls.stream().noneMatch(s -> s.startsWith("run 0 ") || s.startsWith("run 3 ")),
                "walked devices come mapping by mapping");
        assertTrue(c.calls.stream().noneMatch(s -> s.startsWith("map 1 ") || s.startsWith("map 2 ")),
                "devices sharing the first one's root are given its recording");
        assertEquals(301, c.calls.stream().filter(s -> s.startsWith("run 1 ")).count(), "as runs");

        Calls one = new Calls();
        md.accept(one, false, 2L);
        assertEquals(origin, one.mappings(2));
        assertTrue(one.calls.stream().noneMatch(s -> s.startsWith("run ")), "a device alone is walked");
    }
}
