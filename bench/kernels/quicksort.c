/* quicksort: sort 1M ints produced by an LCG with a hand-written quicksort. */
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>

#define COUNT 1000000

static void insertion_sort(int32_t *a, long lo, long hi)
{
    for (long i = lo + 1; i <= hi; i++) {
        int32_t v = a[i];
        long j = i - 1;
        while (j >= lo && a[j] > v) {
            a[j + 1] = a[j];
            j--;
        }
        a[j + 1] = v;
    }
}

static void quicksort(int32_t *a, long lo, long hi)
{
    while (hi - lo > 16) {
        /* median of three */
        long mid = lo + (hi - lo) / 2;
        int32_t x = a[lo], y = a[mid], z = a[hi];
        int32_t pivot;
        if (x < y)
            pivot = (y < z) ? y : (x < z ? z : x);
        else
            pivot = (x < z) ? x : (y < z ? z : y);

        long i = lo, j = hi;
        while (i <= j) {
            while (a[i] < pivot)
                i++;
            while (a[j] > pivot)
                j--;
            if (i <= j) {
                int32_t t = a[i];
                a[i] = a[j];
                a[j] = t;
                i++;
                j--;
            }
        }
        /* recurse into the smaller half, loop on the larger */
        if (j - lo < hi - i) {
            quicksort(a, lo, j);
            lo = i;
        } else {
            quicksort(a, i, hi);
            hi = j;
        }
    }
    insertion_sort(a, lo, hi);
}

int main(void)
{
    int32_t *a = malloc(sizeof(int32_t) * COUNT);
    if (!a)
        return 1;

    uint32_t state = 12345u;
    for (long i = 0; i < COUNT; i++) {
        state = state * 1664525u + 1013904223u;
        a[i] = (int32_t)(state >> 1);
    }

    quicksort(a, 0, COUNT - 1);

    uint64_t h = 1469598103934665603ull;
    int sorted = 1;
    for (long i = 0; i < COUNT; i++) {
        if (i > 0 && a[i - 1] > a[i])
            sorted = 0;
        h = (h ^ (uint32_t)a[i]) * 1099511628211ull;
    }
    if (!sorted)
        h = 0;

    printf("quicksort %llu\n", (unsigned long long)h);
    free(a);
    return 0;
}
