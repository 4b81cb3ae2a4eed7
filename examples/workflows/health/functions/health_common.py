"""What the health workflow's functions share: the records (read once, at import), where a
step may write scratch files, and what counts as personal data."""
import json
import os
import re

_HERE = os.path.dirname(os.path.abspath(__file__))
with open(os.path.join(_HERE, "data", "patients.json")) as _f:
    PATIENTS = json.load(_f)

# A Faaslet's /tmp; the native baseline (bench/workflow_native.py) points it elsewhere.
SCRATCH = os.environ.get("HEALTH_SCRATCH", "/tmp")
SCRATCH_PREFIX = "health-"
PII_FIELDS = ("name", "ssn", "dob", "zip")
SSN_RE = re.compile(r"\b\d{3}-\d{2}-\d{4}\b")
AS_OF_YEAR = 2024


def scratch_files():
    """The files an earlier step of this workflow (or an earlier call) left in the scratch
    directory."""
    try:
        return sorted(n for n in os.listdir(SCRATCH) if n.startswith(SCRATCH_PREFIX))
    except OSError:
        return []
