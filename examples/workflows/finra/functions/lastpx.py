"""FINRA audit, one branch: every trade's LastPx (FIX tag 31) is a positive decimal with 1 to 6
integer digits and 2 to 4 fraction digits."""
from finra_common import check


def price_ok(trade):
    px = trade.get("LastPx")
    if not isinstance(px, str) or px.count(".") != 1:
        return False
    whole, frac = px.split(".")
    return (whole.isdigit() and frac.isdigit() and 1 <= len(whole) <= 6
            and 2 <= len(frac) <= 4 and float(px) > 0)


def main(event):
    return check(event, "lastpx", price_ok)
