"""FINRA audit, one branch: the closing prices of the portfolio type's securities (Faastlane's
version asks Yahoo Finance; this one reads a synthetic price list shipped in data/)."""
from finra_common import MARKET, request


def main(event):
    portfolio_type, portfolio = request(event)
    if portfolio_type not in MARKET:
        raise KeyError("no market data for portfolio type %r" % portfolio_type)
    return {"statusCode": 200,
            "body": {"marketData": dict(MARKET[portfolio_type]), "portfolio": portfolio}}
