"""Health workflow, step 1: finds the patients a study asks for (by clinic and condition) and
hands their full records, personal data included, to `anonymise`.

It also keeps the raw records where a careless function would: in a module global and in a file
under /tmp. On Wasmlet neither survives the call: the Faaslet is reset after each step, and
every step runs in its own Faaslet, so `analyse` (which looks for both) finds nothing. Before
it keeps anything, identify looks for what an earlier call left, too."""
import json
import os

from health_common import PATIENTS, SCRATCH, SCRATCH_PREFIX, scratch_files

RAW_RECORDS = []  # what this step "forgets" to clear


def select(query):
    clinic = query.get("clinic")
    condition = query.get("condition")
    return [p for p in PATIENTS
            if (clinic is None or p["clinic"] == clinic)
            and (condition is None or condition in p["conditions"])]


def main(event):
    query = {k: event[k] for k in ("clinic", "condition") if k in event}
    probe = {"module_records": len(RAW_RECORDS), "scratch_files": scratch_files()}
    records = select(query)
    RAW_RECORDS.extend(records)
    path = os.path.join(SCRATCH, "%sidentified-%d.json" % (SCRATCH_PREFIX, len(RAW_RECORDS)))
    with open(path, "w") as f:
        json.dump(records, f)
    return {"query": query, "records": records, "probe": {"identify": probe}}
