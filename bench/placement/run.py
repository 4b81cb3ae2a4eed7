#!/usr/bin/python3
"""./run bench placement: every placement policy replays the same synthetic traces.

Prints one table, the median over seeds of each figure per policy: cold-start rate, p50 and
p99 latency, the mean and p99 of the overhead placement adds (latency minus the call's exec
time), mean active hosts and the share of calls forwarded. Writes every run's figures as JSON
(--json) and a plot (--plot, SVG). The model and its parameters: docs/placement.md.

Usage: run.py [--seeds N] [--quick] [--json PATH] [--plot PATH]
"""
import argparse
import dataclasses
import json
import pathlib
import statistics
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import metrics  # noqa: E402
import policies  # noqa: E402
import sim  # noqa: E402
import trace  # noqa: E402

# --quick: a short day and fewer functions, for the tests (the default run takes ~30 s).
QUICK = trace.TraceConfig(n_functions=60, duration_s=6.0)
COLUMNS = [("cold_rate", "cold starts", "%.1f%%", 100), ("p50_ms", "p50", "%.2f ms", 1),
           ("p99_ms", "p99", "%.1f ms", 1), ("mean_overhead_ms", "mean overhead", "%.1f ms", 1),
           ("p99_overhead_ms", "p99 overhead", "%.1f ms", 1),
           ("mean_hosts", "hosts active", "%.1f", 1), ("forwarded", "forwarded", "%.0f%%", 100)]


def run(trace_cfg, cluster_cfg, seeds):
    """[{policy, seed, figures}] for every policy on the trace of every seed."""
    out = []
    for seed in seeds:
        tr = trace.generate(trace_cfg, seed)
        for policy in policies.all_policies(seed):
            records = sim.simulate(tr, policy, cluster_cfg)
            out.append({"policy": policy.name, "seed": seed, **metrics.summarise(
                records, trace_cfg.duration_s, cluster_cfg.window_s)})
    return out


def medians(runs):
    """{policy: {figure: median over seeds}}, policies in the order they ran."""
    names = list(dict.fromkeys(r["policy"] for r in runs))
    return {p: {k: statistics.median(r[k] for r in runs if r["policy"] == p)
                for k, *_ in COLUMNS} for p in names}


def table(med):
    lines = ["| policy | " + " | ".join(c[1] for c in COLUMNS) + " |",
             "|---|" + "---:|" * len(COLUMNS)]
    for p, fig in med.items():
        lines.append("| %s | " % p + " | ".join(fmt % (fig[k] * scale)
                                                  for k, _, fmt, scale in COLUMNS) + " |")
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--quick", action="store_true", help="one short trace (tests)")
    ap.add_argument("--json", type=pathlib.Path)
    ap.add_argument("--plot", type=pathlib.Path)
    args = ap.parse_args()
    trace_cfg = QUICK if args.quick else trace.TraceConfig()
    cluster_cfg = sim.ClusterConfig()
    seeds = list(range(1 if args.quick else args.seeds))
    runs = run(trace_cfg, cluster_cfg, seeds)
    med = medians(runs)
    print("placement: %d hosts x %d executors, %d functions, %g s trace, median of %d seed(s)\n"
          % (cluster_cfg.hosts, cluster_cfg.executors, trace_cfg.n_functions,
             trace_cfg.duration_s, len(seeds)))
    print(table(med))
    if args.json:
        args.json.write_text(json.dumps({
            "trace": dataclasses.asdict(trace_cfg), "cluster": dataclasses.asdict(cluster_cfg),
            "seeds": seeds, "medians": med, "runs": runs}, indent=1) + "\n")
    if args.plot:
        import figure  # matplotlib only when a plot is asked for
        figure.draw(runs, med, args.plot)


if __name__ == "__main__":
    main()
