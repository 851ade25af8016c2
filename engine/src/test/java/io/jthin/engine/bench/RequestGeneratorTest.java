package io.jthin.engine.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The offsets qemu-img bench would use (sequential with step), and fio-like random ones. */
class RequestGeneratorTest {
    private static final long GIB = 1L << 30;

    @Test
    void sequentialFollowsQemuImgsRule() {
        BenchOptions o = BenchOptions.defaults().withCount(1000).withRequestBytes(4096).withStepBytes(3 * 4096 + 512)
                .withStartOffset(8192);
        long size = 1 << 20;
        RequestGenerator.Worker w = new RequestGenerator(o, size).worker();
        long expect = 8192;
        for (int i = 0; i < 1000; i++) {
            assertEquals(expect, w.next(), "request " + i);
            expect = (expect + o.step()) % (size - 4096); // qemu-img.c: offset += step; offset %= size - bufsize
        }
        assertEquals(-1, w.next(), "count reached");
    }

    @Test
    void aSequentialRunSplitInPartsMakesTheSameRequests() {
        BenchOptions o = BenchOptions.defaults().withCount(1000).withStepBytes(65536L * 10127).withStartOffset(4096);
        long size = GIB;
        List<Long> whole = offsets(o, size);
        List<Long> parts = new ArrayList<>();
        for (long done = 0; done < 1000; done += 300) {
            parts.addAll(offsets(RequestGenerator.after(o, done, size).withCount(Math.min(300, 1000 - done)), size));
        }
        assertEquals(whole, parts);
        BenchOptions r = o.withPattern(BenchOptions.Pattern.RAND);
        assertTrue(!offsets(r, size).equals(offsets(RequestGenerator.after(r, 500, size), size)),
                "random: the later part draws other offsets");
    }

    private static List<Long> offsets(BenchOptions o, long size) {
        RequestGenerator.Worker w = new RequestGenerator(o, size).worker();
        List<Long> out = new ArrayList<>();
        for (long off; (off = w.next()) >= 0; ) {
            out.add(off);
        }
        return out;
    }

    @Test
    void mulModAgreesWithBigIntegerWhereTheProductOverflows() {
        java.util.SplittableRandom r = new java.util.SplittableRandom(7);
        for (int i = 0; i < 10_000; i++) {
            long m = 1 + r.nextLong(1L << 61);
            long a = r.nextLong(m);
            long b = i % 2 == 0 ? r.nextLong(m) : r.nextLong(1 << 20) % m;
            long expect = java.math.BigInteger.valueOf(a).multiply(java.math.BigInteger.valueOf(b))
                    .mod(java.math.BigInteger.valueOf(m)).longValueExact();
            assertEquals(expect, RequestGenerator.mulMod(a, b, m), a + " × " + b + " mod " + m);
        }
    }

    @Test
    void sequentialOnAHugeDeviceMatchesTheStepRule() {
        long size = 1L << 50; // 1 PiB: request index × step overflows 63 bits
        BenchOptions o = BenchOptions.defaults().withCount(3000).withRequestBytes(4096).withStepBytes((1L << 49) + 4096)
                .withStartOffset(12288);
        RequestGenerator.Worker w = new RequestGenerator(o, size).worker();
        long expect = 12288;
        for (int i = 0; i < 3000; i++) {
            assertEquals(expect, w.next(), "request " + i);
            expect = (expect + o.step()) % (size - 4096);
        }
        assertEquals(-1, w.next());
    }

    @Test
    void theScatteredStepOfToolsNotesTouches13797ClustersOfAGib() {
        BenchOptions o = BenchOptions.defaults().withCount(16384).withStepBytes(65536L * 10127);
        RequestGenerator g = new RequestGenerator(o, GIB);
        RequestGenerator.Worker a = g.worker();
        RequestGenerator.Worker b = g.worker();
        Set<Long> clusters = new HashSet<>();
        long off;
        int n = 0;
        while ((off = (n % 2 == 0 ? a : b).next()) >= 0) {
            assertEquals(0, off % 4096);
            clusters.add(off / 65536);
            n++;
        }
        assertEquals(16384, n, "both workers together issue COUNT requests");
        // not all 16,384: qemu-img wraps modulo (size − request size), which is no multiple of the step
        assertEquals(13797, clusters.size(), "distinct 64 KiB clusters, as qemu-img bench touches them");
    }

    @Test
    void randomOffsetsAreAlignedAndInside() {
        BenchOptions o = BenchOptions.defaults().withCount(10_000).withPattern(BenchOptions.Pattern.RAND)
                .withRequestBytes(65536);
        RequestGenerator.Worker w = new RequestGenerator(o, 10 * 65536 + 100).worker();
        Set<Long> seen = new HashSet<>();
        long off;
        while ((off = w.next()) >= 0) {
            assertEquals(0, off % 65536);
            assertTrue(off + 65536 <= 10 * 65536 + 100);
            seen.add(off);
        }
        assertEquals(10, seen.size(), "all 10 slots drawn in 10,000 tries");
    }

    @Test
    void refusesRequestsLargerThanTheDeviceOrAStartPastTheEnd() {
        assertThrows(IllegalArgumentException.class,
                () -> new RequestGenerator(BenchOptions.defaults().withRequestBytes(8192), 4096));
        assertThrows(IllegalArgumentException.class,
                () -> new RequestGenerator(BenchOptions.defaults().withStartOffset(4096), 4096));
        assertThrows(IllegalArgumentException.class, () -> BenchOptions.defaults().withDepth(0));
    }
}
