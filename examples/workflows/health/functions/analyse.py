"""Health workflow, step 3: statistics per age band over the anonymised records (count, mean
blood pressure and glucose, how many are over the hypertension and diabetes thresholds).

Its isolation probe looks for what `identify` kept: the module global (importing `identify`
here, at the top, gives this Faaslet's own copy of the module, as its Proto-Faaslet holds it)
and the scratch files; and checks that its own input carries no personal data. On Wasmlet it
finds nothing."""
import json

import identify
from health_common import PII_FIELDS, SSN_RE, scratch_files


def isolation_probe(event):
    text = json.dumps(event)
    return {"identify_module_records": len(identify.RAW_RECORDS),
            "scratch_files": scratch_files(),
            "pii_in_input": bool(SSN_RE.search(text)) or any(
                f in r for r in event.get("records", []) for f in PII_FIELDS)}


def summary(records):
    n = len(records)
    if not n:
        return {"patients": 0}
    mean = lambda key: round(sum(r[key] for r in records) / n, 2)  # noqa: E731
    return {"patients": n,
            "mean_systolic": mean("systolic"), "mean_diastolic": mean("diastolic"),
            "mean_glucose": mean("glucose"), "mean_bmi": mean("bmi"),
            "high_bp": sum(1 for r in records if r["systolic"] >= 140 or r["diastolic"] >= 90),
            "high_glucose": sum(1 for r in records if r["glucose"] >= 126)}


def main(event):
    records = event.get("records", [])
    bands = {}
    for r in records:
        bands.setdefault(r["age_band"], []).append(r)
    probe = dict(event.get("probe", {}))
    probe["analyse"] = isolation_probe(event)
    return {"statusCode": 200,
            "body": {"query": event.get("query", {}),
                     "overall": summary(records),
                     "by_age_band": {b: summary(rs) for b, rs in sorted(bands.items())},
                     "isolation": probe}}
