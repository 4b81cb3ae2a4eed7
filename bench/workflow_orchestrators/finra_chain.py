"""The FINRA audit composed by hand inside one Python function (bench/workflow.py's baseline
(b)): chains the 100 branch functions of examples/workflows/finra/workflow.json by name, awaits
them all, hands the array of their outputs to marginBalance. Output: marginBalance's. Prints
"chain_ns FANOUT FINAL ids FINAL_ID" to stderr: the ns from the first chain to the last branch
awaited, and the round trip of the marginBalance chain + await."""
import json
import sys
import time

from pyfaasm.core import await_call_output, chain_function

BRANCHES = [fn for _ in range(20) for fn in ("marketdata", "lastpx", "side", "trddate", "volume")]


def main(event):
    data = json.dumps(event).encode()
    t0 = time.perf_counter_ns()
    ids = [chain_function(fn, data) for fn in BRANCHES]
    outputs = [json.loads(await_call_output(i)) for i in ids]
    t1 = time.perf_counter_ns()
    final = chain_function("marginBalance", json.dumps(outputs).encode())
    result = json.loads(await_call_output(final))
    t2 = time.perf_counter_ns()
    sys.stderr.write("chain_ns %d %d ids %d\n" % (t1 - t0, t2 - t1, final))
    return result
