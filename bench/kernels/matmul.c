/* matmul: 300x300 double matrix multiply, naive i-j-k loop order. */
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

    /* naive i-j-k: inner loop is a scalar dot-product reduction, so neither the
     * native nor the wasm build can vectorize it (no -ffast-math) */
    for (int i = 0; i < N; i++) {
        const double *ai = a + i * N;
        for (int j = 0; j < N; j++) {
            double s = 0.0;
            for (int k = 0; k < N; k++)
                s += ai[k] * b[k * N + j];
            c[i * N + j] = s;
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
