"""Three Wasmlet hosts, Redis and HAProxy in network namespaces of their own, for the cluster
tests (docs/cluster-tests.md).

Topology (N is a free 10.213.N.0/24, P this process's pid, T a one-letter tag):

    root namespace ── veth wlcPT ──┐
                                   │  namespace wlc-P-T-hub: bridge br0 10.213.N.1
                                   │    redis-server 10.213.N.1:6379, haproxy 10.213.N.1:8000
    namespace wlc-P-T-h1 (eth0 10.213.N.11) ── veth ──┤  wasmlet serve 10.213.N.11:8080
    namespace wlc-P-T-h2 (eth0 10.213.N.12) ── veth ──┤  ...
    namespace wlc-P-T-h3 (eth0 10.213.N.13) ── veth ──┘

The test process stays in the root namespace and reaches every address through its veth
(10.213.N.254). Every process is started with `ip netns exec` (which execs, so the pid is the
server's own) and dies with this process (PR_SET_PDEATHSIG). close() kills them, deletes the
namespaces (which deletes the veths and the bridge) and the temporary directory;
sweep_stale() does the same for namespaces left by a run whose process is gone."""
import contextlib
import ctypes
import fcntl
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request

PREFIX = "wlc"
STALE_NETNS = re.compile(r"^wlc-(\d+)-")
STALE_VETH = re.compile(r"^wlc(\d+)[a-z]$")
HOST_PORT = 8080
REDIS_PORT = 6379
HAPROXY_PORT = 8000
# haproxy checks each host this often; a host is DOWN after FALL failed checks.
CHECK_INTER_MS = 300
CHECK_FALL = 2

_libc = ctypes.CDLL(None, use_errno=True)
_PR_SET_PDEATHSIG = 1


def _die_with_parent():
    # If pytest itself is killed (ctest's timeout), no server outlives it.
    _libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)


def sh(*args, check=True, timeout=30):
    """Runs a command (ip, ...); its CompletedProcess. Raises with its stderr on failure."""
    proc = subprocess.run([str(a) for a in args], capture_output=True, text=True,
                          timeout=timeout)
    if check and proc.returncode != 0:
        raise RuntimeError("%s: exit %d: %s" % (" ".join(map(str, args)), proc.returncode,
                                                 proc.stderr.strip()))
    return proc


class GaveUp(AssertionError):
    """Raised by a wait_until predicate when waiting longer cannot help (the process died)."""


def wait_until(what, predicate, timeout, interval=0.1):
    """Polls predicate() until it returns a true value (returned); AssertionError naming
    `what` after `timeout` seconds. Every wait in these tests goes through here or has its
    own timeout."""
    deadline = time.monotonic() + timeout
    last = None
    while True:
        try:
            last = predicate()
            if last:
                return last
        except GaveUp:
            raise
        except Exception as e:  # noqa: BLE001  (the last error is reported on timeout)
            last = e
        if time.monotonic() >= deadline:
            raise AssertionError("timed out after %ss waiting for %s (last: %r)"
                                 % (timeout, what, last))
        time.sleep(interval)


# ---------------------------------------------------------------------------------------------
# HTTP: urllib, never through a proxy from the environment, every request with a timeout.

_opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class Reply:
    # headers: an http.client.HTTPMessage, case-insensitive (haproxy sends names in lower case).
    def __init__(self, status, headers, body):
        self.status, self.headers, self.body = status, headers, body

    def json(self):
        return json.loads(self.body)

    def __repr__(self):
        return "Reply(%s, %r)" % (self.status, self.body[:300])


def http(method, url, body=None, headers=None, timeout=10):
    """One request; a Reply for any HTTP status, OSError (URLError, timeout) when there is none."""
    if isinstance(body, str):
        body = body.encode()
    req = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with _opener.open(req, timeout=timeout) as r:
            return Reply(r.status, r.headers, r.read())
    except urllib.error.HTTPError as e:
        return Reply(e.code, e.headers, e.read())


