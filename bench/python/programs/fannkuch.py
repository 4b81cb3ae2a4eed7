"""Fannkuch-redux: for every permutation of 1..n, count the prefix reversals ("pancake flips")
until 1 is at the front; report the maximum and an alternating-sign checksum.

Exercises list slicing and reversal, small-int comparisons and tight while loops.
"""

DEFAULT_ARGS = {"n": 8, "repeat": 4}


def fannkuch(n):
    perm1 = list(range(n))
    count = [0] * n
    max_flips = 0
    checksum = 0
    sign = 1
    r = n
    while True:
        # Flip a copy of the current permutation.
        perm = perm1[:]
        flips = 0
        first = perm[0]
        while first:
            perm[:first + 1] = perm[first::-1]
            flips += 1
            first = perm[0]
        if flips > max_flips:
            max_flips = flips
        checksum += sign * flips
        sign = -sign
        # Next permutation, in the counting order of the original benchmark's rotations.
        while r != 1:
            count[r - 1] = r
            r -= 1
        while True:
            if r == n:
                return max_flips, checksum
            head = perm1[0]
            perm1[:r] = perm1[1:r + 1]
            perm1[r] = head
            count[r] -= 1
            if count[r] > 0:
                break
            r += 1


def main(args):
    n = int(args.get("n", DEFAULT_ARGS["n"]))
    repeat = int(args.get("repeat", DEFAULT_ARGS["repeat"]))
    results = {fannkuch(n) for _ in range(repeat)}
    assert len(results) == 1
    max_flips, checksum = results.pop()
    return {"n": n, "max_flips": max_flips, "checksum": checksum}
