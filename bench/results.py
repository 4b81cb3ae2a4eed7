#!/usr/bin/python3
"""Turns what a benchmark printed into its figures as JSON, for bench/plot.py.

Every benchmark already prints Markdown tables (docs/benchmarks.md copies them). Rather than
teach each C++, shell and Python benchmark to write JSON, `./run bench NAME` keeps its printed
output and this script reads the tables back (Google Benchmark's own JSON for `auth`, the
benchmark's --json for `flask`). One shape fits all of them:

    {"bench": "http", "date": "2026-11-30", "command": "./run bench http",
     "source": "...",                       # only for figures copied from docs/benchmarks.md
     "note": "...",                         # optional: the conditions of the run
     "series": [{"metric": "throughput", "unit": "req/s", "group": "c=10",
                 "label": "wasmlet serve", "baseline": false, "value": 62111.0}, ...]}

A "metric" is one panel of the plot, a "group" one cluster of bars in it, a "label" one system
(the same colour in every panel); baselines are what Wasmlet is compared with.

Usage: results.py NAME INPUT OUTPUT.json [--command CMD]
  INPUT is the benchmark's captured stdout (auth: its --benchmark_out JSON; flask: its --json).
"""
import argparse
import datetime
import json
import re
import statistics
import sys


def point(metric, unit, group, label, value, baseline=False):
    """One bar of the plot: the common record every extractor emits."""
    return {"metric": metric, "unit": unit, "group": group, "label": label,
            "baseline": baseline, "value": round(value, 9)}  # no 119.00000000000001


def markdown_tables(text):
    """Every Markdown table in text as (header cells, rows of cells), in order."""
    tables, lines = [], text.splitlines()
    i = 0
    while i < len(lines):
        is_header = lines[i].lstrip().startswith("|") and i + 1 < len(lines) and \
            re.match(r"^\s*\|[\s:|-]+\|\s*$", lines[i + 1]) and "-" in lines[i + 1]
        if not is_header:
            i += 1
            continue
        header = cells(lines[i])
        rows, i = [], i + 2
        while i < len(lines) and lines[i].lstrip().startswith("|"):
            rows.append(cells(lines[i]))
            i += 1
        tables.append((header, rows))
    return tables


def cells(line):
    """The cells of one table line, without Markdown emphasis."""
    return [c.strip().replace("**", "") for c in line.strip().strip("|").split("|")]


def table(text, first_header):
    """The last table whose first header cell starts with first_header (the latest result)."""
    found = [t for t in markdown_tables(text) if t[0][0].lower().startswith(first_header.lower())]
    if not found:
        raise ValueError("no table starting with '%s'" % first_header)
    return found[-1]


def column(header, *words):
    """Index of the first header cell containing every one of words."""
    for i, h in enumerate(header):
        if all(w.lower() in h.lower() for w in words):
            return i
    raise ValueError("no column with %s in %s" % (words, header))


def number(text):
    """The first number in a cell ("27,682", "1.2x", "25% (31%)")."""
    m = re.search(r"-?\d[\d,]*(?:\.\d+)?", text)
    if not m:
        raise ValueError("no number in '%s'" % text)
    return float(m.group(0).replace(",", ""))


def to_ms(text):
    """A duration cell as printed by fmt_ms ("94 us", "4.63 ms", "1.2 s") in milliseconds."""
    m = re.search(r"(-?\d[\d,]*(?:\.\d+)?)\s*(us|ms|s)\b", text)
    if not m:
        raise ValueError("no duration in '%s'" % text)
    scale = {"us": 1e-3, "ms": 1.0, "s": 1e3}[m.group(2)]
    return float(m.group(1).replace(",", "")) * scale


def pair(text):
    """Both halves of a "median / p99" cell."""
    a, b = text.split("/", 1)
    return a, b


def engine(text):
    """Wasm through Wasmlet against the same kernel built natively, per kernel."""
    header, rows = table(text, "kernel")
    nat, wasm = column(header, "native ms"), column(header, "wasm ms")
    out = []
    for r in rows:
        if not r[nat] or not r[wasm]:  # a summary row (geometric mean, worst)
            continue
        out.append(point("run time", "ms", r[0], "native (clang -O2)", number(r[nat]), True))
        out.append(point("run time", "ms", r[0], "wasm through Wasmlet", number(r[wasm])))
    return out


