"""FINRA audit, the last step: takes the Parallel state's output (a JSON array, one entry per
branch), combines the validators' verdicts and checks the maintenance margin (FINRA rule 4210:
at least 25% of the market value of the long positions) against the account's balance."""
from finra_common import MARGIN, trades

MAINTENANCE = 0.25


def main(events):
    if not isinstance(events, list):
        raise TypeError("marginBalance expects the array of the branches' outputs")
    market = None
    portfolio = None
    valid = True
    checks = {}
    for event in events:
        body = event["body"]
        portfolio = body.get("portfolio", portfolio)
        if "marketData" in body:
            market = body["marketData"]
        else:
            valid = valid and body["valid"]
            checks[body["check"]] = checks.get(body["check"], 0) + 1
    if market is None or portfolio is None:
        raise ValueError("no market data or no portfolio among %d branch outputs" % len(events))
    value = sum(t["LastQty"] * market[t["Security"]] for t in trades(portfolio))
    balance = MARGIN[portfolio]
    return {"statusCode": 200,
            "body": {"portfolio": portfolio, "validFormat": valid,
                     "marginSatisfied": balance >= MAINTENANCE * value,
                     "marketValue": round(value, 2), "marginBalance": balance,
                     "branches": len(events), "checks": checks}}
