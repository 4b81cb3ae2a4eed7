"""FINRA audit, one branch: every trade's Side (FIX tag 54) is buy (1), sell (2) or sell short
(5)."""
from finra_common import check

SIDES = {"1", "2", "5"}


def main(event):
    return check(event, "side", lambda t: t.get("Side") in SIDES)