FAASLET_ROWS = [  # (start of the printed row, short name, is a process baseline)
    ("fresh instantiate", "fresh instantiate", False),
    ("restore: new `Faaslet` from", "restore", False),
    ("restore: new Faaslet from", "restore", False),
    ("**full invoke on a warm", "full invoke (warm)", False),
    ("full invoke on a warm", "full invoke (warm)", False),
    ("full invoke through", "FaasletPool::call", False),
    ("fork + execv + waitpid, native no-op", "fork + exec", True),
    ("vfork + execv", "vfork + exec", True),
    ("posix_spawn", "posix_spawn", True),
    ("clone into new", "clone + exec (container floor)", True),
]


def faaslet(text):
    """A no-op through a Faaslet (restore, warm call) against starting a native process."""
    header, rows = table(text, "what")
    med = column(header, "median")
    out, seen = [], set()
    for r in rows:
        for start, name, is_process in FAASLET_ROWS:
            if r[0].startswith(start.replace("**", "")) and name not in seen \
                    and "static" not in r[0]:
                seen.add(name)
                out.append(point("no-op start-up or call, median", "us", name,
                                 "process (native)" if is_process else "Faaslet",
                                 number(r[med]), is_process))
    return out


def http(text):
    """wasmlet serve against the Beast floor at each concurrency: req/s and p99."""
    header, rows = table(text, "path")
    conc, w_rps, f_rps = column(header, "concurrency"), column(header, "wasmlet req"), \
        column(header, "floor req")
    w_lat, f_lat = column(header, "wasmlet p50"), column(header, "floor p50")
    out = []
    for r in rows:
        group = ("Faasm JSON " if "Faasm" in r[0] else "") + "c=" + r[conc]
        out.append(point("throughput", "req/s", group, "Beast floor", number(r[f_rps]), True))
        out.append(point("throughput", "req/s", group, "wasmlet serve", number(r[w_rps])))
        out.append(point("p99 latency", "ms", group, "Beast floor", to_ms(pair(r[f_lat])[1]),
                         True))
        out.append(point("p99 latency", "ms", group, "wasmlet serve",
                         to_ms(pair(r[w_lat])[1])))
    return out


def chain(text):
    """A chained call against the same callee over loopback HTTP and a spawned process."""
    header, rows = table(text, "input")
    systems = [("chain median", "chained call (Wasmlet)", False),
               ("HTTP median", "loopback HTTP", True),
               ("spawn+pipe", "posix_spawn + pipe", True)]
    out = []
    for words, label, base in systems:
        i = column(header, words)
        for r in rows:
            median, p99 = pair(r[i])
            out.append(point("median", "us", r[0], label, number(median), base))
            out.append(point("p99", "us", r[0], label, number(p99), base))
    return out


def state(text):
    """A guest reading state (mapped pointer, copy) against a Redis GET of the same size."""
    header, rows = table(text, "value")
    systems = [("mapped ptr", "mapped pointer + sum", False), ("copy + sum", "copy + sum", False),
               ("Redis GET median", "Redis GET (hiredis)", True)]
    out = []
    for words, label, base in systems:
        i = column(header, words)
        for r in rows:
            out.append(point("median", "us", r[0], label, number(pair(r[i])[0]), base))
    return out


def scheduling(text):
    """Tenant meek's echo alone (the baseline) and next to a hog and a storm of cold starts."""
    header, rows = table(text, "meek")
    names = ["alone", "next to a hog", "next to 4 cold starts"]
    rps, p99 = column(header, "req/s"), column(header, "p99")
    out = []
    for name, r in zip(names, rows):
        alone = name == "alone"
        label = "meek alone" if alone else "meek next to a busy tenant"
        out.append(point("throughput", "req/s", name, label, number(r[rps]), alone))
        out.append(point("p99 latency", "ms", name, label, to_ms(r[p99]), alone))
    return out


def python(text):
    """Python programs in Wasmlet against native CPython, and a no-op call's cost."""
    header, rows = table(text, "program")
    nat, wasm = column(header, "native"), column(header, "wasmlet")
    out = []
    for r in rows:
        if r[nat] and r[wasm]:
            out.append(point("program run time, median", "ms", r[0], "native CPython 3.11",
                             number(r[nat]), True))
            out.append(point("program run time, median", "ms", r[0], "Python in Wasmlet",
                             number(r[wasm])))
    try:
        header, rows = table(text, "no-op")
    except ValueError:
        return out
    # A new python3 process first: it is the baseline the ratios are drawn against.
    shorts = [("HTTP invoke", "Wasmlet HTTP invoke", False),
              ("run time", "Wasmlet run time", False),
              ("python3 -c pass", "python3 -c pass", True),
              ("warm call", "native warm call", True)]
    med = column(header, "median")
    for words, name, base in shorts:
        for r in rows:
            if words in r[0]:
                out.append(point("no-op call, median", "us", name,
                                 "native CPython 3.11" if base else "Python in Wasmlet",
                                 number(r[med]), base))
    return out


