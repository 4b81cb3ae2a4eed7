"""Training: numbers. int and float arithmetic in loops, math functions, big integers,
divmod, bit operations, lists of floats, matrix products."""
import math


def matmul(a, b):
    cols = list(zip(*b))
    return [[sum(x * y for x, y in zip(row, col)) for col in cols] for row in a]


def primes(limit):
    sieve = bytearray([1]) * (limit + 1)
    sieve[0:2] = b"\x00\x00"
    for i in range(2, int(limit ** 0.5) + 1):
        if sieve[i]:
            sieve[i * i::i] = bytearray(len(range(i * i, limit + 1, i)))
    return [i for i, p in enumerate(sieve) if p]


def main(args):
    n = int(args.get("n", 40))
    a = [[(i * j) % 7 + 0.5 for j in range(n)] for i in range(n)]
    b = [[(i + j) % 5 - 1.25 for j in range(n)] for i in range(n)]
    c = matmul(a, b)
    trace = sum(c[i][i] for i in range(n))
    acc = 0.0
    for i in range(1, 20000):
        acc += math.sqrt(i) * math.sin(i) / (1 + math.log(i))
    ints = 0
    for i in range(20000):
        q, r = divmod(i * 7919, 97)
        ints += (q ^ r) & 0xFF | (i << 2) % 1013
    big = math.factorial(300) // math.factorial(290)
    ps = primes(50000)
    hyp = sum(math.hypot(x, x + 1) for x in range(2000))
    return {"trace": round(trace, 6), "acc": round(acc, 6), "ints": ints,
            "big": big % 1000003, "primes": len(ps), "hyp": round(hyp, 3),
            "gcd": math.gcd(2 ** 40 - 1, 3 ** 20 - 1), "fmt": "%.3e" % acc}
