"""Dict/str: text processing with dicts and strings: tokenise a generated corpus, count words
and bigrams in dicts, build an inverted index (word to line numbers), group by prefix,
format a report with f-strings, str.join, str.replace, case changes and slicing, and sort.

Exercises dict lookups and insertions with str keys (hashing, interning), str methods,
string building and sorting with key functions.
"""

import random

DEFAULT_ARGS = {"lines": 5000, "seed": 99}

SYLLABLES = ["ka", "lo", "mi", "ne", "su", "ta", "ri", "po", "an", "el", "or", "us", "qua",
             "zen", "tho", "bri", "ex", "yl"]


def make_corpus(lines, seed):
    rng = random.Random(seed)
    vocabulary = []
    for _ in range(800):
        vocabulary.append("".join(rng.choice(SYLLABLES) for _ in range(rng.randrange(1, 4))))
    corpus = []
    for _ in range(lines):
        words = [rng.choice(vocabulary) for _ in range(rng.randrange(5, 20))]
        if rng.random() < 0.3:
            words[0] = words[0].capitalize()
        corpus.append(" ".join(words) + rng.choice([".", "!", "?", ", and so on."]))
    return corpus


def main(args):
    a = dict(DEFAULT_ARGS, **args)
    corpus = make_corpus(int(a["lines"]), int(a["seed"]))

    counts = {}
    bigrams = {}
    index = {}
    for number, line in enumerate(corpus):
        cleaned = line.lower().replace(",", " ").replace(".", " ").replace("!", " ")
        cleaned = cleaned.replace("?", " ")
        words = cleaned.split()
        for w in words:
            counts[w] = counts.get(w, 0) + 1
            lines_of = index.get(w)
            if lines_of is None:
                index[w] = [number]
            elif lines_of[-1] != number:
                lines_of.append(number)
        for left, right in zip(words, words[1:]):
            key = left + " " + right
            bigrams[key] = bigrams.get(key, 0) + 1

    by_prefix = {}
    for w, c in counts.items():
        by_prefix.setdefault(w[:2], {})[w] = c

    top = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:25]
    top_bigrams = sorted(bigrams.items(), key=lambda kv: (-kv[1], kv[0]))[:10]
    report = []
    for w, c in top:
        report.append(f"{w.upper():>12} {c:6d} {len(index[w]):5d} {w[::-1]:<12}|")
    for prefix in sorted(by_prefix):
        group = by_prefix[prefix]
        report.append(prefix.title() + ": " + ", ".join(
            f"{w}={c}" for w, c in sorted(group.items())[:8]))
    text = "\n".join(report)

    # Rebuild every line from the index (word -> lines) to make many small strings.
    rebuilt = {}
    for w, numbers in index.items():
        for n in numbers:
            rebuilt.setdefault(n, []).append(w)
    signature = 0
    for n in sorted(rebuilt):
        line = "-".join(sorted(rebuilt[n])).swapcase()
        signature = (signature * 131 + len(line) + line.count("A")) % 1000000007

    return {
        "distinct": len(counts),
        "bigrams": len(bigrams),
        "top": [w for w, _ in top[:5]],
        "top_bigram": top_bigrams[0][0],
        "report_len": len(text),
        "report_sum": sum(text.encode()) % 1000003,
        "signature": signature,
    }
