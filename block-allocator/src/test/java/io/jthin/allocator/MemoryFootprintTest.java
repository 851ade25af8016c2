package io.jthin.allocator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Heap used by the in-memory structures of a 10 M-block data space map, half full (random
 * blocks, the worst case for Roaring's containers), measured as the drop in used heap when the map
 * becomes unreachable, next to the map's own estimate. Prints both; asserts only the 64 MiB budget.
 */
class MemoryFootprintTest {
    static final long BLOCKS = 10_000_000;

    static long usedHeapAfterGc() {
        long used = Long.MAX_VALUE;
        for (int i = 0; i < 5; i++) {
            System.gc();
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            used = Math.min(used, ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
        }
        return used;
    }

    @Test
    void tenMillionBlocksHalfFullStayUnder64MiB() {
        Harness h = Harness.format(16_384, 1);
        h.commit();
        long before = usedHeapAfterGc();
        long t0 = System.nanoTime();
        DiskSpaceMap dsm = DiskSpaceMap.format(h.tm, BLOCKS);
        SplittableRandom rnd = new SplittableRandom(1);
        for (long b = 0; b < BLOCKS; b++) {
            if (rnd.nextBoolean()) {
                dsm.inc(b, 1);
            }
        }
        h.dsm = dsm;
        h.commit();
        long buildMs = (System.nanoTime() - t0) / 1_000_000;
        long t1 = System.nanoTime();
        Harness reopened = h.reopen();
        long openMs = (System.nanoTime() - t1) / 1_000_000;
        assertEquals(dsm.nrAllocated(), reopened.dsm.nrAllocated());
        reopened = null;
        long with = usedHeapAfterGc();
        long estimate = dsm.inMemoryBytes();
        long allocated = dsm.nrAllocated();
        h.dsm = null;
        dsm = null;
        long without = usedHeapAfterGc();
        long measured = with - without;
        System.out.printf("data space map, %,d blocks, %,d allocated: heap %.1f MiB measured (%.1f MiB estimated); "
                + "build+commit %d ms, cold open %d ms (heap before the map: %.1f MiB)%n", BLOCKS, allocated,
                measured / 1048576.0, estimate / 1048576.0, buildMs, openMs, before / 1048576.0);
        assertTrue(estimate < 64L << 20, "estimate " + estimate);
        assertTrue(measured < 64L << 20, "measured " + measured);
    }
}
