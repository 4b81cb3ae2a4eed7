#!/usr/bin/python3
"""./run bench python: classic Python benchmark programs, natively and as Wasmlet functions.

Each program in programs/ runs natively in this process (Debian's /usr/bin/python3, warm) and
as a Python function of a `wasmlet serve` started here (invoked over HTTP on a kept-alive
connection), alternately, --rounds times each, on the same input. The result of every Wasmlet
call must equal the native one. Printed: a Markdown table of median times and their ratio per
program, the geometric mean and the worst ratio; then the per-invocation cost of a no-op
function over HTTP against a warm native call and against `python3 -c pass`.

Usage: python_bench.py --wasmlet BUILD/src/cli/wasmlet --python-home BUILD/python
                       [--rounds 7] [--only nbody,richards] [--noop-calls 2000] [--json FILE]

Standard library only: it runs with the system interpreter, which is also the native baseline.
"""

import argparse
import http.client
import importlib
import json
import math
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
PROGRAMS_DIR = os.path.join(HERE, "programs")
PROGRAMS = ["nbody", "fannkuch", "spectral_norm", "richards", "float_bench", "chaos",
            "deltablue", "json_roundtrip", "unpack_sequence", "pidigits", "regex_bench",
            "dict_str"]
USER = "bench"
FAASM_RESET_US = 3600.0  # Faasm's median Python reset per call (issue 8)
TARGET_GEOMEAN = 1.3
TARGET_WORST = 2.0


def log(msg):
    print(f"python_bench: {msg}", file=sys.stderr, flush=True)


def percentile(values, p):
    """Nearest-rank percentile (p in 0..100) of a non-empty list."""
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100.0 * len(ordered)))
    return ordered[rank - 1]


class Server:
    """A `wasmlet serve` child on a free loopback port, with its output drained by a thread."""

    def __init__(self, wasmlet, python_home, log_level="warn"):
        self.wasmlet = wasmlet
        self.python_home = python_home
        self.log_level = log_level
        self.proc = None
        self.port = None
        self.data_dir = None
        self.lines = []  # the server's output, kept for error reports
        self._drainer = None

    def start(self, attempts=3):
        self.data_dir = tempfile.mkdtemp(prefix="wasmlet-python-bench.")
        last_error = None
        for _ in range(attempts):
            # A port picked here and passed on: with --log-level warn the server does not print
            # the one it chose for --port 0, and info-level logging would add a log line per
            # request to what is measured.
            port = free_port()
            cmd = [self.wasmlet, "serve", "--port", str(port), "--data-dir", self.data_dir,
                   "--python-home", self.python_home, "--timeout", "300s",
                   "--log-level", self.log_level]
            self.lines = []
            self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                         stderr=subprocess.STDOUT, start_new_session=True)
            self._drainer = threading.Thread(target=self._drain, args=(self.proc,), daemon=True)
            self._drainer.start()
            try:
                self._wait_ready(port)
                self.port = port
                return
            except RuntimeError as e:
                last_error = e
                self.stop(remove_data=False)
        self.stop()
        raise RuntimeError(f"wasmlet serve did not start: {last_error}")

    def _drain(self, proc):
        for raw in proc.stdout:
            line = raw.decode("utf-8", "replace").rstrip("\n")
            self.lines.append(line)
            if len(self.lines) > 2000:
                del self.lines[:1000]

    def _wait_ready(self, port, seconds=120.0):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                tail = "\n".join(self.lines[-20:])
                raise RuntimeError(f"exited with {self.proc.returncode}:\n{tail}")
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                conn.request("GET", "/ping")
                if conn.getresponse().status == 200:
                    conn.close()
                    return
                conn.close()
            except OSError:
                pass
            time.sleep(0.05)
        raise RuntimeError(f"no answer on port {port} after {seconds:.0f} s")

    def stop(self, remove_data=True):
        if self.proc is not None and self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
                self.proc.wait(timeout=15)
            except (subprocess.TimeoutExpired, ProcessLookupError):
                try:
                    os.killpg(self.proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                self.proc.wait()
        if self._drainer is not None:
            self._drainer.join(timeout=5)
        if remove_data and self.data_dir:
            shutil.rmtree(self.data_dir, ignore_errors=True)
            self.data_dir = None


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Client:
    """Requests on one kept-alive HTTP/1.1 connection, reconnecting if the server closed it."""

    def __init__(self, port, timeout=900):
        self.port = port
        self.timeout = timeout
        self.conn = None

    def request(self, method, path, body=b"", headers=None):
        for attempt in (0, 1):
            if self.conn is None:
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port,
                                                       timeout=self.timeout)
            try:
                self.conn.request(method, path, body=body, headers=headers or {})
                resp = self.conn.getresponse()
                data = resp.read()
                return resp, data
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self.conn.close()
                self.conn = None
                if attempt:
                    raise

    def close(self):
        if self.conn is not None:
            self.conn.close()


