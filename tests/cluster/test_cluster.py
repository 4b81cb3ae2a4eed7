"""The cluster's behaviour across three hosts (docs/cluster.md): `wasmlet serve --cluster
redis://HOST:PORT --advertise HOST:PORT --host-id NAME` on each, `wasmlet cluster status`.
Functions go through the ordinary /v1 API on any host; propagation is given a bounded wait,
never a deadline the test asserts."""
import pytest

from conftest import USER
from netns_cluster import wait_until

PROPAGATION = 30  # seconds any host may take to see another's upload or removal


def wait_runs(host, fn, timeout=PROPAGATION):
    """Waits until `fn` answers an echo on `host`."""
    wait_until("%s to run %s" % (host.id, fn),
               lambda: (lambda r: r.status == 200 and r.body == b"ping")(
                   host.invoke(USER, fn, b"ping")), timeout)


def wait_gone(host, fn, timeout=PROPAGATION):
    """Waits until `host` no longer knows `fn` (404 for both the function and a call)."""
    wait_until("%s to forget %s" % (host.id, fn),
               lambda: host.function(USER, fn).status == 404
               and host.invoke(USER, fn, b"ping").status == 404, timeout)


def test_upload_on_one_host_runs_on_all(cluster, echo_wasm, fn):
    h1, h2, h3 = cluster.hosts
    h1.upload(USER, fn, echo_wasm)
    for h in (h2, h3):
        wait_runs(h, fn)
        assert h.function(USER, fn).json()["sha256"] == h1.function(USER, fn).json()["sha256"]
    # And through the load balancer, on whichever host it picks.
    served = set()
    for i in range(30):
        r = cluster.lb.invoke(USER, fn, b"lb %d" % i)
        assert (r.status, r.body) == (200, b"lb %d" % i), r
        served.add(r.headers.get("X-Wasmlet-Backend"))
    assert served == {"h1", "h2", "h3"}


def test_delete_on_one_host_removes_everywhere(cluster, echo_wasm, fn):
    h1, h2, h3 = cluster.hosts
    h1.upload(USER, fn, echo_wasm)
    for h in (h2, h3):
        wait_runs(h, fn)
    assert h2.delete(USER, fn).status == 204
    for h in (h1, h2, h3):
        wait_gone(h, fn)
    assert cluster.lb.invoke(USER, fn, b"x").status == 404


@pytest.mark.parametrize("how", ["stopped", "killed", "fresh"])
def test_a_rejoining_host_catches_up(cluster, echo_wasm, fn, how):
    """h3 leaves (SIGTERM, kill -9, or comes back with an empty data directory); while it is
    away a function is uploaded and another removed; back, it has both changes."""
    h1, h2, h3 = cluster.hosts
    old = fn + "-old"
    h1.upload(USER, old, echo_wasm)
    for h in (h2, h3):  # h2 deletes it below: it must have it by then
        wait_runs(h, old)
    if how == "killed":
        h3.kill9()
    else:
        h3.stop()
    h1.upload(USER, fn, echo_wasm)
    assert h2.delete(USER, old).status == 204
    wait_runs(h2, fn)
    h3.start(fresh=(how == "fresh"))
    wait_runs(h3, fn)
    wait_gone(h3, old)


def test_cluster_status_lists_the_three_hosts(cluster):
    def listed():
        proc = cluster.cli("cluster", "status", "--server", cluster.hosts[0].advertise)
        assert proc.returncode == 0, proc.stderr
        return all(h.id in proc.stdout for h in cluster.hosts) and proc.stdout
    # Hosts register when they start; the session's may still be announcing themselves.
    out = wait_until("`wasmlet cluster status` to list h1, h2 and h3", listed, PROPAGATION)
    for h in cluster.hosts:
        assert h.id in out


def test_a_host_with_no_free_executor_forwards_sync_calls(cluster, guest_dir, fn):
    """h1 has two executors; eight 300 ms calls at once: the ones it cannot start run on peers
    (X-Wasmlet-Forwarded-To names which), and every caller gets its own answer."""
    import concurrent.futures
    h1 = cluster.hosts[0]
    h1.upload(USER, fn, (guest_dir / "sleeper.wasm").read_bytes())
    for h in cluster.hosts:
        wait_until("%s to have %s" % (h.id, fn),
                   lambda h=h: h.function(USER, fn).status == 200, PROPAGATION)
    # Peers learn each other's free executors from heartbeats (one a second).
    wait_until("h1 to see free peers", lambda: sum(
        x["free_slots"] for x in h1.request("GET", "/v1/cluster").json()["hosts"]
        if x["id"] != "h1") >= 4, PROPAGATION)
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        replies = list(pool.map(lambda i: h1.invoke(USER, fn, b"", timeout=60), range(8)))
    for r in replies:
        assert r.status == 200 and r.headers.get("X-Wasmlet-Return-Code") == "0", r
    forwarded = [r.headers.get("X-Wasmlet-Forwarded-To") for r in replies]
    assert any(f in ("h2", "h3") for f in forwarded), forwarded
    assert forwarded.count(None) >= 2, forwarded  # h1 ran what it could


