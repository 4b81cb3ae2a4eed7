"""./run bench workflow: the three workflow examples (examples/workflows/) run as Wasmlet
workflows, against, in the same run and alternating with them:

  (a) http    the same steps driven by a client making one HTTP invocation per step
              (POST /v1/functions/...:invoke on keep-alive connections; a Parallel state's
              branches as concurrent requests, one connection per branch)
  (b) chain   the same composition written by hand inside one orchestrator function that
              chains the steps and awaits them (bench/workflow_orchestrators/: C for the image
              pipeline, Python for FINRA and health)
  (c) native  Faastlane's design rebuilt natively (bench/workflow_native.py): the same Python
              step functions in one native CPython process, threads for sequences, forked
              processes joined by pipes for parallel branches (not for the C image pipeline)

Two figures per example and system, each the median over --runs runs:

  hop  the interaction latency between two steps. Workflow: from the history of the run,
       the next Task's start_ns minus the previous one's end_ns (FINRA: marginBalance's start
       minus the last branch's end, the fan-in). (a): a step's request round trip minus its
       X-Wasmlet-Run-Us. (b): a chain + await round trip measured inside the orchestrator
       minus the callee's run_us. (c): the next step's start minus the previous one's end.
  e2e  the whole run, as its client sees it (for (c): inside the native orchestrator).

Usage: bench/workflow.py --build BUILD [--runs N] [--warmup N] [--only finra,image_pipeline,health]
"""
import argparse
import concurrent.futures
import http.client
import json
import os
import pathlib
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples" / "workflows"
ORCH = ROOT / "bench" / "workflow_orchestrators"
sys.path.insert(0, str(EXAMPLES / "image_pipeline"))
import make_image  # noqa: E402

USER = "bench"
FINRA_BRANCHES = [fn for _ in range(20) for fn in ("marketdata", "lastpx", "side", "trddate",
                                                   "volume")]
SPECS = {
    "finra": {"input": {"body": {"portfolioType": "S&P", "portfolio": "1234"}},
              "steps": None, "orchestrator": "finra_chain", "native": True},
    "image_pipeline": {"input": None,  # filled in main(): a 128x128 checkerboard
                       "steps": ["resize", "classify", "render"], "orchestrator": "image_chain",
                       "native": False},
    "health": {"input": {"clinic": "north", "condition": "hypertension"},
               "steps": ["identify", "anonymise", "analyse"], "orchestrator": "health_chain",
               "native": True},
}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Client:
    """One keep-alive HTTP/1.1 connection."""

    def __init__(self, port):
        self.port = port
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)

    def request(self, method, path, body=b""):
        if isinstance(body, str):
            body = body.encode()
        for attempt in (0, 1):
            try:
                self.conn.request(method, path, body=body)
                r = self.conn.getresponse()
                return r.status, r.headers, r.read()
            except (http.client.HTTPException, ConnectionError):
                self.conn.close()
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
                if attempt:
                    raise

    def ok(self, method, path, body=b""):
        status, headers, data = self.request(method, path, body)
        if status != 200:
            sys.exit("workflow bench: %s %s -> %d %s" % (method, path, status, data[:500]))
        return headers, data

    def call(self, call_id):
        return json.loads(self.ok("GET", "/v1/calls/%d" % call_id)[1])


def invoke_path(fn):
    return "/v1/functions/%s/%s:invoke" % (USER, fn)


def median(xs):
    return statistics.median(xs) if xs else float("nan")


# ---- the four ways of running one example; each returns (e2e_ns, [hop_ns...], output bytes)

def run_workflow(client, name, data):
    t0 = time.perf_counter_ns()
    headers, out = client.ok("POST", "/v1/workflows/%s/%s:invoke" % (USER, name), data)
    e2e = time.perf_counter_ns() - t0
    record = client.call(int(headers["X-Wasmlet-Call-Id"]))
    tasks = [h for h in record.get("history", []) if h.get("type") == "Task" and "start_ns" in h]
    if name == "finra":
        final = [t for t in tasks if t["state"] == "CheckMarginBalance"][0]
        branches = [t for t in tasks if t is not final]
        hops = [final["start_ns"] - max(t["end_ns"] for t in branches)]
    else:
        tasks.sort(key=lambda t: t["start_ns"])
        hops = [b["start_ns"] - a["end_ns"] for a, b in zip(tasks, tasks[1:])]
    return e2e, hops, out


def http_step(client, fn, data):
    t0 = time.perf_counter_ns()
    headers, out = client.ok("POST", invoke_path(fn), data)
    rtt = time.perf_counter_ns() - t0
    return out, rtt - int(headers["X-Wasmlet-Run-Us"]) * 1000


