package io.jthin.engine.tools;

import java.util.Comparator;
import java.util.List;

/**
 * {@code std::sort} step for step as GNU libstdc++ does it (introsort: median-of-three quicksort
 * down to runs of 16, heapsort past a depth of 2·log2(n), then one insertion sort), for the output
 * of tools whose order depends on it. {@code std::sort} is not stable: elements that compare equal
 * come out in an order only the algorithm decides — thin_rmap 0.9.0 sorts its runs by first data
 * block alone, so which of two runs at the same block it prints first is this algorithm's doing.
 * Java's sorts are stable and would print another order. Stateless.
 */
final class LibstdcxxSort {
    private static final int THRESHOLD = 16;

    private LibstdcxxSort() {
    }

    /** Sorts {@code a} as {@code std::sort(a.begin(), a.end(), less)} would, {@code less} being {@code c < 0}. */
    static <T> void sort(List<T> a, Comparator<? super T> c) {
        int n = a.size();
        if (n > 0) {
            sort(a, c, 2 * (31 - Integer.numberOfLeadingZeros(n)));
        }
    }

    /** {@link #sort} with the quicksort's depth limit given (0: heapsort at once; for tests). */
    static <T> void sort(List<T> a, Comparator<? super T> c, int depthLimit) {
        Sorter<T> s = new Sorter<>(a, c);
        s.introsortLoop(0, a.size(), depthLimit);
        s.finalInsertionSort(0, a.size());
    }

    private record Sorter<T>(List<T> a, Comparator<? super T> c) {
        private boolean less(T x, T y) {
            return c.compare(x, y) < 0;
        }

        private boolean less(int i, int j) {
            return less(a.get(i), a.get(j));
        }

        private void swap(int i, int j) {
            T t = a.get(i);
            a.set(i, a.get(j));
            a.set(j, t);
        }

        void introsortLoop(int first, int last, int depthLimit) {
            while (last - first > THRESHOLD) {
                if (depthLimit == 0) {
                    heapSort(first, last);
                    return;
                }
                depthLimit--;
                int cut = partitionPivot(first, last);
                introsortLoop(cut, last, depthLimit);
                last = cut;
            }
        }

        private int partitionPivot(int first, int last) {
            int mid = first + (last - first) / 2;
            moveMedianToFirst(first, first + 1, mid, last - 1);
            return unguardedPartition(first + 1, last, first);
        }

        private void moveMedianToFirst(int result, int x, int y, int z) {
            if (less(x, y)) {
                if (less(y, z)) {
                    swap(result, y);
                } else if (less(x, z)) {
                    swap(result, z);
                } else {
                    swap(result, x);
                }
            } else if (less(x, z)) {
                swap(result, x);
            } else if (less(y, z)) {
                swap(result, z);
            } else {
                swap(result, y);
            }
        }

        private int unguardedPartition(int first, int last, int pivot) {
            while (true) {
                while (less(first, pivot)) {
                    first++;
                }
                last--;
                while (less(pivot, last)) {
                    last--;
                }
                if (first >= last) {
                    return first;
                }
                swap(first, last);
                first++;
            }
        }

        void finalInsertionSort(int first, int last) {
            if (last - first > THRESHOLD) {
                insertionSort(first, first + THRESHOLD);
                for (int i = first + THRESHOLD; i < last; i++) {
                    unguardedLinearInsert(i);
                }
            } else {
                insertionSort(first, last);
            }
        }

        private void insertionSort(int first, int last) {
            if (first == last) {
                return;
            }
            for (int i = first + 1; i < last; i++) {
                if (less(i, first)) {
                    T v = a.get(i);
                    for (int k = i; k > first; k--) {
                        a.set(k, a.get(k - 1));
                    }
                    a.set(first, v);
                } else {
                    unguardedLinearInsert(i);
                }
            }
        }

        private void unguardedLinearInsert(int last) {
            T v = a.get(last);
            int next = last - 1;
            while (less(v, a.get(next))) {
                a.set(last, a.get(next));
                last = next;
                next--;
            }
            a.set(last, v);
        }

        // ---- heapsort (std::__partial_sort with middle == last: make_heap, then sort_heap) ----

        private void heapSort(int first, int last) {
            int len = last - first;
            if (len >= 2) {
                for (int parent = (len - 2) / 2; ; parent--) {
                    adjustHeap(first, parent, len, a.get(first + parent));
                    if (parent == 0) {
                        break;
                    }
                }
            }
            while (last - first > 1) {
                last--;
                T v = a.get(last);
                a.set(last, a.get(first));
                adjustHeap(first, 0, last - first, v);
            }
        }

        private void adjustHeap(int first, int hole, int len, T value) {
            int top = hole;
            int second = hole;
            while (second < (len - 1) / 2) {
                second = 2 * (second + 1);
                if (less(first + second, first + second - 1)) {
                    second--;
                }
                a.set(first + hole, a.get(first + second));
                hole = second;
            }
            if ((len & 1) == 0 && second == (len - 2) / 2) {
                second = 2 * (second + 1);
                a.set(first + hole, a.get(first + second - 1));
                hole = second - 1;
            }
            int parent = (hole - 1) / 2;
            while (hole > top && less(a.get(first + parent), value)) {
                a.set(first + hole, a.get(first + parent));
                hole = parent;
                parent = (hole - 1) / 2;
            }
            a.set(first + hole, value);
        }
    }
}
