"""Regex: a mix of typical regular-expression work on a generated log-like text: findall of
e-mail addresses, dates, IPv4 addresses and hex numbers, search and match with alternations
and back-references, sub with a group template and with a callback, split, and one pattern
that backtracks over many ways to split a line (polynomial, not exponential).

Exercises the sre engine (compiled patterns are module-level, made at import, as real code
does) and the str/list work around it.
"""

import random
import re

DEFAULT_ARGS = {"lines": 3500, "seed": 7}

EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[a-z]{2,6}\b")
DATE = re.compile(r"\b(\d{4})-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])\b")
IPV4 = re.compile(r"\b(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)\b")
HEX = re.compile(r"\b0x[0-9a-fA-F]+\b")
LEVEL = re.compile(r"^\[(DEBUG|INFO|WARN(?:ING)?|ERROR|FATAL)\]\s+(\w+):")
REPEATED = re.compile(r"\b(\w+)\s+\1\b", re.IGNORECASE)
KEY_VALUE = re.compile(r"(\w+)=(\"[^\"]*\"|\S+)")
SPLITTER = re.compile(r"[\s,;:]+")
NUMBER = re.compile(r"-?\d+(?:\.\d+)?")
BACKTRACK = re.compile(r"^(?:[a-z]+\s)*?(?:[a-z]+\s)*[a-z]+\s[A-Z]{3}\d$")  # tries many splits

NAMES = ["ada", "alan", "grace", "linus", "guido", "barbara", "ken", "dennis", "edsger", "niklaus"]
DOMAINS = ["example.com", "mail.example.org", "uni-x.edu", "dev.test.io", "corp.local.net"]
LEVELS = ["DEBUG", "INFO", "WARN", "WARNING", "ERROR", "FATAL"]
WORDS = ["the", "request", "failed", "after", "retry", "cache", "miss", "for", "user", "token",
         "expired", "ok", "slow", "disk", "the", "queue", "is", "is", "full"]


def make_text(lines, seed):
    rng = random.Random(seed)
    out = []
    for i in range(lines):
        words = [rng.choice(WORDS) for _ in range(rng.randrange(3, 12))]
        parts = [f"[{rng.choice(LEVELS)}]", f"{rng.choice(NAMES)}{i % 50}:", " ".join(words)]
        kind = rng.randrange(6)
        if kind == 0:
            parts.append(f"from {rng.choice(NAMES)}.{rng.choice(NAMES)}@{rng.choice(DOMAINS)}")
        elif kind == 1:
            parts.append(f"at {rng.randrange(1990, 2030)}-{rng.randrange(1, 14):02d}-"
                         f"{rng.randrange(1, 33):02d}")
        elif kind == 2:
            parts.append(".".join(str(rng.randrange(0, 300)) for _ in range(4)))
        elif kind == 3:
            parts.append(f"addr=0x{rng.getrandbits(32):08x} size={rng.randrange(10**6)}")
        elif kind == 4:
            parts.append(f'msg="{rng.choice(WORDS)} {rng.choice(WORDS)}" took={rng.random():.3f}')
        else:
            parts.append(f"value={-rng.randrange(1000)}, {rng.randrange(1000)}; done")
        out.append(" ".join(parts))
    return out


def main(args):
    a = dict(DEFAULT_ARGS, **args)
    lines = make_text(int(a["lines"]), int(a["seed"]))
    text = "\n".join(lines)
    result = {
        "emails": len(EMAIL.findall(text)),
        "dates": len(DATE.findall(text)),
        "ips": len(IPV4.findall(text)),
        "hex": sum(int(h, 16) for h in HEX.findall(text)) % 1000003,
        "numbers": len(NUMBER.findall(text)),
    }
    levels = {}
    repeated = 0
    pairs = 0
    tokens = 0
    backtracked = 0
    for line in lines:
        m = LEVEL.match(line)
        if m:
            levels[m.group(1)] = levels.get(m.group(1), 0) + 1
        if REPEATED.search(line):
            repeated += 1
        pairs += len(KEY_VALUE.findall(line))
        tokens += len(SPLITTER.split(line))
        words = line.split(":", 1)[-1][:40].strip().lower()
        if BACKTRACK.match(words + " ABC1" if len(words) % 2 else words):
            backtracked += 1
    redacted = EMAIL.sub("<email>", text)
    reordered = DATE.sub(r"\3/\2/\1", redacted)
    masked = IPV4.sub(lambda m: m.group(0).rsplit(".", 1)[0] + ".x", reordered)
    result.update({
        "levels": sorted(levels.items()),
        "repeated": repeated,
        "pairs": pairs,
        "tokens": tokens,
        "backtracked": backtracked,
        "length": len(masked),
    })
    return result
