"""The workflow examples (examples/workflows/) end to end on a real server: deployed with
deploy.sh, invoked synchronously and asynchronously, their outputs and execution histories
checked; invalid definitions; the `wasmlet workflow` commands. No timing assertions."""
import json
import os
import pathlib
import subprocess
import sys
import tempfile

import pytest

from conftest import EXAMPLES, USER, tasks

sys.path.insert(0, str(EXAMPLES / "image_pipeline"))
import make_image  # noqa: E402

FINRA_INPUT = {"body": {"portfolioType": "S&P", "portfolio": "1234"}}
HEALTH_INPUT = {"clinic": "north", "condition": "hypertension"}
# What examples/workflows/finra/gen_data.py made each portfolio to be.
FINRA_EXPECTED = {"1234": (True, True), "5678": (False, True), "9012": (True, False)}
FINRA_BRANCH_STATES = ["%s%d" % (fn, i) for i in range(20)
                       for fn in ("marketdata", "lastpx", "side", "trddate", "volume")]


def native_health(query):
    """The health workflow's analysis computed by the same functions under native Python."""
    code = ("import json, sys, identify, anonymise, analyse\n"
            "d = json.loads(sys.argv[1])\n"
            "for m in (identify, anonymise, analyse):\n"
            "    d = json.loads(json.dumps(m.main(d)))\n"
            "print(json.dumps(d))\n")
    with tempfile.TemporaryDirectory() as scratch:
        out = subprocess.run(["/usr/bin/python3", "-B", "-c", code, json.dumps(query)],
                             cwd=EXAMPLES / "health" / "functions", check=True,
                             capture_output=True, text=True,
                             env=dict(os.environ, HEALTH_SCRATCH=scratch)).stdout
    return json.loads(out)["body"]


# ---- deployment

def test_deployed_workflows_are_listed(deployed):
    status, _, body = deployed.request("GET", "/v1/workflows")
    assert status == 200, body
    listed = json.loads(body)
    if isinstance(listed, dict):  # {"workflows": [...]} or a bare array
        listed = next(v for v in listed.values() if isinstance(v, list))
    names = {(w["user"], w["name"]) for w in listed}
    for name in ("finra", "image_pipeline", "health"):
        assert (USER, name) in names


@pytest.mark.parametrize("name", ["finra", "image_pipeline", "health"])
def test_definition_is_returned(deployed, name):
    status, _, body = deployed.request("GET", "/v1/workflows/%s/%s" % (USER, name))
    assert status == 200, body
    got = json.loads(body)
    want = json.loads((EXAMPLES / name / "workflow.json").read_text())
    assert got == want or got.get("definition") == want


def test_finra_definition_is_faastlanes():
    # Faastlane's benchmarks/finra/workflow.json, kept byte for byte (10,568 bytes).
    text = (EXAMPLES / "finra" / "workflow.json").read_bytes()
    assert len(text) == 10568
    definition = json.loads(text)
    branches = definition["States"]["FetchData100"]["Branches"]
    assert [b["StartAt"] for b in branches] == FINRA_BRANCH_STATES


def test_upload_answers_the_functions(deployed):
    body = (EXAMPLES / "health" / "workflow.json").read_bytes()
    status, _, reply = deployed.request("PUT", "/v1/workflows/%s/health_again" % USER, body)
    assert status == 200, reply
    info = json.loads(reply)
    assert info["user"] == USER and info["name"] == "health_again"
    assert sorted(info["functions"]) == ["analyse", "anonymise", "identify"]


# ---- FINRA

@pytest.mark.parametrize("portfolio", sorted(FINRA_EXPECTED))
def test_finra_audit(deployed, portfolio):
    _, out = deployed.invoke_ok("finra", {"body": {"portfolioType": "S&P",
                                                   "portfolio": portfolio}})
    assert out["statusCode"] == 200
    body = out["body"]
    assert (body["validFormat"], body["marginSatisfied"]) == FINRA_EXPECTED[portfolio]
    assert body["portfolio"] == portfolio
    assert body["branches"] == 100
    assert body["checks"] == {"lastpx": 20, "side": 20, "trddate": 20, "volume": 20}


