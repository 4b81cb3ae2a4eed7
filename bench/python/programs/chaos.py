"""Chaos: a chaos game. A point jumps, at random, halfway towards one of several attractor
points and is then pulled towards a position on a piecewise cubic Bezier curve (evaluated with
de Casteljau's construction on small vector objects); the points it visits are counted on a
pixel grid.

Exercises operator overloading on small objects (__add__, __sub__, __mul__), allocation,
random.Random and float-to-int conversion. Only +, -, *, / are used on floats, so the result
is bit-identical on every IEEE-754 platform; it is a digest of the pixel counts.
"""

import random

DEFAULT_ARGS = {"iterations": 20000, "width": 128, "height": 128, "seed": 1234}


class Vec:
    __slots__ = ("x", "y")

    def __init__(self, x, y):
        self.x = x
        self.y = y

    def __add__(self, other):
        return Vec(self.x + other.x, self.y + other.y)

    def __sub__(self, other):
        return Vec(self.x - other.x, self.y - other.y)

    def __mul__(self, k):
        return Vec(self.x * k, self.y * k)

    def lerp(self, other, t):
        return self + (other - self) * t


class Curve:
    """Cubic Bezier segments sharing end points: control points 3k..3k+3 make segment k."""

    def __init__(self, points):
        if (len(points) - 1) % 3:
            raise ValueError("a curve needs 3k+1 control points")
        self.points = [Vec(x, y) for x, y in points]
        self.segments = (len(points) - 1) // 3

    def at(self, t):
        scaled = t * self.segments
        k = int(scaled)
        if k >= self.segments:
            k = self.segments - 1
        u = scaled - k
        p = self.points[3 * k:3 * k + 4]
        while len(p) > 1:
            p = [p[i].lerp(p[i + 1], u) for i in range(len(p) - 1)]
        return p[0]


ATTRACTORS = [(0.0, 0.0), (1.0, 0.0), (0.5, 1.0), (0.15, 0.6), (0.85, 0.6)]
WEIGHTS = [0.3, 0.3, 0.2, 0.1, 0.1]
CURVES = [
    [(0.1, 0.1), (0.3, 0.9), (0.6, 0.05), (0.9, 0.8), (0.95, 0.5), (0.7, 0.2), (0.4, 0.4)],
    [(0.9, 0.1), (0.5, 0.5), (0.2, 0.2), (0.1, 0.9)],
    [(0.5, 0.0), (0.0, 0.5), (1.0, 0.5), (0.5, 1.0), (0.25, 0.75), (0.75, 0.25), (0.5, 0.5)],
]


def play(iterations, width, height, seed):
    rng = random.Random(seed)
    attractors = [Vec(x, y) for x, y in ATTRACTORS]
    curves = [Curve(c) for c in CURVES]
    cumulative = []
    total = 0.0
    for w in WEIGHTS:
        total += w
        cumulative.append(total)
    grid = [0] * (width * height)
    p = Vec(0.5, 0.5)
    for _ in range(iterations):
        r = rng.random() * total
        i = 0
        while cumulative[i] < r:
            i += 1
        p = p.lerp(attractors[i], 0.5)
        curve = curves[i % len(curves)]
        p = p.lerp(curve.at(p.x if i & 1 else p.y), 0.25)
        x = min(max(p.x, 0.0), 1.0)
        y = min(max(p.y, 0.0), 1.0)
        grid[int(y * (height - 1)) * width + int(x * (width - 1))] += 1
    return grid


def main(args):
    a = dict(DEFAULT_ARGS, **args)
    grid = play(int(a["iterations"]), int(a["width"]), int(a["height"]), int(a["seed"]))
    digest = 0
    for i, count in enumerate(grid):
        if count:
            digest = (digest * 31 + i * 7 + count) % 4294967291
    return {"lit": sum(1 for c in grid if c), "max": max(grid), "digest": digest}