class HttpDriver:
    """Baseline (a): a client invoking every step itself."""

    def __init__(self, port, parallel):
        self.client = Client(port)
        self.local = threading.local()
        self.port = port
        self.pool = concurrent.futures.ThreadPoolExecutor(max_workers=parallel)

    def _branch(self, fn, data):
        if not hasattr(self.local, "client"):
            self.local.client = Client(self.port)
        return http_step(self.local.client, fn, data)[0]

    def run(self, name, spec, data):
        t0 = time.perf_counter_ns()
        hops = []
        if name == "finra":
            outs = list(self.pool.map(lambda fn: self._branch(fn, data), FINRA_BRANCHES))
            array = b"[" + b", ".join(outs) + b"]"
            out, hop = http_step(self.client, "marginBalance", array)
            hops.append(hop)
        else:
            out = data
            for fn in spec["steps"]:
                out, hop = http_step(self.client, fn, out)
                hops.append(hop)
            hops = hops[1:]  # a hop is between two steps: the first request is the run's start
        return time.perf_counter_ns() - t0, hops, out


def run_chain(client, spec, data):
    t0 = time.perf_counter_ns()
    headers, out = client.ok("POST", invoke_path(spec["orchestrator"]), data)
    e2e = time.perf_counter_ns() - t0
    record = client.call(int(headers["X-Wasmlet-Call-Id"]))
    m = re.search(r"chain_ns ([\d ]+) ids ([\d ]+)", record.get("stderr", ""))
    if not m:
        sys.exit("workflow bench: %s printed no timing line: %r" % (spec["orchestrator"], record))
    rtts = [int(x) for x in m.group(1).split()]
    ids = [int(x) for x in m.group(2).split()]
    # FINRA's line: the fan-out/await span, then marginBalance's round trip and its id.
    pairs = list(zip(rtts[-len(ids):], ids))
    if len(ids) > 1:
        pairs = pairs[1:]  # as for (a): the first step's chain is the run's start, not a hop
    hops = [rtt - client.call(i)["run_us"] * 1000 for rtt, i in pairs]
    return e2e, hops, out


