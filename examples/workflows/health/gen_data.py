#!/usr/bin/env python3
"""Writes the health example's synthetic patient records into functions/data/patients.json, or
into the directory given as its argument (deterministic; the generated file is committed).
Every name, number and reading is made up.

A record: {"patient_id", "name", "ssn", "dob" (YYYY-MM-DD), "zip", "clinic", "conditions",
"systolic", "diastolic", "glucose", "bmi"}.
"""
import json
import pathlib
import random
import sys

OUT = pathlib.Path(__file__).resolve().parent / "functions" / "data" / "patients.json"
FIRST = ["Ada", "Alan", "Grace", "Edsger", "Barbara", "Donald", "Frances", "John", "Radia",
         "Ken", "Margaret", "Dennis", "Shafi", "Leslie", "Sophie", "Tim"]
LAST = ["Lovelace", "Turing", "Hopper", "Dijkstra", "Liskov", "Knuth", "Allen", "Backus",
        "Perlman", "Thompson", "Hamilton", "Ritchie", "Goldwasser", "Lamport", "Wilson", "Lee"]
CLINICS = ["north", "south", "east", "west"]
CONDITIONS = ["hypertension", "diabetes", "asthma", "none"]


def main():
    rng = random.Random(1130)
    records = []
    for i in range(400):
        conds = sorted({rng.choice(CONDITIONS) for _ in range(rng.randint(1, 2))})
        if len(conds) > 1 and "none" in conds:
            conds.remove("none")
        hyper = "hypertension" in conds
        diab = "diabetes" in conds
        records.append({
            "patient_id": "P%05d" % (10000 + i),
            "name": "%s %s" % (rng.choice(FIRST), rng.choice(LAST)),
            "ssn": "%03d-%02d-%04d" % (rng.randint(100, 899), rng.randint(10, 99),
                                       rng.randint(1000, 9999)),
            "dob": "%04d-%02d-%02d" % (rng.randint(1935, 2005), rng.randint(1, 12),
                                       rng.randint(1, 28)),
            "zip": "%05d" % rng.randint(10000, 99999),
            "clinic": CLINICS[i % len(CLINICS)],
            "conditions": conds,
            "systolic": rng.randint(135, 175) if hyper else rng.randint(100, 134),
            "diastolic": rng.randint(85, 105) if hyper else rng.randint(60, 84),
            "glucose": rng.randint(130, 220) if diab else rng.randint(70, 125),
            "bmi": round(rng.uniform(18.0, 38.0), 1),
        })
    out = pathlib.Path(sys.argv[1]) / OUT.name if len(sys.argv) > 1 else OUT
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(records, separators=(",", ":")) + "\n")


if __name__ == "__main__":
    main()
