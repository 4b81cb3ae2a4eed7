"""Health workflow, step 2: removes the personal data. Names, social security numbers and
postcodes go (postcodes keep their first three digits), dates of birth become ten-year age
bands, and patient ids become pseudonyms (a keyed hash: stable, not reversible without the
key)."""
import hashlib

from health_common import AS_OF_YEAR, PII_FIELDS

PSEUDONYM_KEY = b"wasmlet-health-example"  # a real deployment keeps this secret


def pseudonym(patient_id):
    return hashlib.blake2b(patient_id.encode(), key=PSEUDONYM_KEY, digest_size=6).hexdigest()


def age_band(dob):
    age = AS_OF_YEAR - int(dob[:4])
    low = min(age // 10 * 10, 80)
    return "80+" if low == 80 else "%d-%d" % (low, low + 9)


def anonymise(record):
    out = {k: v for k, v in record.items() if k not in PII_FIELDS and k != "patient_id"}
    out["pseudonym"] = pseudonym(record["patient_id"])
    out["age_band"] = age_band(record["dob"])
    out["area"] = record["zip"][:3]
    return out


def main(event):
    return {"query": event.get("query", {}),
            "records": [anonymise(r) for r in event.get("records", [])],
            "probe": event.get("probe", {})}
