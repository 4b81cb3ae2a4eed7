import json

from helpers import mathx
from helpers.text import shout

with open("data/config.json") as f:  # relative to the package root
    CONFIG = json.load(f)


def main(args):
    x = args.get("x", 3)
    return {"result": mathx.scaled(x), "label": shout(CONFIG["label"])}
