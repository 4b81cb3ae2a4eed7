"""A real `wasmlet serve` with a Python home, for the end-to-end tests of Python functions."""
import base64
import json
import os
import pathlib
import sys
import tempfile
import urllib.error
import urllib.request

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "support"))
import wasmlet_server  # noqa: E402  (tests/support)

HERE = pathlib.Path(__file__).parent


class Server:
    def __init__(self, base):
        self.base = base

    def request(self, method, path, body=b"", headers=None, timeout=60):
        if isinstance(body, str):
            body = body.encode()
        req = urllib.request.Request(self.base + path, data=body, method=method,
                                     headers=headers or {})
        try:
            with urllib.request.urlopen(req, timeout=timeout) as r:
                return r.status, r.read()
        except urllib.error.HTTPError as e:
            return e.code, e.read()

    def upload_py(self, name, body, query=""):
        return self.request("PUT", "/p/pytest/%s%s" % (name, query), body)

    def upload_file(self, name, filename, query=""):
        return self.upload_py(name, (HERE / "functions" / filename).read_bytes(), query)

    def upload_wasm(self, name, path):
        return self.request("PUT", "/f/pytest/%s" % name, pathlib.Path(path).read_bytes())

    def invoke(self, name, data=b""):
        return self.request("POST", "/v1/functions/pytest/%s:invoke" % name, data)

    def invoke_json(self, name, obj):
        status, body = self.invoke(name, json.dumps(obj))
        assert status == 200, body
        return json.loads(body)

    def faasm(self, message):
        return self.request("POST", "/", json.dumps(message))

    def call_record(self, call_id):
        status, body = self.request("GET", "/v1/calls/%d" % call_id)
        assert status == 200, body
        return json.loads(body)


@pytest.fixture(scope="session")
def server():
    exe = os.environ["WASMLET_EXE"]
    home = os.environ["WASMLET_PYTHON_HOME"]
    with tempfile.TemporaryDirectory(prefix="wasmlet-pytest-") as data:
        with wasmlet_server.running(exe, "--port", "0", "--data-dir", data, "--python-home",
                                    home, "--timeout", "3s", "--memory-limit", "256MiB",
                                    "--log-level", "info") as base:
            yield Server(base)


@pytest.fixture(scope="session")
def guest_dir():
    return pathlib.Path(os.environ["WASMLET_TEST_GUEST_DIR"])


def b64(data):
    return base64.b64encode(data).decode()
