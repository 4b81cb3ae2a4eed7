"""Placement policies: choose(call, recv, now, cluster) -> host index; observe(record, cluster)
hears each completed call. Each sees every host's slots, queue and snapshots (warm-p2c only
a sample of them), as a receiving host would from gossiped or polled state."""
import math
import random


class Policy:
    name = "?"

    def observe(self, rec, cluster):
        """Completed calls are of no interest to a policy that does not learn."""


class Random(Policy):
    name = "random"

    def __init__(self, seed=0):
        self.rng = random.Random("random/%d" % seed)

    def choose(self, call, recv, now, cluster):
        return self.rng.randrange(len(cluster.hosts))


class RoundRobin(Policy):
    name = "round-robin"

    def __init__(self, seed=0):
        self.next = 0

    def choose(self, call, recv, now, cluster):
        h = self.next
        self.next = (h + 1) % len(cluster.hosts)
        return h


def least_loaded(hosts):
    """The host with the fewest calls, the lowest-numbered among equals."""
    return min(hosts, key=lambda h: (h.load(), h.index))


class BinPack(Policy):
    """Faasm-like: fill the lowest-numbered host that has a free slot, so that the others can
    scale down; with none free, queue on the least loaded."""
    name = "bin-pack"

    def __init__(self, seed=0):
        pass

    def choose(self, call, recv, now, cluster):
        for h in cluster.hosts:
            if h.spare() > 0:
                return h.index
        return least_loaded(cluster.hosts).index


class WarmAware(Policy):
    """Wasmlet's proposal: go where the function's snapshot is warm.

    In order: the receiving host if it has a free slot and a snapshot (no hop, no cold start);
    a host with both; a warm host without a free slot if queueing there is expected to cost
    less than the function's cold start (its build time is known to the runtime, its exec time
    estimated from the calls seen so far); else a free slot for a cold start: the receiving
    host's, or the least loaded host's (pack=True: the lowest-numbered host's, bin-packing the
    cold starts so that idle hosts scale down); with no free slot anywhere, the least loaded.

    sample=k looks at only the receiving host, k random others and the last host the function
    was sent to (power of k choices), as a host would without a full view of the cluster."""

    def __init__(self, seed=0, pack=False, sample=None, name="warm-aware"):
        self.pack, self.sample, self.name = pack, sample, name
        self.rng = random.Random("%s/%d" % (name, seed))
        self.exec_s = {}  # fn -> moving average of its exec time
        self.last_host = {}  # fn -> where its last call went

    def candidates(self, fn, recv, cluster):
        hosts = cluster.hosts
        if self.sample is None:
            return hosts
        picked = {recv, *self.rng.sample(range(len(hosts)), self.sample)}
        if fn in self.last_host:
            picked.add(self.last_host[fn])
        return [hosts[i] for i in sorted(picked)]

    def choose(self, call, recv, now, cluster):
        h = self.place(call.fn, recv, now, cluster)
        self.last_host[call.fn] = h
        return h

    def place(self, fn, recv, now, cluster):
        hosts = self.candidates(fn, recv, cluster)
        r = cluster.hosts[recv]
        warm = [h for h in hosts if h.has_snapshot(fn, now)]
        free = [h for h in hosts if h.spare() > 0]
        if r.spare() > 0 and r.has_snapshot(fn, now):
            return recv
        warm_free = [h for h in warm if h.spare() > 0]
        if warm_free:
            return (warm_free[0] if self.pack else least_loaded(warm_free)).index
        if warm:
            h = least_loaded(warm)
            waits = 1 - h.spare()  # calls ahead of this one, over all its slots
            if waits * self.exec_s.get(fn, 0.0) / cluster.cfg.executors < \
                    cluster.functions[fn].cold_s:
                return h.index
        if free:
            if self.pack:
                return free[0].index
            return recv if r.spare() > 0 else least_loaded(free).index
        return least_loaded(hosts).index

    def observe(self, rec, cluster):
        old = self.exec_s.get(rec.call.fn)
        x = rec.call.exec_s
        self.exec_s[rec.call.fn] = x if old is None else 0.8 * old + 0.2 * x


class LinUCB(Policy):
    """A contextual bandit: one linear model shared by all hosts (they are alike), scoring each
    host's context; the host with the highest upper confidence bound on the reward wins.

    Context of a host for a call: [1, the cold start it would cost (0 if warm; in 100 ms),
    calls queued ahead per slot, free slots per slot, not the receiving host, idle].
    Reward, when the call completes: -(overhead / 10 ms + lam * woke), overhead being the
    call's latency minus its exec time and woke whether the host was idle (a host taken out
    of scale-down: the resource use), the reward proposed for learned FaaS placement.
    It learns from scratch on each trace."""

    DIM = 6

    def __init__(self, seed=0, alpha=0.3, lam=0.5, name="bandit"):
        self.alpha, self.lam, self.name = alpha, lam, name
        self.rng = random.Random("%s/%d" % (name, seed))
        d = self.DIM
        self.a_inv = [[1.0 if i == j else 0.0 for j in range(d)] for i in range(d)]
        self.b = [0.0] * d
        self.theta = [0.0] * d
        self.pending = {}  # call id -> the context it was placed with

    def context(self, h, fn, recv, now, cluster):
        e = cluster.cfg.executors
        spare = h.spare()
        cold = 0.0 if h.has_snapshot(fn, now) else cluster.functions[fn].cold_s / 0.1
        return [1.0, cold, max(-spare, 0) / e, max(spare, 0) / e, float(h.index != recv),
                float(h.load() == 0)]

    def choose(self, call, recv, now, cluster):
        best, best_score = None, -math.inf
        for h in cluster.hosts:
            x = self.context(h, call.fn, recv, now, cluster)
            ax = [sum(row[j] * x[j] for j in range(self.DIM)) for row in self.a_inv]
            score = sum(t * v for t, v in zip(self.theta, x)) + self.alpha * math.sqrt(
                sum(v * w for v, w in zip(x, ax)))
            score += self.rng.random() * 1e-9  # ties broken at random, reproducibly
            if score > best_score:
                best, best_score = (h.index, x), score
        self.pending[call.id] = best[1]
        return best[0]

    def observe(self, rec, cluster):
        x = self.pending.pop(rec.call.id)
        overhead = rec.latency - rec.call.exec_s
        reward = -(min(overhead / 0.01, 10.0) + self.lam * rec.woke)
        # Sherman-Morrison: A += x x^T, keeping A's inverse.
        ax = [sum(row[j] * x[j] for j in range(self.DIM)) for row in self.a_inv]
        denom = 1.0 + sum(v * w for v, w in zip(x, ax))
        for i in range(self.DIM):
            for j in range(self.DIM):
                self.a_inv[i][j] -= ax[i] * ax[j] / denom
        self.b = [bi + reward * xi for bi, xi in zip(self.b, x)]
        self.theta = [sum(row[j] * self.b[j] for j in range(self.DIM)) for row in self.a_inv]


def all_policies(seed=0):
    """Every policy the benchmark compares, fresh (a learning policy starts from nothing)."""
    return [Random(seed), RoundRobin(seed), BinPack(seed),
            WarmAware(seed), WarmAware(seed, pack=True, name="warm-pack"),
            WarmAware(seed, sample=2, name="warm-p2c"),
            # lam sets the bandit's exchange rate between latency and hosts woken.
            LinUCB(seed, lam=0.0, name="bandit-lat"), LinUCB(seed),
            LinUCB(seed, lam=2.0, name="bandit-lean")]