class Endpoint:
    """A base URL with the calls the tests make (native /v1 API, docs/http-api.md)."""

    def __init__(self, base):
        self.base = base

    def request(self, method, path, body=None, timeout=10, headers=None):
        return http(method, self.base + path, body, headers, timeout)

    def healthy(self):
        try:
            return self.request("GET", "/healthz", timeout=2).status == 200
        except OSError:
            return False

    def upload(self, user, name, wasm, timeout=120):
        r = self.request("PUT", "/v1/functions/%s/%s" % (user, name), wasm, timeout=timeout)
        assert r.status == 200, r
        return r.json()

    def delete(self, user, name):
        return self.request("DELETE", "/v1/functions/%s/%s" % (user, name))

    def function(self, user, name):
        return self.request("GET", "/v1/functions/%s/%s" % (user, name))

    def invoke(self, user, name, data=b"", query="", timeout=30):
        return self.request("POST", "/v1/functions/%s/%s:invoke%s" % (user, name, query), data,
                            timeout=timeout)

    def metrics(self):
        r = self.request("GET", "/metrics")
        assert r.status == 200, r
        return r.body.decode()

    def invocations(self, function):
        """wasmlet_invocations_total{function=FUNCTION} over every outcome."""
        total = 0
        pattern = re.compile(r'^wasmlet_invocations_total\{function="%s",[^}]*\}\s+(\S+)$'
                             % re.escape(function), re.M)
        for m in pattern.finditer(self.metrics()):
            total += int(float(m.group(1)))
        return total


# ---------------------------------------------------------------------------------------------


class Proc:
    """A process started in a namespace, its output in a log file (a pipe could fill up)."""

    def __init__(self, name, netns, argv, log_path):
        self.name, self.netns, self.argv, self.log_path = name, netns, argv, log_path
        self.proc = None

    def start(self):
        assert not self.running(), "%s already running" % self.name
        with open(self.log_path, "ab") as log:
            log.write(b"---- start %s\n" % " ".join(self.argv).encode())
            log.flush()
            self.proc = subprocess.Popen(["ip", "netns", "exec", self.netns, *self.argv],
                                         stdin=subprocess.DEVNULL, stdout=log,
                                         stderr=subprocess.STDOUT, preexec_fn=_die_with_parent)

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    @property
    def pid(self):
        return self.proc.pid

    def kill9(self):
        """SIGKILL, no chance to clean up; waits (bounded) until it is gone."""
        if self.running():
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(timeout=10)

    def stop(self, timeout=15):
        """SIGTERM (a graceful shutdown), SIGKILL if it is still there after `timeout`."""
        if not self.running():
            return
        self.proc.terminate()
        try:
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill9()

    def log(self):
        try:
            with open(self.log_path, "rb") as f:
                return f.read().decode(errors="replace")
        except FileNotFoundError:
            return ""

    def log_tail(self, lines=40):
        # Without haproxy's health checks, which would fill the tail.
        return "\n".join([line for line in self.log().splitlines()
                          if "target=/healthz status=" not in line][-lines:])


class Host(Proc, Endpoint):
    """One `wasmlet serve` in namespace NETNS, on ADDRESS:8080, with its own data directory."""

    def __init__(self, cluster, index):
        self.cluster = cluster
        self.id = "h%d" % index
        self.address = cluster.subnet % (10 + index)
        self.advertise = "%s:%d" % (self.address, HOST_PORT)
        self.data_dir = None
        self.generation = 0
        Proc.__init__(self, self.id, "%s-%s" % (cluster.prefix, self.id), [],
                      os.path.join(cluster.tmp, "%s.log" % self.id))
        Endpoint.__init__(self, "http://%s" % self.advertise)

    def new_data_dir(self):
        self.generation += 1
        self.data_dir = os.path.join(self.cluster.tmp, "%s-data-%d" % (self.id, self.generation))
        os.makedirs(self.data_dir)

    def start(self, fresh=False, timeout=60):
        """Starts the host (with a fresh, empty data directory if `fresh`) and waits until it
        answers /healthz."""
        if fresh or self.data_dir is None:
            self.new_data_dir()
        self.argv = [self.cluster.exe, "serve", "--address", self.address, "--port", HOST_PORT,
                     "--data-dir", self.data_dir, "--allow-open", "--io-threads", "2",
                     "--executor-threads", "2", "--timeout", "30s", "--memory-limit", "256MiB",
                     "--log-level", "info"]
        if self.cluster.with_cluster:
            # The cluster's Redis is the global state tier too, as deploy/k8s sets it up.
            self.argv += ["--cluster", self.cluster.redis_url, "--advertise", self.advertise,
                          "--host-id", self.id, "--state", self.cluster.redis_url]
        self.argv = [str(a) for a in self.argv]
        Proc.start(self)
        try:
            wait_until("%s to answer /healthz" % self.id,
                       lambda: self._alive_or_raise() and self.healthy(), timeout)
        except AssertionError as e:  # GaveUp included
            self.kill9()
            raise AssertionError("%s\n%s log:\n%s" % (e, self.id, self.log_tail())) from None

    def _alive_or_raise(self):
        if not self.running():
            raise GaveUp("%s exited with %s" % (self.id, self.proc.returncode))
        return True

    def restart(self, fresh=False):
        self.stop()
        self.start(fresh=fresh)

    def requests_logged(self, marker):
        """Requests whose target contains `marker` in this host's log. The log is flushed
        once a second (serve_command.cpp), so callers poll."""
        return sum(1 for line in self.log().splitlines()
                   if " http method=" in line and marker in line)


