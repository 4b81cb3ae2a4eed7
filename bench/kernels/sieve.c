/* sieve: sieve of Eratosthenes up to 10M using a byte array. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>

#define LIMIT 10000000

int main(void)
{
    unsigned char *composite = malloc(LIMIT + 1);
    if (!composite)
        return 1;
    memset(composite, 0, LIMIT + 1);
    composite[0] = composite[1] = 1;

    for (uint32_t i = 2; (uint64_t)i * i <= LIMIT; i++) {
        if (!composite[i]) {
            for (uint32_t j = i * i; j <= LIMIT; j += i)
                composite[j] = 1;
        }
    }

    uint32_t count = 0;
    uint64_t sum = 0;
    for (uint32_t i = 2; i <= LIMIT; i++) {
        if (!composite[i]) {
            count++;
            sum += i;
        }
    }

    /* checksum: sum of all primes <= LIMIT, mixed with the prime count */
    uint64_t checksum = sum * 31u + count;
    printf("sieve %llu\n", (unsigned long long)checksum);
    free(composite);
    return 0;
}
