"""Pi digits: the first n decimal digits of pi from Gibbons's unbounded spigot algorithm,
which composes linear fractional transformations held as four arbitrary-precision integers.

Exercises CPython's bignum multiplication, addition and floor division on numbers of
thousands of digits; almost no time is spent in the bytecode loop.
"""

DEFAULT_ARGS = {"digits": 1800}


def pi_digits(n):
    # The state is the transformation (q r; 0 t) with a running k, as in the streaming form.
    q, r, t, k = 1, 0, 1, 1
    digits = []
    while len(digits) < n:
        # Take the next term of the series until the next digit is fixed.
        while True:
            # The rest of the series maps into [3, 4]: when both ends give the same
            # integer part, the next digit is fixed.
            digit = (3 * q + r) // t
            if digit == (4 * q + r) // t:
                break
            q, r, t = q * k, (2 * q + r) * (2 * k + 1), t * (2 * k + 1)
            k += 1
        digits.append(digit)
        q, r = 10 * q, 10 * (r - digit * t)
    return digits


def main(args):
    n = int(args.get("digits", DEFAULT_ARGS["digits"]))
    digits = pi_digits(n)
    text = "".join(map(str, digits))
    return {"digits": n, "head": text[:20], "tail": text[-20:], "sum": sum(digits)}
