#!/usr/bin/python3
"""Draws each benchmark's figures as docs/plots/NAME.svg, Wasmlet next to its baselines.

A reader of docs/benchmarks.md should see at a glance how Wasmlet compares with each baseline,
so every benchmark's JSON (the shape bench/results.py documents) becomes one SVG: a panel per
metric, a cluster of bars per group, one colour per system (baselines grey and hatched), and
above each Wasmlet bar its ratio to the group's first baseline (or, if the group has none, the
panel's first baseline). `./run bench` calls this after the benchmarks.

Fresh figures ($BUILD/bench-results/NAME.json) win; without them the recorded ones in
bench/results/ are drawn: a real run's JSON kept there, or figures copied from a table of
docs/benchmarks.md, whose "source" field the subtitle shows. The output is deterministic: the
same JSON gives the same file, byte for byte.

Usage: plot.py [--build DIR] [--recorded DIR] [--out DIR] [NAME...]
"""
import argparse
import json
import math
import os
import pathlib
import sys
import textwrap

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parent.parent
COLOURS = ["#1f77b4", "#2ca02c", "#9467bd", "#d62728", "#17becf"]
BASELINE_COLOURS = ["#7f7f7f", "#b0b0b0", "#505050", "#d0d0d0"]
LOG_SPAN = 30  # a panel whose values span more than this factor gets a log axis


def load_results(build, recorded, names):
    """{name: result} for every benchmark with figures, fresh ones preferred over recorded."""
    found = {}
    for directory in (recorded, build / "bench-results" if build else None):
        if directory is None or not directory.is_dir():
            continue
        for path in sorted(directory.glob("*.json")):
            if "." in path.stem:  # a benchmark's own raw output (auth.raw.json), not figures
                continue
            if not names or path.stem in names:
                found[path.stem] = json.loads(path.read_text(encoding="utf-8"))
    return found


def ordered(values):
    """The distinct values in order of first appearance."""
    return list(dict.fromkeys(values))


def fmt_ratio(r):
    """A ratio short enough to print above a bar: 1.05x, 221x, 1/170."""
    if r >= 100:
        return "%.0fx" % r
    if r >= 0.1:
        return "%.2fx" % r
    return "1/%.0f" % (1 / r)


def fmt_value(v):
    """A bar's value with about three significant digits."""
    if v >= 1000:
        return "{:,.0f}".format(v)
    return "%.3g" % v


def reference(points, group):
    """The value a Wasmlet bar of group is divided by: its group's first baseline, else the
    panel's first baseline; None if the panel has no baseline."""
    bases = [p for p in points if p["baseline"]]
    same = [p for p in bases if p["group"] == group]
    chosen = (same or bases or [None])[0]
    return chosen["value"] if chosen else None


def colour_of(labels, baselines):
    """One colour per system: Wasmlet's in colour, baselines in greys."""
    colours, c, b = {}, 0, 0
    for label in labels:
        if label in baselines:
            colours[label] = BASELINE_COLOURS[b % len(BASELINE_COLOURS)]
            b += 1
        else:
            colours[label] = COLOURS[c % len(COLOURS)]
            c += 1
    return colours


def positions(points, groups):
    """The x of each bar: a group's bars side by side around its tick, only those it has."""
    xs = {}
    for i, group in enumerate(groups):
        mine = [p for p in points if p["group"] == group]
        width = 0.8 / max(len(mine), 1)
        for j, p in enumerate(mine):
            xs[id(p)] = (i + (j - (len(mine) - 1) / 2) * width, width)
    return xs


def bar_text(p, points):
    """A bar's value and, for Wasmlet's bars, its ratio to the baseline (the ratio alone when
    the values are already relative to a baseline of 1)."""
    ref = None if p["baseline"] else reference(points, p["group"])
    if not ref:
        return fmt_value(p["value"])
    if ref == 1.0:
        return fmt_ratio(p["value"])
    return fmt_value(p["value"]) + "\n" + fmt_ratio(p["value"] / ref)


