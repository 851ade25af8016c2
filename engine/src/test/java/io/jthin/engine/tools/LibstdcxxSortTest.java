package io.jthin.engine.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * LibstdcxxSort sorts (every size, many ties, the heapsort path too) and keeps every element. The
 * order it gives equal elements — the reason it exists — is checked against thin_rmap's output in
 * CliToolsOracleTest (95 runs, the introsort path).
 */
class LibstdcxxSortTest {
    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8})
    void sortsAndKeepsEveryElement(long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        for (int n : new int[] {0, 1, 2, 3, 15, 16, 17, 33, 100, 1000}) {
            for (int depth : new int[] {-1, 0, 1}) {
                List<long[]> a = new ArrayList<>();
                for (int i = 0; i < n; i++) {
                    a.add(new long[] {rnd.nextInt(Math.max(1, n / 4)), i}); // keys with ties, then identity
                }
                List<long[]> expected = new ArrayList<>(a);
                expected.sort(Comparator.comparingLong((long[] x) -> x[0]).thenComparingLong(x -> x[1]));
                Comparator<long[]> byKey = Comparator.comparingLong(x -> x[0]);
                if (depth < 0) {
                    LibstdcxxSort.sort(a, byKey);
                } else {
                    LibstdcxxSort.sort(a, byKey, depth);
                }
                for (int i = 1; i < n; i++) {
                    long prev = a.get(i - 1)[0];
                    long cur = a.get(i)[0];
                    assertEquals(true, prev <= cur, "n " + n + ", depth " + depth + ": out of order at " + i);
                }
                a.sort(Comparator.comparingLong((long[] x) -> x[0]).thenComparingLong(x -> x[1]));
                for (int i = 0; i < n; i++) {
                    assertEquals(expected.get(i)[1], a.get(i)[1], "n " + n + ": an element was lost or doubled");
                }
            }
        }
    }
}
