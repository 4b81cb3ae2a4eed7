"""FINRA audit, one branch: every trade's LastQty (FIX tag 32) is a whole number of round lots
(multiples of 10 shares here), at least one lot and at most 100,000 shares."""
from finra_common import check


def qty_ok(trade):
    q = trade.get("LastQty")
    return isinstance(q, int) and 10 <= q <= 100000 and q % 10 == 0


def main(event):
    return check(event, "volume", qty_ok)
