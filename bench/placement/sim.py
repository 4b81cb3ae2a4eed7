"""A discrete-event simulator of calls placed on a cluster of Wasmlet hosts.

The model (docs/placement.md):
  - A front end (an L4 balancer) hands each call to a host uniformly at random: the
    receiving host. The policy, run there with a view of every host, picks the host that runs
    the call; another host than the receiving one costs a network hop (hop_s) before it
    reaches that host's queue.
  - A host has `executors` slots and a FIFO queue; a call waits there while all slots are busy.
  - A host keeps warm snapshots (Proto-Faaslets) within mem_mb, evicting the least recently
    used; a snapshot idle for more than keepalive_s is gone. A call finding its function's
    snapshot costs restore_s + exec; one finding none costs the function's cold start (building
    the snapshot) + restore_s + exec, and the snapshot is warm there once built. A call that
    finds the snapshot still being built waits for the rest of the build: it is counted as a
    cold start too, charged only the wait.
  - A host is active in a window of window_s when it held (queued or ran) a call in it; hosts
    idle for a window could be scaled down, so mean active hosts is the resource used.

Everything is deterministic for a trace and a policy seed.
"""
import collections
import dataclasses
import heapq
import random


@dataclasses.dataclass(frozen=True)
class ClusterConfig:
    hosts: int = 16
    executors: int = 4
    mem_mb: float = 1024.0
    keepalive_s: float = 2.0  # ~10 min of a day compressed into 30 s: the day is 720 times faster
    restore_s: float = 4e-6
    hop_s: float = 150e-6
    window_s: float = 0.5


class Host:
    """One host's slots, queue and warm snapshots."""

    def __init__(self, index, cfg):
        self.index = index
        self.cfg = cfg
        self.free = cfg.executors
        self.queue = collections.deque()
        self.incoming = 0  # forwarded calls still on the wire, so that policies count them
        self.snapshots = collections.OrderedDict()  # fn -> [ready_at, last_used], LRU first
        self.mem_used = 0.0

    def load(self):
        """Calls running, queued or on their way here."""
        return self.cfg.executors - self.free + len(self.queue) + self.incoming

    def spare(self):
        """Free slots not yet promised to calls on their way here (negative: calls will queue)."""
        return self.free - self.incoming - len(self.queue)

    def has_snapshot(self, fn, now):
        """A snapshot of fn is here (built or being built) and has not expired."""
        s = self.snapshots.get(fn)
        return s is not None and now - s[1] <= self.cfg.keepalive_s

    def drop(self, fn, functions):
        del self.snapshots[fn]
        self.mem_used -= functions[fn].mem_mb

    def add(self, fn, ready_at, now, functions):
        """Keeps fn's snapshot, evicting expired then least recently used ones to fit."""
        mem = functions[fn].mem_mb
        if mem > self.cfg.mem_mb:
            return
        for old in [f for f, s in self.snapshots.items() if now - s[1] > self.cfg.keepalive_s]:
            self.drop(old, functions)
        while self.mem_used + mem > self.cfg.mem_mb:
            self.drop(next(iter(self.snapshots)), functions)
        self.snapshots[fn] = [ready_at, now]
        self.mem_used += mem

    def touch(self, fn, now):
        s = self.snapshots.get(fn)
        if s is not None:
            s[1] = now
            self.snapshots.move_to_end(fn)


@dataclasses.dataclass
class Record:
    """What happened to one call."""
    call: object
    recv: int
    host: int = -1
    at_host: float = 0.0  # reached the chosen host's queue
    start: float = 0.0
    end: float = -1.0
    cold: bool = False
    cold_s: float = 0.0  # the part of the latency spent on a cold start (0 when warm)
    woke: bool = False  # the host was idle when chosen

    @property
    def latency(self):
        return self.end - self.call.t

    @property
    def forwarded(self):
        return self.host != self.recv


class Cluster:
    def __init__(self, cfg, functions):
        self.cfg = cfg
        self.functions = functions
        self.hosts = [Host(i, cfg) for i in range(cfg.hosts)]


def front_end(trace, hosts):
    """The receiving host of each call: the same for every policy replaying the trace."""
    rng = random.Random("front-end/%d" % trace.seed)
    return [rng.randrange(hosts) for _ in trace.calls]


ARRIVE, REACH, DONE = 0, 1, 2  # at equal times a completion frees its slot last


def simulate(trace, policy, cfg=ClusterConfig()):
    """Replays trace on a cluster with policy; returns the Record of every call, in call order."""
    cluster = Cluster(cfg, trace.functions)
    hosts, functions = cluster.hosts, trace.functions
    records = [Record(call=c, recv=r) for c, r in zip(trace.calls, front_end(trace, cfg.hosts))]
    events = [(c.t, ARRIVE, c.id) for c in trace.calls]
    heapq.heapify(events)

    def start(rec, host, now):
        fn = rec.call.fn
        f = functions[fn]
        s = host.snapshots.get(fn)
        if s is not None and now - s[1] > cfg.keepalive_s:
            host.drop(fn, functions)
            s = None
        if s is None:
            rec.cold, rec.cold_s = True, f.cold_s
            host.add(fn, now + f.cold_s, now, functions)
        elif s[0] > now:
            rec.cold, rec.cold_s = True, s[0] - now
        host.touch(fn, now)
        host.free -= 1
        rec.start = now
        rec.end = now + rec.cold_s + cfg.restore_s + rec.call.exec_s
        heapq.heappush(events, (rec.end, DONE, rec.call.id))

    while events:
        now, kind, cid = heapq.heappop(events)
        rec = records[cid]
        if kind == ARRIVE:
            h = policy.choose(rec.call, rec.recv, now, cluster)
            host = hosts[h]
            rec.host, rec.woke = h, host.load() == 0
            if h != rec.recv:
                host.incoming += 1
                heapq.heappush(events, (now + cfg.hop_s, REACH, cid))
                continue
            kind = REACH
        host = hosts[rec.host]
        if kind == REACH:
            if rec.host != rec.recv:
                host.incoming -= 1
            rec.at_host = now
            if host.free > 0:
                start(rec, host, now)
            else:
                host.queue.append(rec)
        else:  # DONE
            host.free += 1
            host.touch(rec.call.fn, now)
            policy.observe(rec, cluster)
            if host.queue:
                start(host.queue.popleft(), host, now)
    return records