def upload(client, name):
    with open(os.path.join(PROGRAMS_DIR, name + ".py"), "rb") as f:
        source = f.read()
    resp, data = client.request("PUT", f"/p/{USER}/{name}", source,
                                {"Content-Type": "text/x-python"})
    if resp.status != 200:
        text = data.decode("utf-8", "replace").strip()
        log(f"upload of {name} failed with HTTP {resp.status}; skipping it:\n{text}")
        return f"upload: HTTP {resp.status}: {text.splitlines()[-1] if text else ''}"
    return None


class CallFailed(Exception):
    pass


def first_line(text, limit=160):
    """The most telling line of an error: a traceback's last line, or the JSON message."""
    try:
        message = json.loads(text.split(": ", 1)[1]).get("message", "")
        text = message or text
    except (ValueError, IndexError, AttributeError):
        pass
    lines = [ln for ln in text.strip().splitlines() if ln.strip()]
    return (lines[-1] if lines else "")[:limit]


def invoke(client, name, body):
    """One synchronous call: (seconds for the HTTP round trip, output bytes, server run us)."""
    path = f"/v1/functions/{USER}/{name}:invoke"
    headers = {"Content-Type": "application/json"}
    start = time.perf_counter()
    resp, data = client.request("POST", path, body, headers)
    elapsed = time.perf_counter() - start
    if resp.status != 200:
        raise CallFailed(f"HTTP {resp.status}: {data.decode('utf-8', 'replace')}")
    run_us = resp.getheader("X-Wasmlet-Run-Us")
    return elapsed, data, (int(run_us) if run_us and run_us.isdigit() else None)


def canonical(value):
    return json.loads(json.dumps(value))


def bench_program(client, name, rounds):
    """Alternates native and Wasmlet calls; returns a result dict (CallFailed if one fails)."""
    module = importlib.import_module(name)
    # Both sides get the same input: natively, the dict the function sees after JSON decoding.
    body = json.dumps(module.DEFAULT_ARGS).encode()

    expected = canonical(module.main(json.loads(body)))  # native warm-up
    _, data, _ = invoke(client, name, body)  # Wasmlet warm-up
    mismatches = 0

    def check(data):
        nonlocal mismatches
        try:
            got = json.loads(data)
        except ValueError:
            got = data.decode("utf-8", "replace")
        if got != expected:
            mismatches += 1
            log(f"!!! MISMATCH in {name}: Wasmlet returned {got!r}, native {expected!r}")

    check(data)
    native, wasmlet, run = [], [], []
    for r in range(rounds):
        # Alternate which side goes first so that a slow drift on the machine hits both.
        for side in (("native", "wasmlet") if r % 2 == 0 else ("wasmlet", "native")):
            if side == "native":
                args = json.loads(body)
                start = time.perf_counter()
                result = module.main(args)
                native.append(time.perf_counter() - start)
                if canonical(result) != expected:
                    mismatches += 1
                    log(f"!!! {name}: the native result changed between calls: {result!r}")
            else:
                elapsed, data, run_us = invoke(client, name, body)
                wasmlet.append(elapsed)
                if run_us is not None:
                    run.append(run_us / 1e6)
                check(data)
    native_ms = statistics.median(native) * 1e3
    wasmlet_ms = statistics.median(wasmlet) * 1e3
    return {
        "program": name,
        "args": module.DEFAULT_ARGS,
        "native_ms": native_ms,
        "wasmlet_ms": wasmlet_ms,
        "wasmlet_run_ms": statistics.median(run) * 1e3 if run else None,
        "ratio": wasmlet_ms / native_ms,
        "native_samples_ms": [t * 1e3 for t in native],
        "wasmlet_samples_ms": [t * 1e3 for t in wasmlet],
        "mismatches": mismatches,
        "result": expected,
    }


