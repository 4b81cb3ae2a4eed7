def helper(n):
    raise ValueError("boom %d" % n)


def main(args):
    return helper(args.get("n", 1))