class Native:
    """Baseline (c): bench/workflow_native.py, kept running for the whole benchmark."""

    def __init__(self, name):
        self.proc = subprocess.Popen(
            [sys.executable, str(ROOT / "bench" / "workflow_native.py"), name],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)

    def run(self, data):
        self.proc.stdin.write(data.decode() + "\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        if not line:
            sys.exit("workflow bench: the native orchestrator exited")
        r = json.loads(line)
        return r["e2e_ns"], r["hops_ns"], json.dumps(r["output"]).encode()

    def close(self):
        self.proc.stdin.close()
        self.proc.wait(timeout=30)


def same_result(name, a, b):
    """Whether two outputs of an example agree on what it computes (the health example's
    isolation probe may differ: the native baseline shares one process)."""
    a, b = json.loads(a), json.loads(b)
    if name == "finra":
        keys = ("portfolio", "validFormat", "marginSatisfied", "marketValue", "branches")
        return all(a["body"][k] == b["body"][k] for k in keys)
    if name == "health":
        return a["body"]["overall"] == b["body"]["overall"] and \
            a["body"]["by_age_band"] == b["body"]["by_age_band"]
    return a == b


# ---- setup

def start_server(build, work, executors):
    port = free_port()
    cmd = [str(build / "src" / "cli" / "wasmlet"), "serve", "--port", str(port),
           "--data-dir", str(work / "data"), "--python-home", str(build / "python"),
           "--log-level", "warn", "--timeout", "120s"]
    if executors:
        cmd += ["--executor-threads", str(executors)]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    # Drain the log so the pipe never fills (and keep its tail for errors).
    tail = []

    def drain():
        for line in proc.stdout:
            tail.append(line)
            del tail[:-50]

    threading.Thread(target=drain, daemon=True).start()
    deadline = time.time() + 60
    while time.time() < deadline:
        if proc.poll() is not None:
            sys.exit("workflow bench: the server exited:\n" + b"".join(tail).decode(errors="replace"))
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return proc, port
        except OSError:
            time.sleep(0.1)
    sys.exit("workflow bench: the server did not start")


def deploy(build, port, names, work, with_workflows):
    wasmlet = str(build / "src" / "cli" / "wasmlet")
    env = dict(os.environ, WASMLET=wasmlet, FUNCTIONS_ONLY="0" if with_workflows else "1")
    server = "127.0.0.1:%d" % port
    subprocess.run([str(EXAMPLES / "deploy.sh"), server, USER] + names, env=env, check=True,
                   stdout=subprocess.DEVNULL)
    for name in names:
        orch = SPECS[name]["orchestrator"]
        if name == "image_pipeline":
            wasm = work / "image_chain.wasm"
            subprocess.run([wasmlet, "cc", str(ORCH / "image_chain.c"), "-o", str(wasm),
                            "-I", str(EXAMPLES / "image_pipeline" / "functions")], check=True)
            src = wasm
        else:
            src = ORCH / ("%s.py" % orch)
        subprocess.run([wasmlet, "upload", "%s/%s" % (USER, orch), str(src), "--server", server],
                       check=True, stdout=subprocess.DEVNULL)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--build", type=pathlib.Path, default=ROOT / "build")
    ap.add_argument("--runs", type=int, default=30, help="measured runs per example and system")
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--only", default="finra,image_pipeline,health")
    ap.add_argument("--executor-threads", type=int, default=0, help="serve's (0: its default)")
    ap.add_argument("--systems", default="workflow,http,chain,native",
                    help="which of workflow, http, chain, native to run")
    ap.add_argument("--json", type=pathlib.Path, help="write the raw figures here")
    args = ap.parse_args()
    args.systems = args.systems.split(",")
    names = [n for n in args.only.split(",") if n]
    SPECS["image_pipeline"]["input"] = json.loads(make_image.image_json("checker", 128))

    results = {}
    with tempfile.TemporaryDirectory(prefix="wasmlet-workflow-bench-") as work:
        work = pathlib.Path(work)
        proc, port = start_server(args.build.resolve(), work, args.executor_threads)
        try:
            print("deploying %s ..." % ", ".join(names), file=sys.stderr)
            deploy(args.build.resolve(), port, names, work, "workflow" in args.systems)
            client = Client(port)
            for name in names:
                results[name] = bench_example(name, port, client, args)
        finally:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
    report(results, args)


def bench_example(name, port, client, args):
    spec = SPECS[name]
    data = json.dumps(spec["input"]).encode()
    driver = HttpDriver(port, len(FINRA_BRANCHES))
    native = Native(name) if spec["native"] and "native" in args.systems else None
    systems = {
        "workflow": lambda: run_workflow(client, name, data),
        "http": lambda: driver.run(name, spec, data),
        "chain": lambda: run_chain(client, spec, data),
    }
    if native:
        systems["native"] = lambda: native.run(data)
    systems = {s: run for s, run in systems.items() if s in args.systems}
    figures = {s: {"e2e": [], "hops": []} for s in systems}
    reference = None
    print("%s: input %d bytes, %d warm-up + %d runs per system" %
          (name, len(data), args.warmup, args.runs), file=sys.stderr)
    try:
        for i in range(args.warmup + args.runs):
            for system, run in systems.items():  # alternate the systems run by run
                e2e, hops, out = run()
                if reference is None:
                    reference = out
                elif not same_result(name, reference, out):
                    sys.exit("workflow bench: %s via %s gave %r, the workflow %r" %
                             (name, system, out[:300], reference[:300]))
                if i >= args.warmup:
                    figures[system]["e2e"].append(e2e)
                    figures[system]["hops"].extend(hops)
    finally:
        driver.pool.shutdown()
        if native:
            native.close()
    figures["output_bytes"] = len(reference)
    return figures


def report(results, args):
    systems = ("workflow", "http", "chain", "native")
    print("\nmedians over %d runs (hop: us; e2e: ms); '-': not measured\n" % args.runs)
    print("| example | hop: workflow | hop: (a) HTTP | hop: (b) chain | hop: (c) native "
          "| e2e: workflow | e2e: (a) HTTP | e2e: (b) chain | e2e: (c) native "
          "| (a)/workflow hop | (a)/workflow e2e | (c)/workflow e2e |")
    print("|---|" + "---:|" * 11)
    for name, fig in results.items():
        hop = {s: median(fig[s]["hops"]) / 1e3 if s in fig else None for s in systems}
        e2e = {s: median(fig[s]["e2e"]) / 1e6 if s in fig else None for s in systems}
        cell = lambda v, f: "-" if v is None else f % v  # noqa: E731
        ratio = lambda a, b: "-" if a is None or b is None or not b else "%.1fx" % (a / b)  # noqa: E731
        print("| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
            name, *(cell(hop[s], "%.1f") for s in systems), *(cell(e2e[s], "%.2f") for s in systems),
            ratio(hop["http"], hop["workflow"]), ratio(e2e["http"], e2e["workflow"]),
            ratio(e2e["native"], e2e["workflow"])))
    # The targets of issue 14.
    print()
    for name, fig in results.items():
        if "workflow" not in fig:
            continue
        hop = median(fig["workflow"]["hops"]) / 1e3
        limit = 10.0 if name == "image_pipeline" else 30.0
        print("%s: workflow hop %.1f us, target <= %.0f us (%s steps): %s" % (
            name, hop, limit, "C" if limit == 10.0 else "Python",
            "met" if hop <= limit else "MISSED"))
        if "http" in fig:
            r = median(fig["http"]["hops"]) / 1e3 / hop if hop else float("inf")
            print("%s: HTTP-driven hop / workflow hop %.0fx, target >= 100x: %s" % (
                name, r, "met" if r >= 100 else "MISSED"))
        if name == "finra" and "native" in fig:
            wf, nat = median(fig["workflow"]["e2e"]), median(fig["native"]["e2e"])
            print("finra: end to end %.2f ms, Faastlane-style native %.2f ms: %s" % (
                wf / 1e6, nat / 1e6, "faster (met)" if wf < nat else "SLOWER (missed)"))
    if args.json:
        args.json.write_text(json.dumps(results))


if __name__ == "__main__":
    main()