def bench_noop(client, calls):
    noop = importlib.import_module("noop")
    out = {}

    # Through HTTP: sequential invokes on one kept-alive connection.
    body = b"{}"
    for _ in range(min(100, calls)):
        invoke(client, "noop", body)
    http_us, run_us = [], []
    for _ in range(calls):
        elapsed, data, run = invoke(client, "noop", body)
        http_us.append(elapsed * 1e6)
        if run is not None:
            run_us.append(float(run))
    if json.loads(data) != 0:
        log(f"!!! MISMATCH in noop: Wasmlet returned {data!r}")
    out["wasmlet_http"] = summary(http_us)
    if run_us:
        out["wasmlet_run"] = summary(run_us)

    # A warm native call of the same main(), timed one call at a time like the others.
    args = {}
    for _ in range(1000):
        noop.main(args)
    clock = time.perf_counter_ns
    native_ns = []
    for _ in range(max(10000, calls)):
        start = clock()
        noop.main(args)
        native_ns.append(clock() - start)
    out["native_warm"] = summary([t / 1e3 for t in native_ns])

    # A new interpreter process, as a per-call fork+exec would pay.
    proc_us = []
    for i in range(55):
        start = time.perf_counter()
        subprocess.run(["/usr/bin/python3", "-c", "pass"], check=True)
        if i >= 5:  # the first runs warm the page cache
            proc_us.append((time.perf_counter() - start) * 1e6)
    out["python3_c_pass"] = summary(proc_us)
    return out


def summary(samples_us):
    return {"median_us": statistics.median(samples_us), "p99_us": percentile(samples_us, 99),
            "n": len(samples_us)}


def fmt_ratio(x):
    return f"{x:,.0f}x" if x >= 100 else f"{x:.2f}x" if x >= 0.1 else f"1/{1 / x:,.0f}"


def fmt_us(us):
    return f"{us:.2f}" if us < 10 else f"{us:.1f}" if us < 1000 else f"{us:.0f}"


