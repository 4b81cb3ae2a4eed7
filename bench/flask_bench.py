"""./run bench flask: the same unmodified Flask app (examples/flask/bmapi) served three ways in
one run, on this machine:

  native  gunicorn (Debian's), 2 x cores + 1 sync workers, app preloaded: the baseline
  direct  Wasmlet serves the app's routes itself (wasmlet flask deploy, direct mode)
  proxy   the app's own Flask under the same gunicorn, its views run in Wasmlet

For every endpoint and concurrency, wrk (keep-alive) runs each system in turn, `--reps` times;
the figure is the median over repetitions of wrk's median latency, and of its requests per
second. Prints, per endpoint, the latency of direct and proxy relative to native at each
concurrency and their mean over concurrencies; then the mean over the heavy /bm endpoints and
over the light ones; then requests per second at the highest concurrency for the light ones.
Writes the figures as JSON (--json) and a plot (--plot, SVG) of relative latency per endpoint.
"""
import argparse
import importlib.util
import json
import os
import pathlib
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = pathlib.Path(__file__).resolve().parents[1]
APP_DIR = ROOT / "examples" / "flask"
SDK = ROOT / "sdk" / "python"

# The benchmark programs at about a tenth of their default size (a few ms to ~20 ms natively),
# so that a run at concurrency 100 completes several rounds of requests.
HEAVY = {
    "chaos": {"iterations": 2000},
    "deltablue": {"chain": 100, "projection": 100, "rounds": 1},
    "dict_str": {"lines": 500},
    "fannkuch": {"n": 7, "repeat": 1},
    "float": {"points": 10000, "rounds": 1},
    "json": {"records": 60, "repeat": 1},
    "nbody": {"steps": 4000},
    "pidigits": {"digits": 600},
    "regex": {"lines": 350},
    "richards": {"iterations": 1, "count": 2000},
    "spectral_norm": {"n": 60, "iterations": 5},
    "unpack_sequence": {"loops": 10000},
}
# Where the framework's own overhead dominates: (method, path, body, content type).
LIGHT = {
    "echo": ("POST", "/echo", json.dumps({"name": "ada", "tags": ["a", "b"], "n": 3}),
             "application/json"),
    "convert": ("GET", "/convert/21/a/b/c?q=1&q=2", "", ""),
    "form": ("POST", "/form", "name=ada&city=london&lang=en",
             "application/x-www-form-urlencoded"),
}
SYSTEMS = ("native", "direct", "proxy")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_ready(url, proc, name, timeout=120):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            sys.exit("flask_bench: %s exited" % name)
        try:
            urllib.request.urlopen(url, timeout=5).read()
            return
        except urllib.error.HTTPError:
            return  # it answers
        except OSError:
            time.sleep(0.2)
    sys.exit("flask_bench: %s did not answer %s" % (name, url))


def stop(proc):
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def wrk_script(work, name, method, body, content_type):
    path = work / ("%s.lua" % name)
    lines = ['wrk.method = "%s"' % method]
    if body:
        lines.append("wrk.body = %s" % json.dumps(body))
    if content_type:
        lines.append('wrk.headers["Content-Type"] = "%s"' % content_type)
    path.write_text("\n".join(lines) + "\n")
    return path


def ms(value):
    m = re.match(r"([\d.]+)(us|ms|s)$", value)
    if not m:
        return float("nan")
    return float(m.group(1)) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[m.group(2)]


def run_wrk(url, script, conns, seconds, log):
    out = subprocess.run(
        ["wrk", "-t%d" % min(conns, 2), "-c%d" % conns, "-d%ds" % seconds, "--latency",
         "--timeout", "60s", "-s", str(script), url],
        capture_output=True, text=True, check=True).stdout
    log.write("%s c=%d\n%s\n" % (url, conns, out))
    p50 = rps = None
    errors = 0
    for line in out.splitlines():
        parts = line.split()
        if parts[:1] == ["50%"]:
            p50 = ms(parts[1])
        elif parts[:1] == ["Requests/sec:"]:
            rps = float(parts[1])
        elif "Non-2xx" in line:
            errors += int(parts[-1])
    if errors:
        sys.exit("flask_bench: %d error responses from %s (see the wrk log)" % (errors, url))
    return p50, rps


