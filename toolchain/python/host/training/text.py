"""Training: text. str methods, formatting (%, format, f-strings), split/join, encode/decode,
regular expressions, json round trips of nested records."""
import json
import re

WORDS = ("alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi omicron pi "
         "rho sigma tau upsilon phi chi psi omega").split()
EMAIL = re.compile(r"^([a-z0-9._-]+)@([a-z0-9-]+)\.([a-z]{2,})$")
NUMBER = re.compile(r"\d+")


def main(args):
    n = int(args.get("n", 2000))
    lines = []
    for i in range(n):
        w = WORDS[i % len(WORDS)]
        lines.append(f"{i:05d} {w.upper()} {w.title()} {len(w):>3} {i / 7:.3f} {w[::-1]}")
    text = "\n".join(lines)
    counts = {}
    for word in text.lower().split():
        counts[word] = counts.get(word, 0) + 1
    emails = ["%s.%d@example%d.org" % (WORDS[i % 24], i, i % 3) for i in range(n // 4)]
    matched = sum(1 for e in emails if EMAIL.match(e))
    digits = sum(int(m) for m in NUMBER.findall(text[:20000]))
    records = [{"id": i, "name": WORDS[i % 24], "tags": WORDS[i % 5:i % 5 + 3],
                "score": i * 0.5, "active": i % 2 == 0, "meta": {"n": i, "s": str(i)}}
               for i in range(n // 4)]
    encoded = json.dumps(records, sort_keys=True)
    decoded = json.loads(encoded)
    replaced = text.replace("ALPHA", "A").count("A")
    parts = [s.strip().partition(" ")[2] for s in lines[:500]]
    raw = text.encode("utf-8")
    return {"words": len(counts), "matched": matched, "digits": digits,
            "json": len(encoded), "decoded": len(decoded), "replaced": replaced,
            "parts": len(parts), "bytes": len(raw.decode("utf-8")),
            "joined": "-".join(sorted(counts)[:5]), "fmt": "{:>10}|{:<5}".format("x", n)}
