"""The harness itself, with hosts that do not (need to) know of each other: haproxy spreads
requests over the three namespaces, routes around a killed host, and the helpers (restart,
Redis stop/start) do what they say. These run today, with or without --cluster."""
import uuid

import pytest

from conftest import USER
from netns_cluster import wait_until

N = 30  # requests per check: ten per host under round robin


def test_haproxy_balances_healthz_across_the_hosts(cluster):
    # A marker in the query finds exactly these requests in the hosts' logs (haproxy's own
    # health checks hit /healthz too).
    marker = "probe=" + uuid.uuid4().hex
    backends = set()
    for _ in range(N):
        r = cluster.lb.request("GET", "/healthz?" + marker)
        assert r.status == 200, r
        backends.add(r.headers.get("X-Wasmlet-Backend"))
    assert backends == {"h1", "h2", "h3"}
    # What the hosts saw themselves: their logs are flushed once a second, hence the wait.
    counts = wait_until(
        "the hosts to log %d requests" % N,
        lambda: (lambda c: sum(c.values()) == N and c)(
            {h.id: h.requests_logged(marker) for h in cluster.hosts}),
        timeout=15)
    assert all(n > 0 for n in counts.values()), counts


def test_function_uploaded_to_every_host_is_callable_through_haproxy(cluster, echo_wasm, fn):
    for h in cluster.hosts:
        h.upload(USER, fn, echo_wasm)
    for i in range(N):
        data = b"hello %d" % i
        r = cluster.lb.invoke(USER, fn, data)
        assert r.status == 200, r
        assert r.body == data
    ran = {h.id: h.invocations("%s/%s" % (USER, fn)) for h in cluster.hosts}
    assert sum(ran.values()) == N, ran
    assert all(n > 0 for n in ran.values()), ran


def test_a_killed_host_is_routed_around(cluster, echo_wasm, fn):
    for h in cluster.hosts:
        h.upload(USER, fn, echo_wasm)
    victim = cluster.host("h2")
    victim.kill9()
    with pytest.raises(OSError):
        victim.request("GET", "/healthz", timeout=2)
    # Bounded by a generous timeout, not timed: haproxy checks every 300 ms, DOWN after two.
    cluster.wait_backends({"h2": "DOWN", "h1": "UP", "h3": "UP"}, timeout=30)
    for i in range(N):
        r = cluster.lb.invoke(USER, fn, b"x%d" % i)
        assert r.status == 200, r
        assert r.headers.get("X-Wasmlet-Backend") in ("h1", "h3"), r.headers
    # Back with the same data directory: it still has the function, and haproxy uses it again.
    victim.start()
    cluster.wait_backends_up()
    assert victim.invoke(USER, fn, b"back").body == b"back"
    served = {cluster.lb.invoke(USER, fn, b"y").headers.get("X-Wasmlet-Backend")
              for _ in range(N)}
    assert "h2" in served, served


def test_restart_keeps_or_drops_the_data_directory(cluster, echo_wasm, fn):
    h3 = cluster.host("h3")
    h3.upload(USER, fn, echo_wasm)
    h3.restart()
    r = h3.invoke(USER, fn, b"kept")
    assert (r.status, r.body) == (200, b"kept")
    h3.restart(fresh=True)
    assert h3.invoke(USER, fn, b"gone").status == 404


def test_redis_stops_and_starts(cluster):
    assert cluster.redis_ping()
    cluster.stop_redis()
    assert not cluster.redis_ping()
    cluster.start_redis()
    assert cluster.redis_ping()
    cluster.stop_redis(kill=True)
    assert not cluster.redis_ping()
    cluster.start_redis()
    assert cluster.redis_ping()
