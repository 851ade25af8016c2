package io.jthin.allocator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

class BlockSetTest {
    @Test
    void behavesLikeATreeSetAcrossChunks() {
        SplittableRandom rnd = new SplittableRandom(3);
        BlockSet s = new BlockSet();
        TreeSet<Long> m = new TreeSet<>();
        long[] bases = {0, (1L << 32) - 100, 5L << 32, 1L << 39};
        for (int i = 0; i < 50_000; i++) {
            long b = bases[rnd.nextInt(bases.length)] + rnd.nextInt(1000);
            if (rnd.nextBoolean()) {
                assertEquals(m.add(b), s.add(b));
            } else {
                assertEquals(m.remove(b), s.remove(b));
            }
            assertEquals(m.size(), s.size());
            long from = bases[rnd.nextInt(bases.length)] + rnd.nextInt(1200) - 100;
            Long want = m.ceiling(Math.max(0, from));
            assertEquals(want == null ? -1 : want, s.nextValue(Math.max(0, from)));
        }
        for (long b : m) {
            assertTrue(s.contains(b));
        }
        s.addRange((1L << 32) - 5, (1L << 32) + 5);
        for (long b = (1L << 32) - 5; b < (1L << 32) + 5; b++) {
            m.add(b);
            assertTrue(s.contains(b));
        }
        assertEquals(m.size(), s.size());
        BlockSet.Builder builder = new BlockSet.Builder();
        for (long b : m) {
            builder.add(b);
        }
        BlockSet built = builder.build();
        assertEquals(m.size(), built.size());
        long[] n = {0};
        built.forEach(b -> {
            assertTrue(m.contains(b));
            n[0]++;
        });
        assertEquals(m.size(), n[0]);
        BlockSet.Builder ranges = new BlockSet.Builder();
        ranges.add(3);
        ranges.addRange(10, 20);
        ranges.addRange(65_530, 65_540);
        ranges.addRange((1L << 32) - 2, (1L << 32) + 2);
        ranges.add((1L << 32) + 5);
        BlockSet r = ranges.build();
        TreeSet<Long> rm = new TreeSet<>(java.util.List.of(3L, (1L << 32) + 5));
        for (long b = 10; b < 20; b++) {
            rm.add(b);
        }
        for (long b = 65_530; b < 65_540; b++) {
            rm.add(b);
        }
        for (long b = (1L << 32) - 2; b < (1L << 32) + 2; b++) {
            rm.add(b);
        }
        assertEquals(rm.size(), r.size());
        java.util.List<Long> got = new java.util.ArrayList<>();
        r.forEach(got::add);
        assertEquals(new java.util.ArrayList<>(rm), got);
        BlockSet other = new BlockSet();
        other.add(7L << 32);
        built.addAll(other);
        assertEquals(m.size() + 1, built.size());
        assertFalse(built.contains(8L << 32));
    }
}
