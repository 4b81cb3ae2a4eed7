"""Training: classes and objects. Attribute and method lookups, properties, inheritance and
super(), __slots__, dunder methods, isinstance, dataclass-like records sorted by key."""


class Shape:
    def __init__(self, name):
        self.name = name

    def area(self):
        raise NotImplementedError

    def describe(self):
        return "%s with area %.2f" % (self.name, self.area())


class Rect(Shape):
    def __init__(self, w, h):
        super().__init__("rect")
        self.w = w
        self.h = h

    def area(self):
        return self.w * self.h

    @property
    def perimeter(self):
        return 2 * (self.w + self.h)


class Square(Rect):
    def __init__(self, side):
        super().__init__(side, side)
        self.name = "square"


class Circle(Shape):
    def __init__(self, r):
        super().__init__("circle")
        self.r = r

    def area(self):
        return 3.14159 * self.r * self.r


class Point:
    __slots__ = ("x", "y")

    def __init__(self, x, y):
        self.x = x
        self.y = y

    def __eq__(self, other):
        return isinstance(other, Point) and self.x == other.x and self.y == other.y

    def __hash__(self):
        return hash((self.x, self.y))

    def __repr__(self):
        return "Point(%r, %r)" % (self.x, self.y)


class Account:
    def __init__(self, owner, balance=0):
        self.owner = owner
        self.balance = balance
        self.history = []

    def deposit(self, amount):
        if amount <= 0:
            raise ValueError("amount must be positive")
        self.balance += amount
        self.history.append(("deposit", amount))

    def withdraw(self, amount):
        if amount > self.balance:
            raise ValueError("insufficient funds")
        self.balance -= amount
        self.history.append(("withdraw", amount))


def main(args):
    n = int(args.get("n", 3000))
    shapes = []
    for i in range(n):
        kind = i % 3
        shapes.append(Rect(i % 7 + 1, i % 5 + 1) if kind == 0 else
                      Square(i % 9 + 1) if kind == 1 else Circle(i % 4 + 1))
    total = sum(s.area() for s in shapes)
    perimeters = sum(s.perimeter for s in shapes if isinstance(s, Rect))
    texts = [s.describe() for s in shapes[:200]]
    points = {Point(i % 50, i % 30) for i in range(n)}
    accounts = [Account("owner%d" % i, i) for i in range(100)]
    failures = 0
    for i in range(n):
        acct = accounts[i % len(accounts)]
        try:
            if i % 4 == 0:
                acct.withdraw(i % 17)
            else:
                acct.deposit(i % 13 + 1)
        except ValueError:
            failures += 1
    ranked = sorted(accounts, key=lambda a: (a.balance, a.owner), reverse=True)
    return {"total": round(total, 3), "perimeters": perimeters, "texts": len(texts),
            "points": len(points), "failures": failures, "top": ranked[0].owner}
