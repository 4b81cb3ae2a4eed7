"""The no-op function: measures what one invocation costs, not what Python computes."""


def main(args):
    return 0