def print_report(results, skipped, noop):
    print()
    print("| program | native median ms | Wasmlet median ms | ratio (Wasmlet/native) |")
    print("|---|---:|---:|---:|")
    for r in results:
        flag = " **MISMATCH**" if r["mismatches"] else ""
        print(f"| {r['program']} | {r['native_ms']:.1f} | {r['wasmlet_ms']:.1f} | "
              f"{r['ratio']:.2f}x{flag} |")
    for name, why in skipped:
        print(f"| {name} | | | failed in Wasmlet: {why.replace('|', '/')} |")
    summary_line = None
    if results:
        ratios = [r["ratio"] for r in results]
        geomean = math.exp(sum(math.log(x) for x in ratios) / len(ratios))
        worst = max(results, key=lambda r: r["ratio"])
        verdict = ("meets" if geomean <= TARGET_GEOMEAN and worst["ratio"] <= TARGET_WORST
                   else "misses")
        summary_line = {"geomean": geomean, "worst": worst["ratio"], "worst_program":
                        worst["program"], "programs": len(results)}
        print()
        print(f"Geometric mean of ratios: {geomean:.2f}x over {len(results)} programs; worst: "
              f"{worst['ratio']:.2f}x ({worst['program']}). Target: geometric mean <= "
              f"{TARGET_GEOMEAN}x, none over {TARGET_WORST}x: {verdict}.")
        if skipped:
            print(f"Not counted (failed in Wasmlet): {', '.join(n for n, _ in skipped)}.")
        if any(r["mismatches"] for r in results):
            print("!!! Some Wasmlet results differed from the native ones (see above).")

    if noop:
        h = noop["wasmlet_http"]
        print()
        print("| no-op Python function | median us | p99 us | Wasmlet HTTP median vs this |")
        print("|---|---:|---:|---:|")
        rows = [("Wasmlet, HTTP invoke (keep-alive, round trip)", h)]
        if "wasmlet_run" in noop:
            rows.append(("Wasmlet, run time reported by the server (X-Wasmlet-Run-Us)",
                         noop["wasmlet_run"]))
        rows.append(("native, warm call of main() in-process", noop["native_warm"]))
        rows.append(("native, `python3 -c pass` as a new process", noop["python3_c_pass"]))
        for label, s in rows:
            print(f"| {label} | {fmt_us(s['median_us'])} | {fmt_us(s['p99_us'])} | "
                  f"{fmt_ratio(h['median_us'] / s['median_us'])} |")
        print()
        print(f"HTTP no-op: {noop['python3_c_pass']['median_us'] / h['median_us']:.1f}x faster "
              f"than a new python3 process, {FAASM_RESET_US / h['median_us']:.1f}x faster than "
              f"Faasm's {FAASM_RESET_US / 1000:.1f} ms Python reset ({h['n']} calls).")
    return summary_line


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--wasmlet", required=True, help="the wasmlet binary")
    ap.add_argument("--python-home", required=True, help="CPython for WASI (serve --python-home)")
    ap.add_argument("--rounds", type=int, default=7, help="alternated calls per side (7)")
    ap.add_argument("--only", default="", help="comma-separated programs (default: all)")
    ap.add_argument("--noop-calls", type=int, default=2000,
                    help="sequential HTTP invokes of the no-op function (2000; 0 skips it)")
    ap.add_argument("--json", metavar="FILE", help="also write the results as JSON")
    opts = ap.parse_args()

    if not os.access(opts.wasmlet, os.X_OK):
        sys.exit(f"python_bench: {opts.wasmlet} is missing (build first)")
    if not os.path.isdir(opts.python_home):
        sys.exit(f"python_bench: no Python home at {opts.python_home}")
    if opts.rounds < 1:
        sys.exit("python_bench: --rounds must be at least 1")
    programs = PROGRAMS
    if opts.only:
        programs = [p.strip() for p in opts.only.split(",") if p.strip()]
        unknown = [p for p in programs if p not in PROGRAMS]
        if unknown:
            sys.exit(f"python_bench: unknown programs {unknown}; known: {', '.join(PROGRAMS)}")
    sys.path.insert(0, PROGRAMS_DIR)
    sys.dont_write_bytecode = True  # leave no __pycache__ in the source tree

    server = Server(opts.wasmlet, opts.python_home)
    results, skipped, noop = [], [], None
    try:
        log(f"starting {opts.wasmlet} serve")
        server.start()
        client = Client(server.port)
        names = programs + (["noop"] if opts.noop_calls > 0 else [])
        uploaded = set()
        for name in names:
            start = time.perf_counter()
            error = upload(client, name)
            if error is None:
                uploaded.add(name)
                log(f"uploaded {name} in {time.perf_counter() - start:.2f} s")
            elif name != "noop":
                skipped.append((name, error))
        if not uploaded:
            raise SystemExit("python_bench: no program could be uploaded (see above)")
        for name in programs:
            if name not in uploaded:
                continue
            log(f"running {name} ({opts.rounds} rounds)")
            try:
                r = bench_program(client, name, opts.rounds)
            except CallFailed as e:
                log(f"{name}: a Wasmlet call failed; skipping it:\n{e}")
                skipped.append((name, "call: " + first_line(str(e))))
                continue
            results.append(r)
            log(f"  {name}: native {r['native_ms']:.1f} ms, Wasmlet {r['wasmlet_ms']:.1f} ms, "
                f"{r['ratio']:.2f}x")
        if "noop" in uploaded:
            log(f"no-op: {opts.noop_calls} HTTP invokes, warm native calls, python3 -c pass")
            try:
                noop = bench_noop(client, opts.noop_calls)
            except CallFailed as e:
                log(f"noop: a Wasmlet call failed:\n{e}")
        client.close()
    finally:
        server.stop()

    summary_line = print_report(results, skipped, noop)
    if opts.json:
        with open(opts.json, "w") as f:
            json.dump({"python": sys.version, "rounds": opts.rounds, "programs": results,
                       "failed": dict(skipped), "summary": summary_line, "noop": noop},
                      f, indent=2)
            f.write("\n")
    if any(r["mismatches"] for r in results):
        sys.exit(2)


if __name__ == "__main__":
    main()
