/* stencil2d: Jacobi 2-D five-point stencil on a 500x500 double grid, 400 sweeps (two grids,
 * swapped each sweep). The loop kernel the 2.35x worst case came from. */
#include <stdio.h>
#include <stdlib.h>

#define N 500
#define STEPS 400

int main(void)
{
    double *a = malloc(sizeof(double) * N * N);
    double *b = malloc(sizeof(double) * N * N);
    if (!a || !b)
        return 1;
    for (int i = 0; i < N; i++) {
        for (int j = 0; j < N; j++) {
            a[i * N + j] = (double)((i * (j + 2)) % N) / N;
            b[i * N + j] = (double)((i * (j + 3)) % N) / N;
        }
    }
    for (int t = 0; t < STEPS; t++) {
        for (int i = 1; i < N - 1; i++)
            for (int j = 1; j < N - 1; j++)
                b[i * N + j] = 0.2 * (a[i * N + j] + a[i * N + j - 1] + a[i * N + j + 1] +
                                      a[(i + 1) * N + j] + a[(i - 1) * N + j]);
        double *tmp = a;
        a = b;
        b = tmp;
    }
    double sum = 0.0;
    for (int i = 0; i < N * N; i++)
        sum += a[i] * (double)((i % 5) + 1);
    printf("stencil2d %.9f\n", sum);
    free(a);
    free(b);
    return 0;
}
