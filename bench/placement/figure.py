"""The placement benchmark's figure: cold starts per policy, and latency against hosts used."""
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

# Baselines grey, Wasmlet's warm-aware family blue-green, the bandits red-orange.
COLOURS = ["#7f7f7f", "#b0b0b0", "#505050", "#1f77b4", "#2ca02c", "#17becf", "#ff7f0e",
           "#d62728", "#8c564b"]


def draw(runs, med, path):
    """Writes the SVG: the same figures give the same bytes."""
    names = list(med)
    colour = dict(zip(names, COLOURS))
    fig, (ax1, ax2, ax3) = plt.subplots(1, 3, figsize=(15, 4.6))
    x = range(len(names))

    ax1.bar(x, [med[p]["cold_rate"] * 100 for p in names], color=[colour[p] for p in names])
    ax1.set_xticks(list(x), names, rotation=30, ha="right")
    ax1.set_ylabel("cold starts, % of calls")
    ax1.set_title("cold-start rate (median of seeds)")

    ax2.bar([i - 0.2 for i in x], [med[p]["p50_ms"] for p in names], 0.4, label="p50",
            color=[colour[p] for p in names], alpha=0.5)
    ax2.bar([i + 0.2 for i in x], [med[p]["p99_ms"] for p in names], 0.4, label="p99",
            color=[colour[p] for p in names])
    ax2.set_yscale("log")
    ax2.set_xticks(list(x), names, rotation=30, ha="right")
    ax2.set_ylabel("latency, ms (log)")
    ax2.set_title("p50 (light) and p99 latency")

    # Each seed a small dot, the median a large one: where each policy sits on the trade-off.
    for p in names:
        pts = [r for r in runs if r["policy"] == p]
        ax3.scatter([r["mean_hosts"] for r in pts], [r["mean_overhead_ms"] for r in pts],
                    s=12, color=colour[p], alpha=0.4)
        ax3.scatter([med[p]["mean_hosts"]], [med[p]["mean_overhead_ms"]], s=70,
                    color=colour[p], label=p, edgecolors="black", linewidths=0.5)
    ax3.set_yscale("log")
    ax3.set_xlabel("mean active hosts (resource used)")
    ax3.set_ylabel("mean overhead, ms (log): latency - exec")
    ax3.set_title("latency added vs hosts used (lower left wins)")
    ax3.legend(fontsize=8)

    fig.tight_layout()
    plt.rcParams["svg.hashsalt"] = "placement"
    fig.savefig(path, format="svg", metadata={"Date": None})
    plt.close(fig)