def workflow(text):
    """A workflow's hop and end to end against HTTP-driven, chain and native orchestration."""
    header, rows = table(text, "example")
    systems = [("workflow", "Wasmlet workflow", False), ("(a) HTTP", "(a) HTTP-driven", True),
               ("(b) chain", "(b) chain orchestrator", True),
               ("(c) native", "(c) native (Faastlane-style)", True)]
    out = []
    for metric, prefix, unit in (("hop", "hop:", "us"), ("end to end", "e2e:", "ms")):
        for words, label, base in systems:
            i = column(header, prefix, words)
            for r in rows:
                if r[i].strip() not in ("-", ""):
                    out.append(point(metric, unit, r[0].split(" (")[0], label,
                                     number(r[i]), base))
    return out


def tenants(text):
    """Keys and quotas against an open server, and alice alone against next to noisy bob."""
    header, rows = table(text, "concurrency")
    out = []
    for words, label, base in (("open", "open (no keys)", True), ("keys", "keys + quotas", False)):
        i = column(header, words)
        for r in rows:
            rps, lat = r[i].split(", ", 1)
            out.append(point("throughput", "req/s", "c=" + r[0], label, number(rps), base))
            out.append(point("p50 latency", "us", "c=" + r[0], label,
                             to_ms(pair(lat)[0]) * 1e3, base))
    header, rows = table(text, "alice")
    rps, p50 = column(header, "req/s"), column(header, "p50")
    for r, (label, base) in zip(rows, (("alice alone", True), ("alice, bob hammering", False))):
        out.append(point("throughput", "req/s", "alice c=10", label, number(r[rps]), base))
        out.append(point("p50 latency", "us", "alice c=10", label, to_ms(r[p50]) * 1e3, base))
    return out


AUTH_NAMES = {  # Google Benchmark name (before any /threads:N) -> (group, label, baseline);
    # RateLimiter::admit has no baseline to set it against and is left out.
    "BM_Authenticate": ("authenticate()", "key check", False),
    "BM_LookupWithoutHmac": ("authenticate()", "lookup without HMAC", True),
    "BM_GateCheckKeyed": ("gate: whole check", "keyed server", False),
    "BM_GateCheckOpen": ("gate: whole check", "open server (no keys)", True),
    "BM_HmacOneShot": ("HMAC-SHA256", "one-shot HMAC()", True),
    "BM_HmacKeyedContextCopy": ("HMAC-SHA256", "keyed context copy", False),
}


def auth(raw):
    """Google Benchmark's JSON: the median CPU time of each benchmark, 1 and 2 threads."""
    out = []
    for b in json.loads(raw)["benchmarks"]:
        if b.get("aggregate_name", "median") != "median":
            continue
        name, _, rest = b["run_name"].partition("/")
        if name not in AUTH_NAMES:
            continue
        group, label, base = AUTH_NAMES[name]
        threads = b.get("threads", 1)
        group = group + (" (2 threads)" if threads == 2 else "")
        scale = {"ns": 1.0, "us": 1e3, "ms": 1e6}[b.get("time_unit", "ns")]
        out.append(point("CPU time per call", "ns", group, label, b["cpu_time"] * scale, base))
    return out


def flask(raw):
    """flask_bench.py --json: latency relative to gunicorn per endpoint (gunicorn = 1)."""
    summary = json.loads(raw)["summary"]
    out = []
    for name, rel in summary["endpoints"].items():
        out.append(point("median latency / gunicorn's", "x", name, "gunicorn (native)", 1.0,
                         True))
        out.append(point("median latency / gunicorn's", "x", name, "Wasmlet direct",
                         rel["direct"]))
        out.append(point("median latency / gunicorn's", "x", name, "Wasmlet proxy",
                         rel["proxy"]))
    return out


TOOL_ROW = re.compile(
    r"^(?P<label>\S.*?)\s+(?P<conns>\d+)\s+(?P<w_rps>\d+)\s+(?P<w_p50>[\d.]+ [mu]s)\s+"
    r"(?P<w_p99>[\d.]+ [mu]s)\s+\d+\s+(?P<w_cpu>[\d.]+)\s+\|\s+(?P<t_rps>\d+)\s+"
    r"(?P<t_p50>[\d.]+ [mu]s)\s+(?P<t_p99>[\d.]+ [mu]s)\s+\d+\s+(?P<t_cpu>[\d.]+)\s+\|")


