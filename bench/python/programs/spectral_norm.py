"""Spectral norm of the infinite matrix A(i, j) = 1 / ((i + j)(i + j + 1) / 2 + i + 1),
approximated by the power method on an n x n corner: sqrt(u.Bv / v.v) with B = A^T A.

Exercises function calls in nested loops, float division and generator/zip sums.
"""

DEFAULT_ARGS = {"n": 150, "iterations": 10}


def a(i, j):
    s = i + j
    return 1.0 / (s * (s + 1) // 2 + i + 1)


def times(v):
    n = len(v)
    return [sum(a(i, j) * v[j] for j in range(n)) for i in range(n)]


def times_transposed(v):
    n = len(v)
    return [sum(a(j, i) * v[j] for j in range(n)) for i in range(n)]


def times_ata(v):
    return times_transposed(times(v))


def main(args):
    n = int(args.get("n", DEFAULT_ARGS["n"]))
    iterations = int(args.get("iterations", DEFAULT_ARGS["iterations"]))
    u = [1.0] * n
    v = u
    for _ in range(iterations):
        v = times_ata(u)
        u = times_ata(v)
    vbv = sum(x * y for x, y in zip(u, v))
    vv = sum(x * x for x in v)
    return {"n": n, "norm": f"{(vbv / vv) ** 0.5:.9f}"}
