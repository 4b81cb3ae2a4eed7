#!/usr/bin/env python3
"""Writes the FINRA example's synthetic data into functions/data/, or into the directory given
as its argument (deterministic: the same files every time; the generated files are committed,
so this only needs re-running after a change here).

  portfolios.json  {"<portfolio id>": [trade, ...]}, a trade being
                   {"Security", "LastQty", "LastPx", "Side", "TradeDate", "Account"}
  margin.json      {"<portfolio id>": margin account balance in dollars}
  marketdata.json  {"<portfolio type>": {"<security>": closing price}}

Three portfolios, each with a known outcome (the tests check these):

  1234  every trade well formed, margin satisfied     -> validFormat true,  marginSatisfied true
  5678  one trade dated 2024-02-30 (no such day)      -> validFormat false, marginSatisfied true
  9012  well formed, margin balance too low           -> validFormat true,  marginSatisfied false
"""
import json
import pathlib
import random
import sys

OUT = pathlib.Path(__file__).resolve().parent / "functions" / "data"
TRADES_PER_PORTFOLIO = 240

MARKET = {
    "S&P": {"GOOG": 141.8, "AMZN": 152.31, "MSFT": 376.04, "AAPL": 193.58, "NVDA": 495.22,
            "META": 353.96, "BRK.B": 362.11, "JPM": 170.1},
    "NASDAQ": {"GOOG": 141.8, "AMZN": 152.31, "MSFT": 376.04, "INTC": 50.25, "CSCO": 50.52},
}


def price_string(rng, base):
    # FIX tag 31 (LastPx) as the exchange reported it: a decimal with 2 to 4 fraction digits.
    px = base * rng.uniform(0.97, 1.03)
    return "%.*f" % (rng.choice((2, 3, 4)), px)


def trades(rng, portfolio_type, count):
    securities = sorted(MARKET[portfolio_type])
    out = []
    for _ in range(count):
        sec = rng.choice(securities)
        month = rng.randint(1, 12)
        out.append({
            "Security": sec,
            "LastQty": rng.randint(1, 40) * 10,
            "LastPx": price_string(rng, MARKET[portfolio_type][sec]),
            "Side": rng.choice(("1", "2", "5")),  # FIX tag 54: buy, sell, sell short
            "TradeDate": "2024%02d%02d" % (month, rng.randint(1, 28)),
            "Account": "ACC%05d" % rng.randint(0, 99999),
        })
    return out


def market_value(ts, portfolio_type):
    return sum(t["LastQty"] * MARKET[portfolio_type][t["Security"]] for t in ts)


def main():
    rng = random.Random(20241130)
    portfolios = {
        "1234": trades(rng, "S&P", TRADES_PER_PORTFOLIO),
        "5678": trades(rng, "S&P", TRADES_PER_PORTFOLIO),
        "9012": trades(rng, "S&P", TRADES_PER_PORTFOLIO),
    }
    portfolios["5678"][117]["TradeDate"] = "20240230"
    margin = {
        "1234": round(0.31 * market_value(portfolios["1234"], "S&P"), 2),
        "5678": round(0.40 * market_value(portfolios["5678"], "S&P"), 2),
        "9012": round(0.19 * market_value(portfolios["9012"], "S&P"), 2),
    }
    out = pathlib.Path(sys.argv[1]) if len(sys.argv) > 1 else OUT
    out.mkdir(parents=True, exist_ok=True)
    for name, value in (("portfolios.json", portfolios), ("margin.json", margin),
                        ("marketdata.json", MARKET)):
        (out / name).write_text(json.dumps(value, indent=None, separators=(",", ":")) + "\n")


if __name__ == "__main__":
    main()