def tool(text):
    """wasmlet bench against wrk on the same endpoint: the load generator is not the limit."""
    out = []
    for line in text.splitlines():
        m = TOOL_ROW.match(line)
        if not m or m["label"] == "endpoint":
            continue
        group = "%s c=%s" % (m["label"], m["conns"])
        for metric, unit, wrk, ours in (("throughput", "req/s", number(m["w_rps"]),
                                         number(m["t_rps"])),
                                        ("client CPU per request", "us", number(m["w_cpu"]),
                                         number(m["t_cpu"]))):
            out.append(point(metric, unit, group, "wrk", wrk, True))
            out.append(point(metric, unit, group, "wasmlet bench", ours))
    return out


def cluster(text):
    """A call served where it was sent against one forwarded by a saturated host, async calls
    through the cluster's Redis stream against a plain server's, the time back after a dead
    host, and the time an upload takes to run everywhere against its reply on the first host."""
    out = []
    for first, metric, systems in (
            ("sync call", "sync call latency", (("direct", "direct to the host that runs it", True),
                                               ("forwarded", "forwarded by a saturated peer",
                                                False))),
            ("async call", "async call latency", (("local", "local async (no --cluster)", True),
                                                  ("cluster", "cluster (Redis stream)", False)))):
        header, rows = table(text, first)
        for words, label, base in systems:
            row = next(r for r in rows if r[0].lower().startswith(words))
            for q in ("p50", "p99"):
                out.append(point(metric, "us", q, label,
                                 to_ms(row[column(header, q)]) * 1e3, base))
    header, rows = table(text, "round")
    done, rerun = column(header, "all calls"), column(header, "first re-run")
    kills = [r for r in rows if r[0].startswith("kill")]
    drain = next(r for r in rows if r[0].startswith("no kill"))
    out.append(point("dead host", "s", "all calls finished", "no kill (queue drain)",
                     to_ms(drain[done]) / 1e3, True))
    label = "kill -9 of a host (median of %d)" % len(kills)
    out.append(point("dead host", "s", "all calls finished", label,
                     statistics.median(to_ms(r[done]) / 1e3 for r in kills)))
    reruns = [to_ms(r[rerun]) / 1e3 for r in kills if r[rerun] != "-"]
    if reruns:
        out.append(point("dead host", "s", "first re-run started", label,
                         statistics.median(reruns)))
    header, rows = table(text, "module")
    h1, everywhere = column(header, "h1"), column(header, "everywhere")
    seen = set()
    for r in rows:
        if r[0] in seen:  # one point per module and kind: the first repetition
            continue
        seen.add(r[0])
        out.append(point("upload to runnable", "s", r[0], "h1 answered the upload",
                         to_ms(r[h1]) / 1e3, True))
        out.append(point("upload to runnable", "s", r[0], "runnable everywhere",
                         to_ms(r[everywhere]) / 1e3))
    return out


EXTRACTORS = {"engine": engine, "faaslet": faaslet, "http": http, "chain": chain,
              "state": state, "scheduling": scheduling, "python": python, "flask": flask,
              "workflow": workflow, "auth": auth, "tenants": tenants, "tool": tool,
              "cluster": cluster}


def convert(name, text, command, date=None):
    """The result record of benchmark name from its printed (or raw JSON) output."""
    series = EXTRACTORS[name](text)
    if not series:
        raise ValueError("%s: no figures found in its output" % name)
    return {"bench": name, "date": date or datetime.date.today().isoformat(),
            "command": command, "series": series}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("name", choices=sorted(EXTRACTORS))
    ap.add_argument("input")
    ap.add_argument("output")
    ap.add_argument("--command", help="the command that produced input (default ./run bench NAME)")
    args = ap.parse_args()
    with open(args.input, encoding="utf-8") as f:
        text = f.read()
    try:
        result = convert(args.name, text, args.command or "./run bench " + args.name)
    except (ValueError, KeyError, IndexError) as e:
        sys.exit("results.py: %s: %s" % (args.name, e))
    with open(args.output, "w", encoding="utf-8") as f:
        json.dump(result, f, indent=1)
        f.write("\n")
    print("results.py: %d figures of %s in %s" % (len(result["series"]), args.name, args.output))


if __name__ == "__main__":
    main()
