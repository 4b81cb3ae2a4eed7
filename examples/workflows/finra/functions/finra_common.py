"""What the FINRA audit's functions share: the data files (read relative to the package root,
once, at import: on Wasmlet that happens before the Proto-Faaslet is taken, so a call finds
them already parsed) and the shape of a check's reply."""
import json
import os

_HERE = os.path.dirname(os.path.abspath(__file__))


def _load(name):
    with open(os.path.join(_HERE, "data", name)) as f:
        return json.load(f)


PORTFOLIOS = _load("portfolios.json")
MARGIN = _load("margin.json")
MARKET = _load("marketdata.json")


def request(event):
    """(portfolio type, portfolio id) of a request {"body": {"portfolioType", "portfolio"}}."""
    body = event.get("body", {}) if isinstance(event, dict) else {}
    return body.get("portfolioType", "S&P"), str(body.get("portfolio", ""))


def trades(portfolio):
    if portfolio not in PORTFOLIOS:
        raise KeyError("no portfolio %r" % portfolio)
    return PORTFOLIOS[portfolio]


def check(event, name, trade_ok):
    """Runs trade_ok over every trade of the event's portfolio; the reply a validator gives."""
    _, portfolio = request(event)
    bad = [i for i, t in enumerate(trades(portfolio)) if not trade_ok(t)]
    return {"statusCode": 200,
            "body": {"check": name, "portfolio": portfolio, "valid": not bad,
                     "trades": len(PORTFOLIOS[portfolio]), "firstInvalid": bad[0] if bad else None}}
