/* matmul: 300x300 double matrix multiply, naive i-k-j loop order. */
#include <stdio.h>
#include <stdlib.h>

#define N 300

int main(void)
{
    double *a = malloc(sizeof(double) * N * N);
    double *b = malloc(sizeof(double) * N * N);
    double *c = malloc(sizeof(double) * N * N);
    if (!a || !b || !c)
        return 1;

    for (int i = 0; i < N; i++) {
        for (int j = 0; j < N; j++) {
            a[i * N + j] = (double)((i * 7 + j * 3) % 17) / 16.0 - 0.5;
            b[i * N + j] = (double)((i * 5 + j * 11) % 13) / 12.0 - 0.25;
        }
    }

    /* i-k-j: the cache-friendly order most code uses. The inner loop stores to c on every
     * iteration, which is what makes a wasm2c build slow when the memory base is reloaded
     * after each store. Summation order per element is still k = 0..N-1. */
    for (int i = 0; i < N * N; i++)
        c[i] = 0.0;
    for (int i = 0; i < N; i++) {
        double *ci = c + i * N;
        for (int k = 0; k < N; k++) {
            const double aik = a[i * N + k];
            const double *bk = b + k * N;
            for (int j = 0; j < N; j++)
                ci[j] += aik * bk[j];
        }
    }

    double sum = 0.0;
    for (int i = 0; i < N * N; i++)
        sum += c[i] * (double)((i % 7) + 1);

    printf("matmul %.9f\n", sum);
    free(a);
    free(b);
    free(c);
    return 0;
}
