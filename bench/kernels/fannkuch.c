/* fannkuch: fannkuch-redux (max flips + checksum over all permutations), n=9. */
#include <stdio.h>
#include <stdlib.h>

#define NSIZE 9

int main(void)
{
    const int n = NSIZE;
    int *perm = malloc(sizeof(int) * n);
    int *perm1 = malloc(sizeof(int) * n);
    int *count = malloc(sizeof(int) * n);
    if (!perm || !perm1 || !count)
        return 1;

    for (int i = 0; i < n; i++)
        perm1[i] = i;

    int max_flips = 0;
    int checksum = 0;
    int perm_count = 0;
    int r = n;

    for (;;) {
        while (r != 1) {
            count[r - 1] = r;
            r--;
        }

        for (int i = 0; i < n; i++)
            perm[i] = perm1[i];

        int flips = 0;
        int k;
        while ((k = perm[0]) != 0) {
            int k2 = (k + 1) >> 1;
            for (int i = 0; i < k2; i++) {
                int t = perm[i];
                perm[i] = perm[k - i];
                perm[k - i] = t;
            }
            flips++;
        }
        if (flips > max_flips)
            max_flips = flips;
        checksum += (perm_count % 2 == 0) ? flips : -flips;

        /* next permutation */
        for (;;) {
            if (r == n) {
                /* single checksum: signed flip checksum * 100 + max flips */
                printf("fannkuch %lld\n", (long long)checksum * 100 + max_flips);
                free(perm);
                free(perm1);
                free(count);
                return 0;
            }
            int perm0 = perm1[0];
            for (int i = 0; i < r; i++)
                perm1[i] = perm1[i + 1];
            perm1[r] = perm0;
            count[r]--;
            if (count[r] > 0)
                break;
            r++;
        }
        perm_count++;
    }
}