def test_finra_history(deployed):
    call_id, _ = deployed.invoke_ok("finra", FINRA_INPUT)
    record = deployed.call(call_id)
    assert record["status"] == "succeeded"
    history = record["history"]
    parallel = [h for h in history if h["state"] == "FetchData100"]
    assert len(parallel) == 1 and parallel[0]["type"] == "Parallel"
    ts = tasks(record)
    final = [t for t in ts if t["state"] == "CheckMarginBalance"]
    assert len(final) == 1
    branches = [t for t in ts if t["state"] != "CheckMarginBalance"]
    # Every branch ran, once, as its own call.
    assert sorted(t["state"] for t in branches) == sorted(FINRA_BRANCH_STATES)
    call_ids = {t["call_id"] for t in ts}
    assert len(call_ids) == 101 and call_id not in call_ids
    for t in ts:
        assert t["entered_ns"] <= t["start_ns"] <= t["end_ns"] <= t["exited_ns"], t
        assert t["input_bytes"] > 0 and t["output_bytes"] > 0, t
        assert t["retries"] == 0
        assert "error" not in t
    # Every branch started inside the Parallel state; marginBalance after the last one ended,
    # and its input was the array of the 100 outputs.
    p = parallel[0]
    assert all(p["entered_ns"] <= t["start_ns"] and t["end_ns"] <= p["exited_ns"]
               for t in branches)
    assert final[0]["start_ns"] >= max(t["end_ns"] for t in branches)
    # (the array may be re-serialised more compactly than the branches wrote their outputs)
    assert final[0]["input_bytes"] >= 0.8 * sum(t["output_bytes"] for t in branches)
    # Branches ran on executor threads: report (not assert) whether any two overlapped.
    spans = sorted((t["start_ns"], t["end_ns"]) for t in branches)
    overlapping = sum(1 for a, b in zip(spans, spans[1:]) if b[0] < a[1])
    print("FINRA: %d of 99 consecutive branch pairs overlapped in time" % overlapping)


def test_finra_async(deployed):
    status, headers, body = deployed.invoke("finra", FINRA_INPUT, "?async=1")
    assert status == 202, body
    call_id = json.loads(body)["id"]
    record = deployed.wait_call(call_id)
    assert record["status"] == "succeeded", record
    out = json.loads(record["output"])
    assert (out["body"]["validFormat"], out["body"]["marginSatisfied"]) == (True, True)
    assert len(tasks(record)) == 101


# ---- image pipeline

@pytest.mark.parametrize("pattern", sorted(make_image.EXPECTED_LABEL))
def test_image_pipeline_labels(deployed, pattern):
    _, out = deployed.invoke_ok("image_pipeline", make_image.image_json(pattern, 128))
    assert out["label"] == make_image.EXPECTED_LABEL[pattern]
    assert sum(out["histogram"]) == 32 * 32
    assert len(out["thumbnail"]) == 8 and all(len(row) == 16 for row in out["thumbnail"])
    assert out["label"] in out["summary"]


def test_image_pipeline_history(deployed):
    image = make_image.image_json("checker", 128).encode()
    status, headers, out = deployed.invoke("image_pipeline", image)
    assert status == 200, out
    record = deployed.call(int(headers["X-Wasmlet-Call-Id"]))
    ts = tasks(record)
    assert [t["state"] for t in ts] == ["Resize", "Classify", "Render"]
    assert [h["state"] for h in record["history"]] == ["Resize", "Classify", "Render"]
    # Each step's output is the next one's input, byte for byte counted.
    assert ts[0]["input_bytes"] == len(image)
    assert ts[1]["input_bytes"] == ts[0]["output_bytes"]
    assert ts[2]["input_bytes"] == ts[1]["output_bytes"]
    assert ts[2]["output_bytes"] == len(out)
    for a, b in zip(ts, ts[1:]):
        assert a["end_ns"] <= b["start_ns"]
    assert len({t["call_id"] for t in ts}) == 3


def test_image_pipeline_async(deployed):
    status, _, body = deployed.invoke("image_pipeline", make_image.image_json("dark", 64),
                                      "?async=1")
    assert status == 202, body
    record = deployed.wait_call(json.loads(body)["id"])
    assert record["status"] == "succeeded", record
    assert json.loads(record["output"])["label"] == "dark"


def test_failing_step_names_its_state(deployed):
    status, _, body = deployed.invoke("image_pipeline", '{"w": 2, "h": 2, "pixels": "!!"}')
    assert status == 500, body
    err = json.loads(body)
    assert err["error"] == "call_failed"
    assert err["error_kind"].startswith("States."), err
    assert "Resize" in err["message"], err
    record = deployed.call(err["call_id"])
    assert record["status"] == "failed"
    failed = [h for h in record["history"] if "error" in h]
    assert failed and failed[0]["state"] == "Resize", record["history"]


# ---- health

def test_health_analysis_and_isolation(deployed):
    expected = native_health(HEALTH_INPUT)
    for _ in range(2):  # the second run must find nothing of the first either
        _, out = deployed.invoke_ok("health", HEALTH_INPUT)
        body = out["body"]
        assert body["overall"] == expected["overall"]
        assert body["by_age_band"] == expected["by_age_band"]
        assert body["overall"]["patients"] == 36
        iso = body["isolation"]
        # identify found nothing an earlier call kept; analyse found nothing identify kept
        # (its module global, its /tmp file), and received no personal data.
        assert iso["identify"] == {"module_records": 0, "scratch_files": []}
        assert iso["analyse"] == {"identify_module_records": 0, "scratch_files": [],
                                  "pii_in_input": False}


