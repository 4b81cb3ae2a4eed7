"""Fixtures for the cluster tests: three `wasmlet serve` hosts in network namespaces of their
own, a real redis-server and haproxy in front (netns_cluster.py, docs/cluster-tests.md).

Needs root, `ip netns`, redis-server and haproxy; without them every test is skipped, saying
which is missing. WASMLET_EXE names the binary; WASMLET_TEST_GUEST_DIR the guest modules
(default: tests/guest of the build the binary is in)."""
import os
import pathlib
import shutil
import subprocess
import sys
import uuid

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import netns_cluster  # noqa: E402

def _exe():
    exe = os.environ.get("WASMLET_EXE")
    if not exe:
        raise pytest.UsageError("set WASMLET_EXE to the wasmlet binary (ctest does)")
    return exe


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    # Lets the `cluster` fixture print the processes' logs when its test failed.
    outcome = yield
    rep = outcome.get_result()
    setattr(item, "rep_" + rep.when, rep)


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session, exitstatus):
    # Nothing of this run may survive it: a leftover namespace fails the run (and is removed).
    # trylast: after pytest's own sessionfinish, which tears the session's fixtures down.
    prefix = "%s-%d-" % (netns_cluster.PREFIX, os.getpid())
    try:
        left = [ns for ns in netns_cluster.list_netns() if ns.startswith(prefix)]
    except Exception:  # noqa: BLE001  (no `ip`: nothing was created)
        return
    if left:
        for ns in left:
            netns_cluster._delete_netns(ns)
        sys.stderr.write("cluster tests left namespaces behind: %s\n" % left)
        session.exitstatus = 1


def _missing():
    """Why the topology cannot be built here, or None."""
    if os.geteuid() != 0:
        return "cluster tests need root (network namespaces); skipped"
    for tool in ("ip", "redis-server", "haproxy"):
        if shutil.which(tool) is None:
            return "cluster tests need %s (Debian package %s); skipped" % (
                tool, {"ip": "iproute2"}.get(tool, tool))
    probe = "%s-%d-probe" % (netns_cluster.PREFIX, os.getpid())
    proc = subprocess.run(["ip", "netns", "add", probe], capture_output=True, text=True,
                          timeout=30)
    if proc.returncode != 0:
        return "cluster tests cannot create a network namespace (`ip netns add`: %s); skipped" % (
            proc.stderr.strip())
    try:
        # Some containers may add a namespace but not enter it (`ip netns exec` mounts /sys).
        proc = subprocess.run(["ip", "netns", "exec", probe, "true"], capture_output=True,
                              text=True, timeout=30)
        if proc.returncode != 0:
            return ("cluster tests cannot enter a network namespace (`ip netns exec`: %s); "
                    "skipped" % proc.stderr.strip())
    finally:
        subprocess.run(["ip", "netns", "del", probe], capture_output=True, timeout=30)
    return None


@pytest.fixture(scope="session")
def netns_ok():
    """Skips every test that needs namespaces where they cannot be made; sweeps namespaces
    that earlier runs, killed before their clean-up, left behind."""
    why = _missing()
    if why:
        pytest.skip(why)
    swept = netns_cluster.sweep_stale()
    if swept:
        sys.stderr.write("swept stale cluster-test leftovers: %s\n" % swept)


@pytest.fixture(scope="session")
def exe():
    return _exe()


@pytest.fixture(scope="session")
def guest_dir(exe):
    d = os.environ.get("WASMLET_TEST_GUEST_DIR")
    # build/src/cli/wasmlet -> build/tests/guest
    return pathlib.Path(d) if d else pathlib.Path(exe).resolve().parents[2] / "tests" / "guest"


@pytest.fixture(scope="session")
def echo_wasm(guest_dir):
    """examples/functions/echo.c as built by the build (`wasmlet cc`): returns its input."""
    path = guest_dir / "echo.wasm"
    assert path.is_file(), "%s missing: build the guest_modules target" % path
    return path.read_bytes()


@pytest.fixture(scope="session")
def topology(netns_ok, exe):
    """The three hosts, redis-server and haproxy, for the whole session; torn down at its end
    whatever happened."""
    c = netns_cluster.Cluster(exe, tag="a", hosts=3, with_cluster=True)
    try:
        c.start()
    except BaseException:
        c.close()
        raise
    try:
        yield c
    finally:
        c.close()


@pytest.fixture
def cluster(topology, request):
    """The session's topology, healed before each test (Redis up, every host up and seen UP by
    haproxy) since tests kill and stop things; the logs printed when the test failed."""
    c = topology
    if not c.redis.running():
        c.start_redis()
    for h in c.hosts:
        if not h.running():
            h.start()
    c.wait_backends_up()
    yield c
    rep = getattr(request.node, "rep_call", None)
    if rep is not None and rep.failed:
        print(c.diagnostics())


@pytest.fixture
def fn():
    """A function name of this test's own: tests share the hosts (and every function reaches
    every host)."""
    return "echo-" + uuid.uuid4().hex[:10]


USER = "demo"
