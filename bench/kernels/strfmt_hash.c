/* strfmt_hash: 300k snprintf calls formatting mixed ints/doubles/strings into a
 * buffer; every result is hashed with 64-bit FNV-1a.
 * Even iterations format a record containing a double, odd iterations an
 * int/string-only record with width/padding flags (keeps the native run in
 * the intended time range while exercising several printf paths). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>

#define ITERS 300000
#define BUFSZ 256

static const char *const words[8] = {
    "alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel",
};

int main(void)
{
    char *buf = malloc(BUFSZ);
    if (!buf)
        return 1;

    uint64_t h = 1469598103934665603ull; /* FNV-1a 64-bit offset basis */
    uint32_t state = 2463534242u;
    uint64_t total_len = 0;

    for (int i = 0; i < ITERS; i++) {
        /* xorshift32 for varied operands */
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;

        int ival = (int)(state % 2000001u) - 1000000;
        /* exact binary fraction k/1024 in [0, 16384): the decimal expansion is
         * finite, so correctly rounded printf output is identical everywhere */
        double dval = (double)(state >> 8) / 1024.0;
        const char *w1 = words[state & 7];
        const char *w2 = words[(state >> 3) & 7];
        unsigned uval = state ^ (unsigned)i;

        int len;
        if ((i & 1) == 0)
            len = snprintf(buf, BUFSZ, "%d|%s|%.3f|%08x", ival, w1, dval, uval);
        else
            len = snprintf(buf, BUFSZ, "%-8s|%6d|%s", w2, ival % 100000, w1);
        if (len < 0)
            return 1;
        if (len >= BUFSZ)
            len = BUFSZ - 1;
        total_len += (uint64_t)len;

        for (int k = 0; k < len; k++) {
            h ^= (unsigned char)buf[k];
            h *= 1099511628211ull; /* FNV-1a 64-bit prime */
        }
    }

    h ^= total_len;
    printf("strfmt_hash %llu\n", (unsigned long long)h);
    free(buf);
    return 0;
}
