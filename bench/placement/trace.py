"""A seeded synthetic function-invocation trace for the placement simulator.

Modelled on the shape Shahrad et al. report for Azure Functions ("Serverless in the Wild",
USENIX ATC 2020, the 2019 trace): popularity spans orders of magnitude (a few functions take
most calls, most are called rarely), execution times are heavy tailed, arrivals are bursty and
follow the day. No data of that trace is used; every number below is a parameter.

  popularity   function i (1-based rank) is called with probability proportional to
               1 / i**zipf_s; zipf_s = 1.2 over 200 functions puts ~74% of the calls on
               the top 10% of the functions and leaves the tail with a few calls each.
  exec time    each function draws a median exec time from a lognormal (median
               exec_median_ms, spread exec_sigma across functions); each call then draws around
               its function's median with call_sigma. A fraction long_frac of functions is
               "long" (median times long_factor), the heavy tail of the study's durations.
  memory       each function's warm snapshot (Proto-Faaslet) size is lognormal around
               mem_median_mb, clipped to [mem_min_mb, mem_max_mb].
  cold start   building a function's snapshot costs cold_min_ms..cold_max_ms, log-uniform,
               larger for larger snapshots (rank-correlated with memory).
  arrivals     a Poisson process whose rate is a base rate times a diurnal sine (one full day
               over duration_s, amplitude diurnal_amp) times a two-state Markov modulation:
               calm, or a burst (rate times burst_factor) entered every calm_s on average and
               lasting burst_s on average; during a burst, burst_share of the calls go to one
               function drawn uniformly at burst start (a rarely-called function going viral,
               the cold-start storm placement has to absorb). The base rate is set so that
               the calm, mean offered load is offered_load busy executors (calls per second
               times the popularity-weighted mean exec time): with heavy-tailed exec times a
               fixed call rate would load one seed's cluster 8 times more than another's.

The day is compressed into duration_s seconds while calls keep their real durations, so time
constants tied to the day (keep-alive, scale-down windows) are scaled with it (sim.py).
"""
import bisect
import dataclasses
import itertools
import math
import random


@dataclasses.dataclass(frozen=True)
class TraceConfig:
    n_functions: int = 200
    zipf_s: float = 1.2
    duration_s: float = 30.0
    offered_load: float = 12.0  # busy executors, calm mean
    diurnal_amp: float = 0.5
    burst_factor: float = 3.0
    calm_s: float = 4.0
    burst_s: float = 0.6
    burst_share: float = 0.5
    exec_median_ms: float = 8.0
    exec_sigma: float = 1.2
    call_sigma: float = 0.5
    long_frac: float = 0.03
    long_factor: float = 50.0
    mem_median_mb: float = 40.0
    mem_sigma: float = 0.8
    mem_min_mb: float = 4.0
    mem_max_mb: float = 400.0
    cold_min_ms: float = 5.0
    cold_max_ms: float = 300.0


@dataclasses.dataclass(frozen=True)
class Function:
    exec_median_s: float
    mem_mb: float
    cold_s: float


@dataclasses.dataclass(frozen=True)
class Call:
    id: int
    t: float  # arrival time, s
    fn: int
    exec_s: float  # drawn here so that every policy replays the same work


@dataclasses.dataclass(frozen=True)
class Trace:
    config: TraceConfig
    seed: int
    functions: list
    calls: list


def zipf_weights(n, s):
    """The probability of each rank 1..n under Zipf(s)."""
    w = [1.0 / (i ** s) for i in range(1, n + 1)]
    total = sum(w)
    return [x / total for x in w]


def make_functions(cfg, rng):
    """Per-function exec median, snapshot size and cold-start time."""
    mems = [min(cfg.mem_max_mb, max(cfg.mem_min_mb, rng.lognormvariate(
        math.log(cfg.mem_median_mb), cfg.mem_sigma))) for _ in range(cfg.n_functions)]
    # Log-uniform cold starts, handed out in the order of the snapshot sizes.
    colds = sorted(math.exp(rng.uniform(math.log(cfg.cold_min_ms), math.log(cfg.cold_max_ms)))
                   for _ in range(cfg.n_functions))
    by_mem = sorted(range(cfg.n_functions), key=lambda i: mems[i])
    cold_of = [0.0] * cfg.n_functions
    for rank, i in enumerate(by_mem):
        cold_of[i] = colds[rank] / 1e3
    out = []
    for i in range(cfg.n_functions):
        median = rng.lognormvariate(math.log(cfg.exec_median_ms), cfg.exec_sigma)
        if rng.random() < cfg.long_frac:
            median *= cfg.long_factor
        out.append(Function(exec_median_s=median / 1e3, mem_mb=mems[i], cold_s=cold_of[i]))
    return out


def burst_periods(cfg, rng):
    """[(start, end, function)] of the Markov-modulated bursts over the trace."""
    out, t = [], 0.0
    while True:
        t += rng.expovariate(1.0 / cfg.calm_s)
        if t >= cfg.duration_s:
            return out
        end = t + rng.expovariate(1.0 / cfg.burst_s)
        out.append((t, min(end, cfg.duration_s), rng.randrange(cfg.n_functions)))
        t = end


def generate(cfg=TraceConfig(), seed=0):
    """The trace: functions and calls in arrival order (thinning of a Poisson process)."""
    rng = random.Random(seed)
    functions = make_functions(cfg, rng)
    bursts = burst_periods(cfg, rng)
    starts = [b[0] for b in bursts]
    weights = zipf_weights(cfg.n_functions, cfg.zipf_s)
    cum = list(itertools.accumulate(weights))
    mean_exec = sum(w * f.exec_median_s for w, f in zip(weights, functions)) * math.exp(
        cfg.call_sigma ** 2 / 2)
    base = cfg.offered_load / mean_exec
    peak = base * (1 + cfg.diurnal_amp) * cfg.burst_factor
    calls, t = [], 0.0
    while True:
        t += rng.expovariate(peak)
        if t >= cfg.duration_s:
            break
        # Trough at the start of the day, peak in its middle.
        diurnal = 1 - cfg.diurnal_amp * math.cos(2 * math.pi * t / cfg.duration_s)
        k = bisect.bisect_right(starts, t) - 1
        burst = bursts[k] if k >= 0 and t < bursts[k][1] else None
        rate = base * diurnal * (cfg.burst_factor if burst else 1.0)
        if rng.random() * peak >= rate:
            continue
        if burst and rng.random() < cfg.burst_share:
            fn = burst[2]
        else:
            fn = min(bisect.bisect_left(cum, rng.random() * cum[-1]), cfg.n_functions - 1)
        f = functions[fn]
        exec_s = f.exec_median_s * rng.lognormvariate(0.0, cfg.call_sigma)
        calls.append(Call(id=len(calls), t=t, fn=fn, exec_s=exec_s))
    return Trace(config=cfg, seed=seed, functions=functions, calls=calls)
