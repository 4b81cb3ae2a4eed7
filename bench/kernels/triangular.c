/* triangular: an in-place lower-triangular update (the shape of LU's and Cholesky's inner
 * loops): for each k, every row below k subtracts a multiple of row k from its first k
 * columns' successors. 700x700 doubles. */
#include <stdio.h>
#include <stdlib.h>

#define N 700

int main(void)
{
    double *a = malloc(sizeof(double) * N * N);
    if (!a)
        return 1;
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++)
            a[i * N + j] = (i == j) ? (double)N : (double)((i + 2 * j) % 11) / 10.0;
    for (int k = 0; k < N; k++) {
        const double pivot = a[k * N + k];
        for (int i = k + 1; i < N; i++) {
            const double f = a[i * N + k] / pivot;
            a[i * N + k] = f;
            for (int j = k + 1; j < N; j++)
                a[i * N + j] -= f * a[k * N + j];
        }
    }
    double sum = 0.0;
    for (int i = 0; i < N * N; i++)
        sum += a[i] * (double)((i % 3) + 1);
    printf("triangular %.9f\n", sum);
    free(a);
    return 0;
}
