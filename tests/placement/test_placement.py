"""bench/placement: the trace generator, the simulator's bookkeeping and the policies' ordering.

Every assertion is a property of the model on a seeded trace, never a timing: a trace is
replayed in simulated time, so the same seed gives the same figures on any machine.
"""
import collections
import json
import pathlib
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
PLACEMENT = ROOT / "bench" / "placement"
sys.path.insert(0, str(PLACEMENT))
import policies  # noqa: E402
import run  # noqa: E402
import sim  # noqa: E402
import trace  # noqa: E402

CLUSTER = sim.ClusterConfig()


@pytest.fixture(scope="module")
def quick_trace():
    return trace.generate(run.QUICK, seed=3)


@pytest.fixture(scope="module")
def quick_runs():
    return run.medians(run.run(run.QUICK, CLUSTER, [0, 1]))


class Counting(policies.Policy):
    """Wraps a policy and counts the completions it hears, per call."""

    def __init__(self, inner):
        self.inner, self.name = inner, inner.name
        self.done = collections.Counter()

    def choose(self, call, recv, now, cluster):
        return self.inner.choose(call, recv, now, cluster)

    def observe(self, rec, cluster):
        self.done[rec.call.id] += 1
        self.inner.observe(rec, cluster)


@pytest.mark.parametrize("index", range(len(policies.all_policies())))
def test_every_call_completes_exactly_once(quick_trace, index):
    policy = Counting(policies.all_policies(0)[index])
    records = sim.simulate(quick_trace, policy, CLUSTER)
    assert [r.call.id for r in records] == [c.id for c in quick_trace.calls]
    assert set(policy.done) == {c.id for c in quick_trace.calls}
    assert set(policy.done.values()) == {1}
    for r in records:
        assert r.call.t <= r.at_host <= r.start < r.end
        # A forwarded call pays one hop, a local one none.
        assert r.at_host - r.call.t == pytest.approx(CLUSTER.hop_s if r.forwarded else 0.0)


@pytest.mark.parametrize("index", range(len(policies.all_policies())))
def test_a_warm_call_is_never_charged_a_cold_start(quick_trace, index):
    records = sim.simulate(quick_trace, policies.all_policies(0)[index], CLUSTER)
    warm = [r for r in records if not r.cold]
    assert warm and any(r.cold for r in records)
    for r in records:
        build = quick_trace.functions[r.call.fn].cold_s
        if r.cold:
            # A build of its own, or the rest of one already under way.
            assert 0 < r.cold_s <= build + 1e-12
        else:
            assert r.cold_s == 0
        assert r.end - r.start == pytest.approx(r.cold_s + CLUSTER.restore_s + r.call.exec_s)


def test_hosts_run_at_most_their_executors_in_fifo_order(quick_trace):
    records = sim.simulate(quick_trace, policies.Random(0), CLUSTER)
    by_host = collections.defaultdict(list)
    for r in records:
        by_host[r.host].append(r)
    for recs in by_host.values():
        # Queued calls start in the order they reached the host.
        queued = sorted((r for r in recs if r.start > r.at_host), key=lambda r: r.at_host)
        assert [r.start for r in queued] == sorted(r.start for r in queued)
        # Completions before starts at equal times: a freed slot is reused at once.
        edges = sorted([(r.start, 1) for r in recs] + [(r.end, -1) for r in recs])
        running = 0
        for _, step in edges:
            running += step
            assert running <= CLUSTER.executors


def test_same_seed_same_figures():
    assert run.run(run.QUICK, CLUSTER, [5]) == run.run(run.QUICK, CLUSTER, [5])
    assert run.run(run.QUICK, CLUSTER, [5]) != run.run(run.QUICK, CLUSTER, [6])


def test_bin_pack_uses_no_more_hosts_than_round_robin(quick_runs):
    assert quick_runs["bin-pack"]["mean_hosts"] <= quick_runs["round-robin"]["mean_hosts"]


def test_warm_aware_cold_starts_no_more_than_random(quick_runs):
    for name in ("warm-aware", "warm-pack", "warm-p2c"):
        assert quick_runs[name]["cold_rate"] <= quick_runs["random"]["cold_rate"]


def top_share(cfg, seed, top):
    """The share of a trace's calls that go to the functions ranked 1..top by the generator."""
    calls = trace.generate(cfg, seed).calls
    return sum(c.fn < top for c in calls) / len(calls)


def test_popularity_is_as_skewed_as_configured():
    cfg = trace.TraceConfig(n_functions=100, duration_s=10.0, burst_share=0.0)
    expected = sum(trace.zipf_weights(100, cfg.zipf_s)[:10])
    assert top_share(cfg, 0, 10) == pytest.approx(expected, abs=0.03)
    flat = trace.TraceConfig(n_functions=100, duration_s=10.0, burst_share=0.0, zipf_s=0.0)
    assert top_share(flat, 0, 10) == pytest.approx(0.10, abs=0.03)
    # Most functions are called rarely: the median function gets few calls next to the top one.
    counts = collections.Counter(c.fn for c in trace.generate(cfg, 0).calls)
    ranked = sorted(counts.values(), reverse=True)
    assert ranked[len(ranked) // 2] * 20 < ranked[0]


def test_bursts_and_the_day_shape_arrivals():
    cfg = trace.TraceConfig(n_functions=50, duration_s=20.0, calm_s=1e9)  # no bursts
    calls = trace.generate(cfg, 1).calls
    quarter = cfg.duration_s / 4
    night = sum(1 for c in calls if c.t < quarter / 2 or c.t > cfg.duration_s - quarter / 2)
    noon = sum(1 for c in calls if abs(c.t - cfg.duration_s / 2) < quarter / 2)
    assert noon > 2 * night  # amplitude 0.5: 1.5 against 0.5 at the extremes
    bursty = trace.generate(trace.TraceConfig(n_functions=50, duration_s=20.0), 1).calls
    assert len(bursty) > len(calls)


def test_run_writes_json_and_svg(tmp_path):
    out = subprocess.run([sys.executable, str(PLACEMENT / "run.py"), "--quick", "--json",
                          str(tmp_path / "p.json"), "--plot", str(tmp_path / "p.svg")],
                         check=True, capture_output=True, text=True).stdout
    data = json.loads((tmp_path / "p.json").read_text())
    assert set(data["medians"]) == {p.name for p in policies.all_policies()}
    for name in data["medians"]:
        assert "| %s |" % name in out
    svg = (tmp_path / "p.svg").read_text()
    assert svg.startswith("<?xml") and "warm-aware" in svg
