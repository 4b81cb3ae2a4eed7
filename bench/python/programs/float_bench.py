"""Float: build many small point objects from sin/cos, normalise each in place, then reduce
them to a component-wise maximum.

Exercises object allocation and deallocation, float attribute arithmetic, math.sin/cos/sqrt
and method calls. Results are rounded to 9 significant digits so that libm differences of an
ulp (glibc natively, wasi-libc in Wasmlet) cannot change them.
"""

from math import cos, sin, sqrt

DEFAULT_ARGS = {"points": 100000, "rounds": 2}


class Point:
    __slots__ = ("x", "y", "z")

    def __init__(self, i):
        self.x = x = sin(i)
        self.y = cos(i) * 3.0
        self.z = (x * x) / 2.0

    def normalise(self):
        norm = sqrt(self.x * self.x + self.y * self.y + self.z * self.z)
        self.x /= norm
        self.y /= norm
        self.z /= norm

    def take_max(self, other):
        if other.x > self.x:
            self.x = other.x
        if other.y > self.y:
            self.y = other.y
        if other.z > self.z:
            self.z = other.z
        return self


def one_round(n):
    points = [Point(i) for i in range(n)]
    for p in points:
        p.normalise()
    best = points[0]
    for p in points[1:]:
        best = best.take_max(p)
    return best


def main(args):
    n = int(args.get("points", DEFAULT_ARGS["points"]))
    rounds = int(args.get("rounds", DEFAULT_ARGS["rounds"]))
    summary = None
    for _ in range(rounds):
        best = one_round(n)
        summary = [f"{best.x:.9g}", f"{best.y:.9g}", f"{best.z:.9g}"]
    return {"points": n, "max": summary}