class Cluster:
    """The topology above. Use as a context manager, or start() and close()."""

    def __init__(self, exe, tag="a", hosts=3, with_cluster=False, tmp_root=None):
        self.exe = str(exe)
        self.pid = os.getpid()
        self.prefix = "%s-%d-%s" % (PREFIX, self.pid, tag)
        self.root_veth = "%s%d%s" % (PREFIX, self.pid, tag)  # <= 15 characters (IFNAMSIZ)
        self.hub = self.prefix + "-hub"
        self.with_cluster = with_cluster
        self.n_hosts = hosts
        self.tmp = tempfile.mkdtemp(prefix=self.prefix + "-", dir=tmp_root)
        self.namespaces = []
        self.subnet = None  # "10.213.N.%d"
        self.hosts = []
        self.redis = None
        self.haproxy = None

    # -- addresses

    @property
    def hub_address(self):
        return self.subnet % 1

    @property
    def root_address(self):
        return self.subnet % 254

    @property
    def redis_url(self):
        return "redis://%s:%d" % (self.hub_address, REDIS_PORT)

    @property
    def lb(self):
        """The load balancer (haproxy) as an Endpoint."""
        return Endpoint("http://%s:%d" % (self.hub_address, HAPROXY_PORT))

    # -- life cycle

    def __enter__(self):
        try:
            self.start()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc):
        self.close()

    def start(self):
        self._network()
        self.redis = Proc("redis", self.hub, [
            "redis-server", "--bind", self.hub_address, "--port", str(REDIS_PORT),
            "--save", "", "--appendonly", "no", "--protected-mode", "no",
            "--daemonize", "no", "--dir", self.tmp], os.path.join(self.tmp, "redis.log"))
        self.start_redis()
        self.hosts = [Host(self, i) for i in range(1, self.n_hosts + 1)]
        for h in self.hosts:
            h.start()
        self._haproxy()

    def _network(self):
        # Pick a /24 nobody uses in the root namespace and claim it (the root veth's address)
        # under a lock, so that concurrent runs get different ones.
        os.makedirs("/run/lock", exist_ok=True)
        with open("/run/lock/wasmlet-cluster-tests.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            used = sh("ip", "-4", "-o", "addr", "show").stdout + sh("ip", "-4", "route").stdout
            for i in range(254):
                n = 1 + (self.pid + i) % 254
                if "10.213.%d." % n not in used:
                    self.subnet = "10.213.%d.%%d" % n
                    break
            else:
                raise RuntimeError("no free 10.213.N.0/24")
            self._netns(self.hub)
            sh("ip", "-n", self.hub, "link", "add", "br0", "type", "bridge")
            sh("ip", "-n", self.hub, "addr", "add", "%s/24" % self.hub_address, "dev", "br0")
            sh("ip", "-n", self.hub, "link", "set", "br0", "up")
            sh("ip", "link", "add", self.root_veth, "type", "veth", "peer", "name", "root",
               "netns", self.hub)
            sh("ip", "-n", self.hub, "link", "set", "root", "master", "br0", "up")
            sh("ip", "addr", "add", "%s/24" % self.root_address, "dev", self.root_veth)
            sh("ip", "link", "set", self.root_veth, "up")
        for i in range(1, self.n_hosts + 1):
            ns = "%s-h%d" % (self.prefix, i)
            self._netns(ns)
            sh("ip", "-n", self.hub, "link", "add", "h%d" % i, "type", "veth", "peer", "name",
               "eth0", "netns", ns)
            sh("ip", "-n", self.hub, "link", "set", "h%d" % i, "master", "br0", "up")
            sh("ip", "-n", ns, "addr", "add", "%s/24" % (self.subnet % (10 + i)), "dev", "eth0")
            sh("ip", "-n", ns, "link", "set", "eth0", "up")

    def _netns(self, name):
        sh("ip", "netns", "add", name)
        self.namespaces.append(name)
        sh("ip", "-n", name, "link", "set", "lo", "up")

    def _haproxy(self):
        cfg = os.path.join(self.tmp, "haproxy.cfg")
        self.haproxy_socket = os.path.join(self.tmp, "haproxy.sock")
        servers = "\n".join("  server %s %s check" % (h.id, h.advertise) for h in self.hosts)
        with open(cfg, "w") as f:
            f.write(HAPROXY_CFG % dict(socket=self.haproxy_socket, bind=self.hub_address,
                                       port=HAPROXY_PORT, inter=CHECK_INTER_MS,
                                       fall=CHECK_FALL, servers=servers))
        sh("haproxy", "-c", "-q", "-f", cfg)
        self.haproxy = Proc("haproxy", self.hub, ["haproxy", "-db", "-f", cfg],
                            os.path.join(self.tmp, "haproxy.log"))
        self.haproxy.start()
        try:
            self.wait_backends_up()
        except AssertionError as e:
            raise AssertionError("%s\nhaproxy log:\n%s" % (e, self.haproxy.log_tail())) from None

    def close(self):
        """Kills every process, deletes the namespaces (and so the veths and the bridge) and
        the temporary directory. Safe to call twice and after a partial start()."""
        for p in [self.haproxy, *self.hosts, self.redis]:
            if p is not None:
                with contextlib.suppress(Exception):
                    p.kill9()
        for ns in reversed(self.namespaces):
            _delete_netns(ns)
        self.namespaces = []
        with contextlib.suppress(Exception):
            sh("ip", "link", "del", self.root_veth, check=False)
        shutil.rmtree(self.tmp, ignore_errors=True)

    def leftovers(self):
        """What of this cluster still exists (for the clean-up test): namespaces, the root
        veth, live processes, the temporary directory."""
        left = [ns for ns in list_netns() if ns.startswith(self.prefix + "-")]
        if sh("ip", "link", "show", self.root_veth, check=False).returncode == 0:
            left.append("veth " + self.root_veth)
        for p in [self.haproxy, *self.hosts, self.redis]:
            if p is not None and p.running():
                left.append("process %s (%d)" % (p.name, p.pid))
        if os.path.exists(self.tmp):
            left.append("directory " + self.tmp)
        return left

    # -- Redis

    def start_redis(self, timeout=20):
        self.redis.start()
        wait_until("redis-server to answer PING", self.redis_ping, timeout)

    def stop_redis(self, kill=False):
        if kill:
            self.redis.kill9()
        else:
            self.redis.stop()

    def redis_ping(self):
        try:
            with socket.create_connection((self.hub_address, REDIS_PORT), timeout=2) as s:
                s.sendall(b"PING\r\n")
                return s.recv(64).startswith(b"+PONG")
        except OSError:
            return False

    # -- haproxy

    def haproxy_command(self, command, timeout=5):
        """A command on haproxy's admin socket (a Unix socket: reachable from any namespace)."""
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            s.settimeout(timeout)
            s.connect(self.haproxy_socket)
            s.sendall(command.encode() + b"\n")
            chunks = []
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                chunks.append(chunk)
        return b"".join(chunks).decode()

    def backend_states(self):
        """{host id: haproxy's status of it ("UP", "DOWN", "UP 1/2", ...)}."""
        lines = self.haproxy_command("show stat").splitlines()
        header = lines[0].lstrip("# ").split(",")
        states = {}
        for line in lines[1:]:
            row = dict(zip(header, line.split(",")))
            if row.get("pxname") == "hosts" and row.get("svname") not in ("BACKEND", None):
                states[row["svname"]] = row["status"]
        return states

    def wait_backends(self, expected, timeout=30):
        """Waits until haproxy reports each host in `expected` ({id: "UP"|"DOWN"})."""
        def ok():
            states = self.backend_states()
            return all(states.get(k) == v for k, v in expected.items()) and states
        return wait_until("haproxy to report %r" % expected, ok, timeout)

    def wait_backends_up(self, timeout=30):
        return self.wait_backends({h.id: "UP" for h in self.hosts}, timeout)

    def host(self, host_id):
        return next(h for h in self.hosts if h.id == host_id)

    # -- the CLI

    def cli(self, *args, timeout=60):
        """`wasmlet ARGS` from the root namespace; the CompletedProcess (text)."""
        return subprocess.run([self.exe, *map(str, args)], capture_output=True, text=True,
                              timeout=timeout)

    def diagnostics(self):
        """Every process's log tail and haproxy's view, for a failing test's report."""
        out = []
        for p in [self.redis, self.haproxy, *self.hosts]:
            if p is not None:
                out.append("---- %s (%s)\n%s" % (p.name, "running" if p.running() else "stopped",
                                                  p.log_tail(20)))
        with contextlib.suppress(Exception):
            out.append("---- haproxy backends: %r" % self.backend_states())
        return "\n".join(out)


HAPROXY_CFG = """\
global
  maxconn 512
  stats socket %(socket)s mode 600 level admin

defaults
  mode http
  timeout connect 1s
  timeout client 60s
  timeout server 60s
  # A request whose host refuses the connection (killed) goes to another host.
  retries 2
  option redispatch

frontend lb
  bind %(bind)s:%(port)d
  default_backend hosts

backend hosts
  balance roundrobin
  option httpchk GET /healthz
  http-check expect status 200
  default-server inter %(inter)dms fastinter %(inter)dms downinter %(inter)dms fall %(fall)d rise 1
  # Which host answered: lets tests see where requests went.
  http-response set-header X-Wasmlet-Backend %%[srv_name]
%(servers)s
"""


# ---------------------------------------------------------------------------------------------
# Namespaces left behind by runs that died (SIGKILL of pytest, a crash).


def list_netns():
    return [line.split()[0] for line in sh("ip", "netns", "list").stdout.splitlines() if line]


def _pid_alive(pid):
    # A zombie counts as dead: a killed run whose parent does not reap it stays one.
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return False


def _delete_netns(ns):
    # A namespace lives on while a process is in it: kill those first.
    pids = sh("ip", "netns", "pids", ns, check=False).stdout.split()
    for pid in pids:
        with contextlib.suppress(ProcessLookupError, ValueError):
            os.kill(int(pid), signal.SIGKILL)
    sh("ip", "netns", "del", ns, check=False)


def sweep_stale():
    """Deletes wlc-PID-* namespaces, wlcPIDx veths and wlc-PID-* temporary directories whose
    PID is no longer running; returns what it deleted."""
    swept = []
    tmp = tempfile.gettempdir()
    for name in os.listdir(tmp):
        m = STALE_NETNS.match(name)
        if m and not _pid_alive(int(m.group(1))) and os.path.isdir(os.path.join(tmp, name)):
            shutil.rmtree(os.path.join(tmp, name), ignore_errors=True)
            swept.append(os.path.join(tmp, name))
    for ns in list_netns():
        m = STALE_NETNS.match(ns)
        if m and not _pid_alive(int(m.group(1))):
            _delete_netns(ns)
            swept.append(ns)
    for line in sh("ip", "-o", "link", "show").stdout.splitlines():
        name = line.split(":")[1].strip().split("@")[0]
        m = STALE_VETH.match(name)
        if m and not _pid_alive(int(m.group(1))):
            sh("ip", "link", "del", name, check=False)
            swept.append(name)
    return swept
