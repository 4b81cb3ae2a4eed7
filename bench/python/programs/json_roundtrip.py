"""JSON: serialise a deterministic document of nested dicts and lists (ASCII and non-ASCII
strings, ints, floats, booleans, nulls) with json.dumps in several styles, parse it back with
json.loads and check that the round trip is exact.

Exercises the json C accelerator (_json) for encoding and decoding, string escaping and float
repr/parsing, plus dict and list construction.
"""

import json
import random

DEFAULT_ARGS = {"records": 300, "repeat": 5, "seed": 42}

WORDS = ["alpha", "beta", "gamma", "delta", "epsilon", "zeta", "ëta", "thêta", "iota", "kappa",
         "lambda", "mu", "ñu", "xi", "omicron", "pi", "rhô", "sigma", "tau", "ypsilon", "φ",
         "chi", "psi", "ω", "quote\"d", "back\\slash", "tab\there", "new\nline", "日本語"]


def make_document(records, seed):
    rng = random.Random(seed)
    items = []
    for i in range(records):
        items.append({
            "id": i,
            "name": " ".join(rng.choice(WORDS) for _ in range(rng.randrange(1, 6))),
            "score": rng.randrange(-10**6, 10**6) / 1000,
            "ratio": rng.random(),
            "big": rng.getrandbits(64),
            "active": rng.random() < 0.5,
            "parent": None if i % 7 == 0 else i // 2,
            "tags": [rng.choice(WORDS) for _ in range(rng.randrange(0, 5))],
            "history": [[rng.randrange(1000), rng.random() * 100] for _ in range(3)],
            "meta": {"created": f"2024-{1 + i % 12:02d}-{1 + i % 28:02d}",
                     "depth": {"a": {"b": {"c": [i, str(i), i * 0.5]}}}},
        })
    return {"version": 3, "generator": "wasmlet-bench", "items": items}


def checksum(text):
    data = text.encode("utf-8")
    return (len(data), sum(data) % 1000003)


def main(args):
    a = dict(DEFAULT_ARGS, **args)
    doc = make_document(int(a["records"]), int(a["seed"]))
    sizes = []
    for _ in range(int(a["repeat"])):
        compact = json.dumps(doc, separators=(",", ":"))
        ascii_text = json.dumps(doc, ensure_ascii=True, indent=None)
        pretty = json.dumps(doc, ensure_ascii=False, indent=2, sort_keys=True)
        for text in (compact, ascii_text, pretty):
            if json.loads(text) != doc:
                raise AssertionError("json round trip changed the document")
        sizes = [checksum(compact), checksum(ascii_text), checksum(pretty)]
    return {"records": len(doc["items"]), "sizes": sizes}
