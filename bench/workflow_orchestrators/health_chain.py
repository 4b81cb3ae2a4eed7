"""The health workflow composed by hand inside one Python function (bench/workflow.py's
baseline (b)): chains identify, anonymise and analyse by name, each awaited before the next,
each one's output the next one's input. Output: analyse's. Prints "chain_ns R1 R2 R3 ids I1 I2
I3" to stderr: each chain + await round trip in ns, and the chained calls' ids."""
import json
import sys
import time

from pyfaasm.core import await_call_output, chain_function

STEPS = ("identify", "anonymise", "analyse")


def main(event):
    data = json.dumps(event).encode()
    rtts, ids = [], []
    for step in STEPS:
        t0 = time.perf_counter_ns()
        ids.append(chain_function(step, data))
        data = await_call_output(ids[-1])
        rtts.append(time.perf_counter_ns() - t0)
    sys.stderr.write("chain_ns %s ids %s\n" % (" ".join(map(str, rtts)), " ".join(map(str, ids))))
    return json.loads(data)
