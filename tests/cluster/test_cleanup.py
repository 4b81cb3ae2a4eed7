"""Nothing a cluster creates outlives it: a second, one-host cluster is built and torn down
here (its own tag, so it does not touch the session's), and the sweep removes what a run that
died left behind."""
import os
import subprocess
import tempfile

import netns_cluster


def test_teardown_leaves_nothing(netns_ok, exe):
    with netns_cluster.Cluster(exe, tag="b", hosts=1) as c:
        assert c.hosts[0].healthy() and c.lb.healthy()
        # Sanity: leftovers() does see a live cluster.
        assert any(x.startswith(c.prefix) for x in c.leftovers())
    assert c.leftovers() == []


def test_teardown_after_a_failed_start_leaves_nothing(netns_ok, tmp_path):
    # A binary that exits at once: start() fails while hosts are being started.
    bad = tmp_path / "wasmlet"
    bad.write_text("#!/bin/sh\nexit 3\n")
    bad.chmod(0o755)
    c = netns_cluster.Cluster(bad, tag="c", hosts=1)
    try:
        with c:
            raise AssertionError("a host that exits at once started")
    except AssertionError as e:
        assert "exited with 3" in str(e), e
    assert c.leftovers() == []


def test_sweep_removes_namespaces_of_dead_runs(netns_ok):
    # A pid that is certainly dead: a child already reaped. (Were it reused meanwhile, the
    # sweep would rightly leave its namespaces alone and this test would fail: unlikely.)
    child = subprocess.Popen(["true"])
    child.wait(timeout=10)
    dead = child.pid
    ns = "%s-%d-z-hub" % (netns_cluster.PREFIX, dead)
    veth = "%s%dz" % (netns_cluster.PREFIX, dead)
    mine = "%s-%d-z-hub" % (netns_cluster.PREFIX, os.getpid())
    try:
        netns_cluster.sh("ip", "netns", "add", ns)
        netns_cluster.sh("ip", "link", "add", veth, "type", "veth", "peer", "name",
                         "wlz%d" % dead)
        netns_cluster.sh("ip", "netns", "add", mine)
        tmp = tempfile.mkdtemp(prefix="%s-%d-z-" % (netns_cluster.PREFIX, dead))
        swept = netns_cluster.sweep_stale()
        assert ns in swept and veth in swept and tmp in swept, swept
        assert not os.path.exists(tmp)
        assert mine not in swept  # this process is alive: its namespaces stay
        assert ns not in netns_cluster.list_netns()
        assert mine in netns_cluster.list_netns()
    finally:
        for n in (ns, mine):
            netns_cluster.sh("ip", "netns", "del", n, check=False)
        netns_cluster.sh("ip", "link", "del", veth, check=False)
