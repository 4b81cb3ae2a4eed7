/* matvec: y = A x and z = A^T y on a 1000x1000 double matrix, 100 times (row-wise dot
 * products and column-wise axpy updates, as in BLAS gemv). */
#include <stdio.h>
#include <stdlib.h>

#define N 1000
#define REPS 100

int main(void)
{
    double *a = malloc(sizeof(double) * N * N);
    double *x = malloc(sizeof(double) * N);
    double *y = malloc(sizeof(double) * N);
    double *z = malloc(sizeof(double) * N);
    if (!a || !x || !y || !z)
        return 1;
    for (int i = 0; i < N; i++) {
        x[i] = (double)(i % 13) / 13.0;
        for (int j = 0; j < N; j++)
            a[i * N + j] = (double)((i * 3 + j * 7) % 19) / 19.0 - 0.5;
    }
    double check = 0.0;
    for (int r = 0; r < REPS; r++) {
        for (int i = 0; i < N; i++) {
            double s = 0.0;
            for (int j = 0; j < N; j++)
                s += a[i * N + j] * x[j];
            y[i] = s;
        }
        for (int j = 0; j < N; j++)
            z[j] = 0.0;
        for (int i = 0; i < N; i++) {
            const double yi = y[i];
            for (int j = 0; j < N; j++)
                z[j] += a[i * N + j] * yi;
        }
        /* Scaled back to unit size so the values stay finite over the repetitions. */
        double norm = 0.0;
        for (int j = 0; j < N; j++)
            norm += z[j] * z[j];
        norm = norm > 0.0 ? 1.0 / __builtin_sqrt(norm) : 1.0;
        for (int j = 0; j < N; j++)
            x[j] = z[j] * norm;
        check += x[r % N];
    }
    printf("matvec %.9f %.9f\n", check, x[N / 2]);
    free(a);
    free(x);
    free(y);
    free(z);
    return 0;
}