def draw_panel(ax, metric, points, colours):
    """One metric: bars per group and system, values and ratios written on them."""
    groups, labels = ordered(p["group"] for p in points), ordered(p["label"] for p in points)
    xs = positions(points, groups)
    values = [p["value"] for p in points if p["value"] > 0]
    log = values and max(values) / min(values) > LOG_SPAN
    for label in labels:
        ps = [p for p in points if p["label"] == label]
        bars = ax.bar([xs[id(p)][0] for p in ps], [p["value"] for p in ps],
                      [xs[id(p)][1] for p in ps], label=label, color=colours[label])
        for bar, p in zip(bars, ps):
            if p["baseline"]:
                bar.set_hatch("//")
                bar.set_edgecolor("white")
            ax.annotate(bar_text(p, points), (bar.get_x() + bar.get_width() / 2,
                                              bar.get_height()),
                        ha="center", va="bottom", fontsize=7,
                        fontweight="normal" if p["baseline"] else "bold")
    if log:
        ax.set_yscale("log")
        low, high = ax.get_ylim()
        ax.set_ylim(low, high * 4)
    else:
        ax.margins(y=0.25)
    ax.set_xticks(range(len(groups)))
    tilt = len(groups) > 4
    ax.set_xticklabels(groups, rotation=30 if tilt else 0, ha="right" if tilt else "center",
                       fontsize=8)
    ax.set_title("%s (%s)" % (metric, points[0]["unit"]), fontsize=10)
    ax.set_ylabel(points[0]["unit"])
    ax.legend(fontsize=7, loc="upper left")


def subtitle(result):
    """Where the figures come from: a fresh run, or a table copied from docs/benchmarks.md."""
    if result.get("source"):
        text = "recorded figures, %s; regenerate: %s" % (result["source"], result["command"])
    else:
        text = "measured %s by %s" % (result["date"], result["command"])
    return text + ("; " + result["note"] if result.get("note") else "")


def plot(result, path):
    """Writes one benchmark's figure to path (SVG, deterministic)."""
    plt.rcParams.update({"svg.hashsalt": "wasmlet-bench", "svg.fonttype": "none"})
    series = result["series"]
    metrics = ordered(p["metric"] for p in series)
    labels = ordered(p["label"] for p in series)
    colours = colour_of(labels, {p["label"] for p in series if p["baseline"]})
    widest = max(len(ordered(p["group"] for p in series if p["metric"] == m)) for m in metrics)
    cols = min(len(metrics), 2)
    rows = math.ceil(len(metrics) / cols)
    panel_width = max(4.5, 0.55 * widest * max(1, len(labels) / 2) + 2)
    fig, axes = plt.subplots(rows, cols, figsize=(panel_width * cols, 4.2 * rows + 0.8),
                             squeeze=False)
    for ax, metric in zip(axes.flat, metrics):
        draw_panel(ax, metric, [p for p in series if p["metric"] == metric], colours)
    for ax in list(axes.flat)[len(metrics):]:
        ax.set_visible(False)
    title = "%s: Wasmlet vs baselines (bold: ratio to the group's first baseline)" % (
        result["bench"])
    width = int(panel_width * cols * 11)  # characters that fit at this font size
    fig.suptitle("\n".join([title] + textwrap.wrap(subtitle(result), width)), fontsize=9)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, metadata={"Date": None} if path.suffix == ".svg" else None)
    plt.close(fig)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build", type=pathlib.Path,
                    default=pathlib.Path(os.environ.get("WASMLET_BUILD_DIR", ROOT / "build")))
    ap.add_argument("--recorded", type=pathlib.Path, default=ROOT / "bench" / "results")
    ap.add_argument("--out", type=pathlib.Path, default=ROOT / "docs" / "plots")
    ap.add_argument("names", nargs="*", help="benchmarks to draw (default: all with figures)")
    args = ap.parse_args()
    results = load_results(args.build, args.recorded, set(args.names))
    missing = set(args.names) - set(results)
    if missing:
        sys.exit("plot.py: no figures for %s" % ", ".join(sorted(missing)))
    for name, result in sorted(results.items()):
        path = args.out / ("%s.svg" % name)
        plot(result, path)
        origin = "copied from docs/benchmarks.md" if result.get("source") else "of a run"
        print("plot.py: %s (figures %s)" % (path, origin))


if __name__ == "__main__":
    main()
