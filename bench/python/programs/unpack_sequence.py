"""Unpack sequence: assign the items of tuples and lists to many names at once
(`a, b, c, ... = t`), the UNPACK_SEQUENCE bytecode, with fixed-size tuples and lists and a
starred target.

Exercises the interpreter's dispatch loop on very short, very frequent instructions: almost
no allocation, almost no calls.
"""

DEFAULT_ARGS = {"loops": 100000}


def unpack_tuples(loops):
    t = (1, 2, 3, 4, 5, 6, 7, 8, 9, 10)
    total = 0
    for _ in range(loops):
        a, b, c, d, e, f, g, h, i, j = t
        a, b, c, d, e, f, g, h, i, j = t
        a, b, c, d, e, f, g, h, i, j = t
        a, b, c, d, e, f, g, h, i, j = t
        a, b, c, d, e, f, g, h, i, j = t
        a, b, c, d, e, f, g, h, i, j = t
        a, b, c, d, e, f, g, h, i, j = t
        a, b, c, d, e, f, g, h, i, j = t
        a, b, c, d, e, f, g, h, i, j = t
        a, b, c, d, e, f, g, h, i, j = t
        total += a + j
    return total


def unpack_lists(loops):
    s = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]
    total = 0
    for _ in range(loops):
        a, b, c, d, e, f, g, h, i, j = s
        a, b, c, d, e, f, g, h, i, j = s
        a, b, c, d, e, f, g, h, i, j = s
        a, b, c, d, e, f, g, h, i, j = s
        a, b, c, d, e, f, g, h, i, j = s
        a, b, c, d, e, f, g, h, i, j = s
        a, b, c, d, e, f, g, h, i, j = s
        a, b, c, d, e, f, g, h, i, j = s
        a, b, c, d, e, f, g, h, i, j = s
        a, b, c, d, e, f, g, h, i, j = s
        total += b + i
    return total


def unpack_pairs(loops):
    pairs = [(k, k * k) for k in range(10)]
    total = 0
    for _ in range(loops):
        for x, y in pairs:
            total += y - x
        first, *middle, last = pairs
        total += len(middle) + last[0] - first[0]
    return total


def main(args):
    loops = int(args.get("loops", DEFAULT_ARGS["loops"]))
    return {"tuples": unpack_tuples(loops), "lists": unpack_lists(loops),
            "pairs": unpack_pairs(loops)}