def test_health_steps_hand_over_less_data(deployed):
    call_id, _ = deployed.invoke_ok("health", HEALTH_INPUT)
    ts = tasks(deployed.call(call_id))
    assert [t["state"] for t in ts] == ["Identify", "Anonymise", "Analyse"]
    assert ts[1]["input_bytes"] == ts[0]["output_bytes"]
    assert ts[2]["input_bytes"] == ts[1]["output_bytes"] < ts[0]["output_bytes"]


def test_health_async(deployed):
    status, _, body = deployed.invoke("health", {"clinic": "south"}, "?async=1")
    assert status == 202, body
    record = deployed.wait_call(json.loads(body)["id"])
    assert record["status"] == "succeeded", record
    out = json.loads(record["output"])["body"]
    assert out["overall"] == native_health({"clinic": "south"})["overall"]
    assert out["isolation"]["analyse"]["identify_module_records"] == 0


# ---- invalid definitions

def put_definition(server, name, definition):
    return server.request("PUT", "/v1/workflows/%s/%s" % (USER, name), json.dumps(definition))


def test_unknown_function_is_refused_naming_the_state(deployed):
    status, _, body = put_definition(deployed, "bad_resource", {
        "StartAt": "Resize",
        "States": {"Resize": {"Type": "Task", "Resource": "resize", "Next": "Sharpen"},
                   "Sharpen": {"Type": "Task", "Resource": "no_such_function", "End": True}}})
    assert status == 400, body
    err = json.loads(body)
    assert err["error"] == "invalid_definition"
    assert err["state"] == "Sharpen"
    assert err["message"]


def test_dangling_next_is_refused_naming_the_state(deployed):
    status, _, body = put_definition(deployed, "bad_next", {
        "StartAt": "Resize",
        "States": {"Resize": {"Type": "Task", "Resource": "resize", "Next": "Nowhere"}}})
    assert status == 400, body
    err = json.loads(body)
    assert err["error"] == "invalid_definition" and err["state"] == "Resize"
    status, _, _ = deployed.request("GET", "/v1/workflows/%s/bad_next" % USER)
    assert status == 404


def test_not_json_is_refused(deployed):
    status, _, body = deployed.request("PUT", "/v1/workflows/%s/junk" % USER, b"{not json")
    assert status == 400, body
    assert json.loads(body)["error"] == "invalid_definition"


# ---- the CLI

def test_cli_workflow_commands(deployed, tmp_path):
    name = "%s/cli_image" % USER
    deployed.cli("workflow", "upload", name, str(EXAMPLES / "image_pipeline" / "workflow.json"))
    assert "cli_image" in deployed.cli("workflow", "list").stdout

    image = tmp_path / "bright.json"
    image.write_text(make_image.image_json("bright", 64))
    proc = deployed.cli("workflow", "invoke", name, "--input-file", str(image))
    assert json.loads(proc.stdout)["label"] == "bright"

    proc = deployed.cli("workflow", "invoke", name, "--input", make_image.image_json("dark", 32))
    assert json.loads(proc.stdout)["label"] == "dark"

    proc = deployed.cli("workflow", "invoke", name, "--input-file", str(image), "--async")
    call_id = int(proc.stdout.strip())
    record = deployed.wait_call(call_id)
    assert json.loads(record["output"])["label"] == "bright"
    assert "succeeded" in deployed.cli("status", str(call_id)).stdout

    deployed.cli("workflow", "rm", name)
    assert "cli_image" not in deployed.cli("workflow", "list").stdout
    status, _, _ = deployed.request("GET", "/v1/workflows/%s" % name)
    assert status == 404
    proc = deployed.cli("workflow", "invoke", name, "--input", "{}", check=False)
    assert proc.returncode != 0 and "error" in proc.stderr


def test_cli_upload_of_an_invalid_definition_fails(deployed, tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"StartAt": "LookItUp", "States": {
        "LookItUp": {"Type": "Task", "Resource": "nothing_here", "End": True}}}))
    proc = deployed.cli("workflow", "upload", "%s/cli_bad" % USER, str(bad), check=False)
    assert proc.returncode != 0
    assert "LookItUp" in proc.stderr, proc.stderr


def test_examples_data_is_what_the_generators_make(tmp_path):
    # The committed data files are the generators' output (deterministic scripts).
    for example, files in (("finra", ("portfolios.json", "margin.json", "marketdata.json")),
                           ("health", ("patients.json",))):
        out = tmp_path / example
        subprocess.run(["/usr/bin/python3", "-B", str(EXAMPLES / example / "gen_data.py"),
                        str(out)], check=True)
        data = EXAMPLES / example / "functions" / "data"
        for f in files:
            assert (out / f).read_bytes() == (data / f).read_bytes(), f
        assert sum((data / f).stat().st_size for f in files) < 200 * 1024
    assert pathlib.Path(EXAMPLES / "deploy.sh").stat().st_mode & 0o111
