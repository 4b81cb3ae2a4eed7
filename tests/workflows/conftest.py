"""A real `wasmlet serve` with a Python home, and the workflow examples deployed to it
(examples/workflows/deploy.sh), for the end-to-end tests of workflows."""
import json
import os
import pathlib
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "support"))
import wasmlet_server  # noqa: E402  (tests/support)

ROOT = pathlib.Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples" / "workflows"
USER = "wftest"


class Server:
    def __init__(self, base, exe):
        self.base = base
        self.exe = exe
        self.address = base[len("http://"):]

    def request(self, method, path, body=b"", headers=None, timeout=120):
        if isinstance(body, str):
            body = body.encode()
        req = urllib.request.Request(self.base + path, data=body, method=method,
                                     headers=headers or {})
        try:
            with urllib.request.urlopen(req, timeout=timeout) as r:
                return r.status, dict(r.headers), r.read()
        except urllib.error.HTTPError as e:
            return e.code, dict(e.headers), e.read()

    def invoke(self, name, data, query=""):
        """POST /v1/workflows/USER/NAME:invoke; (status, headers, body)."""
        if not isinstance(data, (bytes, str)):
            data = json.dumps(data)
        return self.request("POST", "/v1/workflows/%s/%s:invoke%s" % (USER, name, query), data)

    def invoke_ok(self, name, data):
        status, headers, body = self.invoke(name, data)
        assert status == 200, body
        return int(headers["X-Wasmlet-Call-Id"]), json.loads(body)

    def call(self, call_id):
        status, _, body = self.request("GET", "/v1/calls/%d" % call_id)
        assert status == 200, body
        return json.loads(body)

    def wait_call(self, call_id, timeout=120):
        deadline = time.time() + timeout
        while time.time() < deadline:
            record = self.call(call_id)
            if record["status"] in ("succeeded", "failed"):
                return record
            time.sleep(0.05)
        raise AssertionError("call %d did not finish: %r" % (call_id, record))

    def cli(self, *args, check=True, input_=None):
        """Runs `wasmlet ARGS --server ADDRESS`; the CompletedProcess (text)."""
        proc = subprocess.run([self.exe, *args, "--server", self.address], capture_output=True,
                              text=True, input=input_, timeout=300)
        if check:
            assert proc.returncode == 0, (args, proc.stdout, proc.stderr)
        return proc


@pytest.fixture(scope="session")
def server():
    exe = os.environ["WASMLET_EXE"]
    home = os.environ["WASMLET_PYTHON_HOME"]
    with tempfile.TemporaryDirectory(prefix="wasmlet-wftest-") as data:
        with wasmlet_server.running(exe, "--port", "0", "--data-dir", data, "--python-home",
                                    home, "--timeout", "60s", "--memory-limit", "256MiB",
                                    "--log-level", "info") as base:
            yield Server(base, exe)


@pytest.fixture(scope="session")
def deployed(server):
    """Every example deployed as user wftest by examples/workflows/deploy.sh."""
    proc = subprocess.run([str(EXAMPLES / "deploy.sh"), server.address, USER],
                          env=dict(os.environ, WASMLET=server.exe), capture_output=True,
                          text=True, timeout=900)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return server


def tasks(record):
    """The Task entries of a workflow call's history, in the order they started."""
    history = record["history"]
    assert isinstance(history, list) and history, record
    return sorted((h for h in history if h["type"] == "Task"), key=lambda h: h["start_ns"])
