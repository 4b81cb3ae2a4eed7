"""Baseline (c) of bench/workflow.py: Faastlane's design rebuilt with native CPython. The same
Python step functions (examples/workflows/<example>/functions) run in one native process:

  - a sequence of steps runs as threads of that process, one thread per step, each step's
    return value (a Python object, not a copy) handed to the next, as Faastlane does with
    threads sharing an address space;
  - the branches of a Parallel state run as processes forked from it (os.fork), each writing
    its output as JSON into a pipe the orchestrator reads, as Faastlane does when branches need
    parallelism its threads cannot give (the GIL).

Usage: workflow_native.py EXAMPLE  (finra or health), then one line per run on stdin, the
run's input JSON; for each, one line on stdout:
  {"e2e_ns", "hops_ns": [...], "output": <the last step's output>}
Times come from time.monotonic_ns (CLOCK_MONOTONIC, the same clock in forked children). A hop
is the time from one step's function returning to the next one's being called, as the
workflow history measures it.
"""
import json
import os
import pathlib
import sys
import tempfile
import threading
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples" / "workflows"


def run_thread(fn, arg):
    """Runs fn(arg) on a new thread; (result, start_ns, end_ns)."""
    box = {}

    def body():
        box["start"] = time.monotonic_ns()
        box["result"] = fn(arg)
        box["end"] = time.monotonic_ns()

    t = threading.Thread(target=body)
    t.start()
    t.join()
    if "result" not in box:
        raise RuntimeError("step %s failed" % fn.__module__)
    return box["result"], box["start"], box["end"]


def run_forked(fns, arg):
    """Runs every fn(arg) in its own forked process; [(output object, start_ns, end_ns)]."""
    children = []
    for fn in fns:
        r, w = os.pipe()
        pid = os.fork()
        if pid == 0:  # the branch
            os.close(r)
            code = 0
            try:
                start = time.monotonic_ns()
                out = fn(arg)
                end = time.monotonic_ns()
                data = json.dumps({"out": out, "start": start, "end": end}).encode()
                while data:
                    data = data[os.write(w, data):]
            except BaseException:  # noqa: B036 - a child must never return into the parent's code
                code = 1
            os._exit(code)
        os.close(w)
        children.append((pid, r))
    results = []
    for pid, r in children:
        chunks = []
        while True:
            chunk = os.read(r, 65536)
            if not chunk:
                break
            chunks.append(chunk)
        os.close(r)
        _, status = os.waitpid(pid, 0)
        if status != 0:
            raise RuntimeError("a branch failed (status %d)" % status)
        msg = json.loads(b"".join(chunks))
        results.append((msg["out"], msg["start"], msg["end"]))
    return results


def finra():
    import lastpx
    import marginBalance
    import marketdata
    import side
    import trddate
    import volume
    branches = [m.main for _ in range(20) for m in (marketdata, lastpx, side, trddate, volume)]

    def run(event):
        t0 = time.monotonic_ns()
        results = run_forked(branches, event)
        out, start, end = run_thread(marginBalance.main, [r[0] for r in results])
        t1 = time.monotonic_ns()
        return {"e2e_ns": t1 - t0, "hops_ns": [start - max(r[2] for r in results)],
                "output": out}

    return run


def health():
    os.environ["HEALTH_SCRATCH"] = tempfile.mkdtemp(prefix="workflow-native-health-")
    import analyse
    import anonymise
    import identify

    def run(event):
        t0 = time.monotonic_ns()
        data, hops, last_end = event, [], None
        for step in (identify, anonymise, analyse):
            data, start, end = run_thread(step.main, data)
            if last_end is not None:
                hops.append(start - last_end)
            last_end = end
        t1 = time.monotonic_ns()
        return {"e2e_ns": t1 - t0, "hops_ns": hops, "output": data}

    return run


def main():
    example = sys.argv[1]
    functions = EXAMPLES / example / "functions"
    sys.path.insert(0, str(functions))
    os.chdir(functions)  # data files are read relative to the package root
    sys.dont_write_bytecode = True
    run = {"finra": finra, "health": health}[example]()
    for line in sys.stdin:
        if not line.strip():
            continue
        sys.stdout.write(json.dumps(run(json.loads(line))) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
