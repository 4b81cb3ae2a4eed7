"""The figures of one simulated run: cold starts, latency, hosts used, forwarding."""
import math


def percentile(sorted_values, q):
    """Nearest-rank percentile (q in 0..100) of an ascending list."""
    k = max(0, math.ceil(q / 100 * len(sorted_values)) - 1)
    return sorted_values[k]


def active_host_windows(records, window_s):
    """{(host, window)} in which a host held a call (queued or running)."""
    active = set()
    for r in records:
        for w in range(int(r.at_host // window_s), int(r.end // window_s) + 1):
            active.add((r.host, w))
    return active


def summarise(records, duration_s, window_s):
    lat = sorted(r.latency for r in records)
    # The overhead placement adds: everything but the call's own exec time.
    over = sorted(r.latency - r.call.exec_s for r in records)
    # Calls still running after the trace's end extend the time over which hosts are counted.
    windows = math.ceil(max(duration_s, max(r.end for r in records)) / window_s)
    n = len(records)
    return {
        "calls": n,
        "cold_rate": sum(r.cold for r in records) / n,
        "p50_ms": percentile(lat, 50) * 1e3,
        "p99_ms": percentile(lat, 99) * 1e3,
        "p99_overhead_ms": percentile(over, 99) * 1e3,
        "mean_overhead_ms": sum(over) / n * 1e3,
        "mean_hosts": len(active_host_windows(records, window_s)) / windows,
        "forwarded": sum(r.forwarded for r in records) / n,
    }
