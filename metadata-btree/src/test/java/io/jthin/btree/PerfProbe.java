package io.jthin.btree;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class PerfProbe {
    @Test
    void probe() {
        for (int round = 0; round < 3; round++) {
            TestMetadata md = new TestMetadata(1 << 16);
            BTree<Long> t = new BTree<>(md.tm, ValueType.u64());
            long root = t.createEmpty();
            int n = Integer.getInteger("n", 1_000_000);
            long t0 = System.nanoTime();
            for (int i = 0; i < n; i++) {
                root = t.insert(root, i, (long) i).root();
                if (i % 10_000 == 9_999) {
                    md.commit(root);
                }
            }
            long t1 = System.nanoTime();
            System.out.printf("seq insert: %.0f k/s%n", n / ((t1 - t0) / 1e9) / 1e3);
            SplittableRandom rnd = new SplittableRandom(1);
            long[] keys = new long[1 << 20];
            for (int i = 0; i < keys.length; i++) {
                keys[i] = rnd.nextLong(n);
            }
            long sum = 0;
            t0 = System.nanoTime();
            for (int rep = 0; rep < Integer.getInteger("reps", 3); rep++) {
                for (long k : keys) {
                    sum += t.lookup(root, k);
                }
            }
            t1 = System.nanoTime();
            System.out.printf("lookup: %.0f k/s (%d)%n", (double) Integer.getInteger("reps", 3) * keys.length / ((t1 - t0) / 1e9) / 1e3, sum);

            TestMetadata md2 = new TestMetadata(1 << 17);
            BTree<Long> t2 = new BTree<>(md2.tm, ValueType.u64());
            long r2 = t2.createEmpty();
            t0 = System.nanoTime();
            for (int i = 0; i < n; i++) {
                r2 = t2.insert(r2, rnd.nextLong(1L << 40), (long) i).root();
                if (i % 10_000 == 9_999) {
                    md2.commit(r2);
                }
            }
            t1 = System.nanoTime();
            System.out.printf("random insert: %.0f k/s, height %d%n", n / ((t1 - t0) / 1e9) / 1e3,
                    TreeInvariants.check(t2, r2, "").height());
        }
    }
}
