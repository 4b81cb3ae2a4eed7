"""FINRA audit, one branch: every trade's TradeDate (FIX tag 75, YYYYMMDD) is a real calendar
day."""
import datetime

from finra_common import check


def date_ok(trade):
    d = trade.get("TradeDate")
    if not isinstance(d, str) or len(d) != 8 or not d.isdigit():
        return False
    try:
        datetime.date(int(d[:4]), int(d[4:6]), int(d[6:]))
    except ValueError:
        return False
    return True


def main(event):
    return check(event, "trddate", date_ok)
