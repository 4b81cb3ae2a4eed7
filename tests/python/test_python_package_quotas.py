"""Python packages against a tenant's storage quota: a package counts what it unpacks to, not
only its compressed upload, and directories count against the package's entry limit."""
import gzip
import io
import json
import os
import subprocess
import tarfile
import tempfile

import pytest

from conftest import Server, wasmlet_server

QUOTA = 1_000_000


def admin(exe, data, *args):
    out = subprocess.run([exe, "admin", "--data-dir", data, *args], check=True,
                         capture_output=True, text=True)
    return out.stdout.strip()


class TenantServer(Server):
    def __init__(self, base, key):
        super().__init__(base)
        self.key = key

    def request(self, method, path, body=b"", headers=None, timeout=60):
        headers = dict(headers or {}, Authorization="Bearer " + self.key)
        return super().request(method, path, body, headers, timeout)

    def upload(self, name, body):
        return self.request("PUT", "/v1/functions/alice/%s?kind=python" % name, body)

    def invoke(self, name, data=b""):
        return self.request("POST", "/v1/functions/alice/%s:invoke" % name, data)


@pytest.fixture(scope="module")
def alice():
    exe = os.environ["WASMLET_EXE"]
    with tempfile.TemporaryDirectory(prefix="wasmlet-pytest-quota-") as data:
        admin(exe, data, "tenant", "add", "alice")
        key = admin(exe, data, "key", "create", "alice")
        admin(exe, data, "tenant", "quota", "alice", "--set", "max_function_bytes=%d" % QUOTA)
        with wasmlet_server.running(exe, "--port", "0", "--data-dir", data, "--python-home",
                                    os.environ["WASMLET_PYTHON_HOME"], "--timeout", "3s",
                                    "--log-level", "info") as base:
            yield TenantServer(base, key)


def tar_gz(members):
    """members: (name, bytes) for files, (name, None) for directories."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        for name, data in members:
            info = tarfile.TarInfo(name)
            if data is None:
                info.type = tarfile.DIRTYPE
                tar.addfile(info)
            else:
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
    return gzip.compress(buf.getvalue())


MAIN = b"def main(event):\n    return event\n"


def test_a_package_is_charged_what_it_unpacks_to(alice):
    # 2 MB of zeros compress to a few KB: the upload passes the quota, its unpacking does not.
    bomb = tar_gz([("main.py", MAIN), ("data.bin", bytes(2 * QUOTA))])
    assert len(bomb) < 10_000
    status, body = alice.upload("bomb", bomb)
    assert status == 403, body
    assert json.loads(body)["error"] == "quota_exceeded"
    assert b"quota has left" in body
    assert alice.request("GET", "/v1/functions/alice/bomb")[0] == 404

    status, body = alice.upload("small", tar_gz([("main.py", MAIN), ("data.bin", bytes(600_000))]))
    assert status == 200, body
    assert json.loads(body)["size_bytes"] >= 600_000
    assert alice.invoke_json("small", {"x": 1}) == {"x": 1}
    # What is left of the quota is what the next package may unpack to.
    status, body = alice.upload("second", tar_gz([("main.py", MAIN),
                                                  ("data.bin", bytes(500_000))]))
    assert status == 403, body
    assert json.loads(body)["error"] == "quota_exceeded"
    # Replacing a package frees its own share first.
    status, body = alice.upload("small", tar_gz([("main.py", MAIN), ("data.bin", bytes(900_000))]))
    assert status == 200, body


def test_directories_count_against_the_entry_limit(alice):
    dirs = [("d%05d" % i, None) for i in range(10_001)]
    status, body = alice.upload("dirs", tar_gz([("main.py", MAIN)] + dirs))
    assert status == 400, body
    assert b"more than 10000 files and directories" in body
    # Parents made on the way count too.
    nested = [("p%05d/x.txt" % i, b"") for i in range(5_001)]
    status, body = alice.upload("nested", tar_gz([("main.py", MAIN)] + nested))
    assert status == 400, body
    assert b"files and directories" in body
