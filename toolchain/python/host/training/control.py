"""Training: control flow. Generators, closures, recursion, exceptions, comprehensions,
itertools and functools, context managers, keyword and star arguments."""
import functools
import itertools


def fib_gen(limit):
    a, b = 0, 1
    while a < limit:
        yield a
        a, b = b, a + b


def make_counter(step):
    count = 0

    def inc():
        nonlocal count
        count += step
        return count
    return inc


@functools.lru_cache(maxsize=None)
def partitions(n, k):
    if n == 0:
        return 1
    if n < 0 or k == 0:
        return 0
    return partitions(n - k, k) + partitions(n, k - 1)


def walk(tree, depth=0):
    if isinstance(tree, list):
        return max((walk(t, depth + 1) for t in tree), default=depth)
    return depth


class Resource:
    opened = 0

    def __enter__(self):
        Resource.opened += 1
        return self

    def __exit__(self, *exc):
        Resource.opened -= 1
        return False


def combine(*values, scale=1, **extra):
    return sum(values) * scale + len(extra)


def main(args):
    n = int(args.get("n", 3000))
    fibs = list(fib_gen(10 ** 30))
    counter = make_counter(3)
    for _ in range(n):
        counter()
    parts = partitions(60, 60)
    tree = [[1, [2, [3, [4]]]], [5], [[6, [7]]]]
    depth = walk(tree)
    errors = 0
    for i in range(n):
        try:
            if i % 7 == 0:
                raise KeyError(i)
            {}[i] if i % 11 == 0 else None
        except KeyError:
            errors += 1
        finally:
            pass
    with Resource(), Resource():
        inside = Resource.opened
    squares = [x * x for x in range(n) if x % 3]
    pairs = {(a, b) for a, b in itertools.product(range(30), repeat=2) if (a + b) % 5 == 0}
    grouped = {k: len(list(g)) for k, g in itertools.groupby(sorted(range(n), key=lambda x: x % 10),
                                                              key=lambda x: x % 10)}
    total = functools.reduce(lambda a, b: a + b, squares, 0)
    mixed = sum(combine(i, i + 1, scale=2, tag=i) for i in range(n))
    chained = sum(itertools.islice(itertools.chain(range(10), fib_gen(1000)), 15))
    return {"fibs": len(fibs), "count": counter(), "parts": parts, "depth": depth,
            "errors": errors, "inside": inside, "pairs": len(pairs), "grouped": len(grouped),
            "total": total, "mixed": mixed, "chained": chained}
