/* spectral_norm: spectral norm of the infinite matrix A, n=600. */
#include <stdio.h>
#include <stdlib.h>
#include <math.h>

#define N 600

static double eval_a(int i, int j)
{
    return 1.0 / (double)((i + j) * (i + j + 1) / 2 + i + 1);
}

static void mul_av(int n, const double *v, double *av)
{
    for (int i = 0; i < n; i++) {
        double sum = 0.0;
        for (int j = 0; j < n; j++)
            sum += eval_a(i, j) * v[j];
        av[i] = sum;
    }
}

static void mul_atv(int n, const double *v, double *atv)
{
    for (int i = 0; i < n; i++) {
        double sum = 0.0;
        for (int j = 0; j < n; j++)
            sum += eval_a(j, i) * v[j];
        atv[i] = sum;
    }
}

static void mul_atav(int n, const double *v, double *out, double *tmp)
{
    mul_av(n, v, tmp);
    mul_atv(n, tmp, out);
}

int main(void)
{
    double *u = malloc(sizeof(double) * N);
    double *v = malloc(sizeof(double) * N);
    double *tmp = malloc(sizeof(double) * N);
    if (!u || !v || !tmp)
        return 1;

    for (int i = 0; i < N; i++)
        u[i] = 1.0;

    for (int i = 0; i < 10; i++) {
        mul_atav(N, u, v, tmp);
        mul_atav(N, v, u, tmp);
    }

    double vbv = 0.0, vv = 0.0;
    for (int i = 0; i < N; i++) {
        vbv += u[i] * v[i];
        vv += v[i] * v[i];
    }

    printf("spectral_norm %.9f\n", sqrt(vbv / vv));
    free(u);
    free(v);
    free(tmp);
    return 0;
}