def test_a_fan_out_wider_than_one_host(cluster, guest_dir):
    """Chained calls a host has no executor for go through the cluster's queue to peers with
    free ones; the caller's awaits get their results."""
    tree = "tree-" + cluster.prefix
    cluster.hosts[0].upload(USER, tree, (guest_dir / "chain_tree.wasm").read_bytes())
    for h in cluster.hosts:
        wait_until("%s to have %s" % (h.id, tree),
                   lambda h=h: h.function(USER, tree).status == 200, PROPAGATION)
    # depth 0, 24 children, one level: more calls than one host's two executors hold at once.
    r = cluster.hosts[0].invoke(USER, tree, b"0 24 1", timeout=60)
    assert (r.status, r.body) == (200, b"25"), r
    ran = {h.id: h.invocations("%s/%s" % (USER, tree)) for h in cluster.hosts}
    assert sum(1 for n in ran.values() if n) > 1, ran


def test_kill9_during_a_stream_of_async_calls_loses_none(cluster, echo_wasm, fn):
    """Async calls go through the cluster's queue in Redis: those the killed host had taken
    are claimed by the others once its membership expires, and every result is readable
    through any host."""
    cluster.hosts[0].upload(USER, fn, echo_wasm)
    for h in cluster.hosts:
        wait_runs(h, fn)
    accepted = {}
    for i in range(60):
        if i == 20:
            cluster.host("h2").kill9()
        r = cluster.lb.invoke(USER, fn, b"async %d" % i, query="?async=1")
        assert r.status == 202, r
        accepted[r.json()["id"]] = b"async %d" % i
    for call_id, data in accepted.items():
        record = wait_until(
            "call %s to finish" % call_id,
            lambda c=call_id: (lambda r: r.status == 200 and r.json()["status"] in
                               ("succeeded", "failed") and r.json())(
                cluster.lb.request("GET", "/v1/calls/%s" % c)), 60)
        assert record["status"] == "succeeded" and record["output"] == data.decode(), record


def test_redis_restarting_degrades_and_recovers(cluster, echo_wasm, fn):
    """Without Redis every host keeps serving what it holds; an upload succeeds on the host
    that took it and reaches the others once Redis is back (docs/cluster.md)."""
    h1, h2, h3 = cluster.hosts
    cluster.stop_redis(kill=True)
    wait_until("h1 to report Redis gone", lambda: h1.request(
        "GET", "/v1/cluster").json()["connected"] is False, PROPAGATION)
    r = h1.request("PUT", "/v1/functions/%s/%s" % (USER, fn), echo_wasm, timeout=60)
    assert r.status == 200, r
    assert all(h.healthy() for h in cluster.hosts)  # degraded, not dead
    # What needs Redis says so: the durable queue cannot take an async call.
    r = h1.invoke(USER, fn, b"later", query="?async=1")
    assert r.status == 503 and r.json()["error"] == "state_unavailable", r
    assert "Redis at" in r.json()["message"], r
    wait_runs(h1, fn)
    cluster.start_redis()  # empty: the hosts publish what they hold again
    for h in (h2, h3):
        wait_runs(h, fn)
    wait_until("h2 to report Redis back", lambda: h2.request(
        "GET", "/v1/cluster").json()["connected"] is True, PROPAGATION)


def test_cross_host_locks_exclude(cluster, guest_dir, fn):
    """Guests on three hosts increment one counter in state under its write lock (lock, pull,
    add, push, unlock): the global tier's lock excludes them across hosts, so none is lost."""
    import concurrent.futures
    import struct
    counter = guest_dir / "state_counter.wasm"
    if not counter.exists():
        pytest.skip("state_counter.wasm is built with the runtime tests (ninja runtime_test_guests)")
    h1 = cluster.hosts[0]
    h1.upload(USER, fn, counter.read_bytes())
    for h in cluster.hosts:
        wait_until("%s to have %s" % (h.id, fn),
                   lambda h=h: h.function(USER, fn).status == 200, PROPAGATION)
    key = "count-" + fn
    work = [(h, i) for h in cluster.hosts for i in range(2)]  # two calls on each host at once
    with concurrent.futures.ThreadPoolExecutor(len(work)) as pool:
        replies = list(pool.map(
            lambda w: w[0].invoke(USER, fn, ("%s 50" % key).encode(), timeout=120), work))
    for r in replies:
        assert (r.status, r.body) == (200, b"ok"), r
    value = h1.request("GET", "/v1/state/%s/%s" % (USER, key))
    assert value.status == 200, value
    assert struct.unpack("<Q", value.body[:8])[0] == 50 * len(work)