class Systems:
    """The three servers of the app, started once."""

    def __init__(self, build, work, workers, python_home, serve_args=()):
        self.procs = []
        try:
            self._start_all(build, work, workers, python_home, list(serve_args))
        except BaseException:
            self.close()  # what did start, when a later one fails
            raise

    def _start_all(self, build, work, workers, python_home, serve_args):
        wasmlet = str(build / "src" / "cli" / "wasmlet")
        port = free_port()
        self.wasmlet = self._start(
            [wasmlet, "serve", "--port", str(port), "--data-dir", str(work / "data"),
             "--python-home", str(python_home), "--log-level", "warn",
             "--timeout", "120s"] + serve_args, "wasmlet", "http://127.0.0.1:%d/healthz" % port)
        server = "127.0.0.1:%d" % port
        deploy = subprocess.run([wasmlet, "flask", "deploy", "bmapi.app:app", "--server", server],
                                cwd=APP_DIR, capture_output=True, text=True,
                                env=dict(os.environ, WASMLET_PYTHON=sys.executable))
        if deploy.returncode != 0:
            sys.exit("flask_bench: deploy failed:\n" + deploy.stdout + deploy.stderr)
        self.base = {"direct": "http://%s/apps/flask/bmapi" % server}
        env = dict(os.environ, PYTHONPATH="%s:%s:%s" % (APP_DIR, SDK / "host", SDK / "guest"))
        gunicorn = [sys.executable, "-m", "gunicorn", "--workers", str(workers), "--preload",
                    "--log-level", "warning", "--timeout", "120"]
        for name, app, extra in (
                ("native", "bmapi.app:app", {}),
                ("proxy", "wasmlet_flask.proxy_app:app",
                 {"WASMLET_FLASK_APP": "bmapi.app:app", "WASMLET_SERVER": server,
                  "WASMLET_APP_NAME": "bmapi"})):
            p = free_port()
            self._start(gunicorn + ["--bind", "127.0.0.1:%d" % p, app], name,
                        "http://127.0.0.1:%d/convert/1/x" % p, dict(env, **extra))
            self.base[name] = "http://127.0.0.1:%d" % p

    def _start(self, cmd, name, ready, env=None):
        proc = subprocess.Popen(cmd, cwd=APP_DIR, env=env, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        self.procs.append(proc)
        wait_ready(ready, proc, name)
        return proc

    def close(self):
        for proc in reversed(self.procs):
            stop(proc)


def endpoints(only):
    out = []
    for name, args in HEAVY.items():
        out.append(("bm/" + name, "POST", "/bm/" + name, json.dumps(args), "application/json",
                    True))
    for name, (method, path, body, ctype) in LIGHT.items():
        out.append((name, method, path, body, ctype, False))
    return [e for e in out if not only or e[0] in only or e[0].split("/")[-1] in only]


def measure(systems, eps, concurrency, reps, seconds, work):
    results = {}
    with open(work / "wrk.log", "w") as log:
        for name, method, path, body, ctype, heavy in eps:
            script = wrk_script(work, name.replace("/", "_"), method, body, ctype)
            for system in SYSTEMS:  # one warm-up run each (first calls, JIT-free warm caches)
                run_wrk(systems.base[system] + path, script, 1, 1, log)
            for c in concurrency:
                runs = {s: [] for s in SYSTEMS}
                for _ in range(reps):
                    for system in SYSTEMS:
                        runs[system].append(run_wrk(systems.base[system] + path, script, c,
                                                    seconds, log))
                results.setdefault(name, {"heavy": heavy, "by_c": {}})["by_c"][c] = {
                    s: {"p50_ms": statistics.median(r[0] for r in runs[s]),
                        "rps": statistics.median(r[1] for r in runs[s])} for s in SYSTEMS}
                row = results[name]["by_c"][c]
                print("  %-20s c=%-3d p50 native %8.2f ms  direct %6.2fx  proxy %6.2fx  "
                      "req/s native %7.0f direct %7.0f" % (
                          name, c, row["native"]["p50_ms"],
                          row["direct"]["p50_ms"] / row["native"]["p50_ms"],
                          row["proxy"]["p50_ms"] / row["native"]["p50_ms"],
                          row["native"]["rps"], row["direct"]["rps"]), flush=True)
    return results


def summarise(results, concurrency):
    summary = {"endpoints": {}}
    for name, r in results.items():
        rel = {s: statistics.mean(r["by_c"][c][s]["p50_ms"] / r["by_c"][c]["native"]["p50_ms"]
                                  for c in concurrency) for s in ("direct", "proxy")}
        summary["endpoints"][name] = rel
    for kind, heavy in (("heavy", True), ("light", False)):
        names = [n for n, r in results.items() if r["heavy"] == heavy]
        if names:
            summary[kind] = {s: statistics.mean(summary["endpoints"][n][s] for n in names)
                             for s in ("direct", "proxy")}
    top = max(concurrency)
    summary["light_rps_at_%d" % top] = {
        n: {s: r["by_c"][top][s]["rps"] for s in SYSTEMS}
        for n, r in results.items() if not r["heavy"]}
    return summary


def print_summary(summary, concurrency):
    print("\nLatency relative to gunicorn (median p50, mean over concurrency %s):"
          % ",".join(map(str, concurrency)))
    print("  %-22s %8s %8s" % ("endpoint", "direct", "proxy"))
    for name, rel in summary["endpoints"].items():
        print("  %-22s %7.2fx %7.2fx" % (name, rel["direct"], rel["proxy"]))
    for kind in ("heavy", "light"):
        if kind in summary:
            print("  %-22s %7.2fx %7.2fx" % ("mean, " + kind, summary[kind]["direct"],
                                             summary[kind]["proxy"]))
    key = [k for k in summary if k.startswith("light_rps_at_")][0]
    print("\nRequests per second at c=%s (light endpoints):" % key.rsplit("_", 1)[1])
    for name, rps in summary[key].items():
        print("  %-10s native %7.0f  direct %7.0f (%.2fx)  proxy %7.0f (%.2fx)" % (
            name, rps["native"], rps["direct"], rps["direct"] / rps["native"], rps["proxy"],
            rps["proxy"] / rps["native"]))


def plot(results, summary, concurrency, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    names = list(summary["endpoints"])
    fig, axes = plt.subplots(1, 2, figsize=(13, 5))
    x = range(len(names))
    for offset, system in ((-0.2, "direct"), (0.2, "proxy")):
        axes[0].bar([i + offset for i in x], [summary["endpoints"][n][system] for n in names],
                    width=0.4, label=system)
    axes[0].axhline(1.0, color="black", linewidth=0.8)
    axes[0].set_xticks(list(x))
    axes[0].set_xticklabels(names, rotation=60, ha="right")
    axes[0].set_ylabel("median latency / gunicorn's (mean over concurrency)")
    axes[0].legend()
    for name in names:
        if results[name]["heavy"]:
            continue
        for system, style in (("direct", "-"), ("proxy", "--")):
            axes[1].plot(concurrency, [results[name]["by_c"][c][system]["p50_ms"] /
                                       results[name]["by_c"][c]["native"]["p50_ms"]
                                       for c in concurrency], style, marker="o",
                         label="%s %s" % (name, system))
    axes[1].axhline(1.0, color="black", linewidth=0.8)
    axes[1].set_xlabel("concurrency")
    axes[1].set_ylabel("median latency / gunicorn's")
    axes[1].set_title("light endpoints")
    axes[1].legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", required=True, type=pathlib.Path)
    ap.add_argument("--concurrency", default="1,5,10,20,30,40,50,75,100")
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--seconds", type=int, default=3)
    ap.add_argument("--only", default="", help="endpoints, e.g. echo,chaos")
    ap.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1) + 1)
    ap.add_argument("--python-home", type=pathlib.Path,
                    help="the Python home Wasmlet serves from (default: BUILD/python)")
    ap.add_argument("--serve-arg", action="append", default=[],
                    help="an argument for wasmlet serve, e.g. --serve-arg=--hand-over-resets=off")
    ap.add_argument("--json", type=pathlib.Path)
    ap.add_argument("--plot", type=pathlib.Path)
    args = ap.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("flask_bench: wrk is not installed")
    for module in ("flask", "gunicorn"):
        if importlib.util.find_spec(module) is None:
            sys.exit("flask_bench: %s cannot import %s (run it with Debian's /usr/bin/python3, "
                     "as ./run bench flask does)" % (sys.executable, module))
    concurrency = [int(c) for c in args.concurrency.split(",")]
    only = set(filter(None, args.only.split(",")))
    with tempfile.TemporaryDirectory(prefix="wasmlet-flask-bench-") as tmp:
        work = pathlib.Path(tmp)
        home = (args.python_home or args.build / "python").resolve()
        systems = Systems(args.build.resolve(), work, args.workers, home, args.serve_arg)
        try:
            print("native: gunicorn, %d workers, preloaded; direct: %s; proxy: gunicorn, %d "
                  "workers, views in Wasmlet" % (args.workers, systems.base["direct"],
                                                 args.workers))
            results = measure(systems, endpoints(only), concurrency, args.reps, args.seconds,
                              work)
        finally:
            systems.close()
    summary = summarise(results, concurrency)
    print_summary(summary, concurrency)
    if args.json:
        args.json.write_text(json.dumps({"results": results, "summary": summary}, indent=1))
    if args.plot:
        plot(results, summary, concurrency, args.plot)
        print("plot: %s" % args.plot)


if __name__ == "__main__":
    main()
