"""A real `wasmlet serve`, apps deployed with the real `wasmlet flask deploy`, and the proxy
mode's Flask under a real gunicorn, for the end-to-end tests of Flask apps."""
import os
import pathlib
import socket
import subprocess
import sys
import tempfile
import time

import pytest
import requests

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "support"))
import wasmlet_server  # noqa: E402  (tests/support)

HERE = pathlib.Path(__file__).parent
APPS = HERE / "apps"
EXE = os.environ.get("WASMLET_EXE", "")
SDK = pathlib.Path(__file__).resolve().parents[2] / "sdk" / "python"


def start_server(data, port=0):
    """Returns (process, HOST:PORT)."""
    proc, base = wasmlet_server.start(
        EXE, "--port", port, "--data-dir", data, "--python-home",
        os.environ["WASMLET_PYTHON_HOME"], "--timeout", "10s", "--memory-limit", "512MiB")
    return proc, base.split("://", 1)[1]


stop = wasmlet_server.stop


def flask_cli(*args, cwd=APPS):
    """Runs `wasmlet flask ...`; returns (exit code, output)."""
    r = subprocess.run([EXE, "flask", *args], cwd=cwd, capture_output=True, text=True,
                       timeout=900, env=dict(os.environ, WASMLET_PYTHON=sys.executable))
    return r.returncode, r.stdout + r.stderr


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_gunicorn(spec, server, name, app_dir=APPS):
    port = free_port()
    env = dict(os.environ, WASMLET_FLASK_APP=spec, WASMLET_SERVER=server, WASMLET_USER="flask",
               WASMLET_APP_NAME=name,
               PYTHONPATH="%s:%s:%s" % (app_dir, SDK / "host", SDK / "guest"))
    # The log goes to a file: an unread pipe would fill and block the workers.
    log = tempfile.NamedTemporaryFile(prefix="wasmlet-gunicorn-", suffix=".log", delete=False)
    proc = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--bind", "127.0.0.1:%d" % port, "--workers", "3",
         "--threads", "4", "--preload", "wasmlet_flask.proxy_app:app"],
        env=env, stdout=log, stderr=subprocess.STDOUT)
    proc.log_path = log.name
    base = "http://127.0.0.1:%d" % port
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            requests.get(base + "/", timeout=5)
            return proc, base
        except requests.ConnectionError:
            if proc.poll() is not None:
                raise AssertionError("gunicorn exited:\n" + pathlib.Path(log.name).read_text())
            time.sleep(0.2)
    stop(proc)
    raise AssertionError("gunicorn did not start")


class Deployment:
    def __init__(self, data):
        self.data = data
        self.proc, self.server = start_server(data)
        self.base = "http://" + self.server

    def restart(self):
        port = self.server.rsplit(":", 1)[1]
        stop(self.proc)
        self.proc, self.server = start_server(self.data, port)


@pytest.fixture(scope="session")
def wasmlet():
    with tempfile.TemporaryDirectory(prefix="wasmlet-flask-") as data:
        d = Deployment(pathlib.Path(data))
        try:
            yield d
        finally:
            stop(d.proc)


@pytest.fixture(scope="session")
def features(wasmlet):
    """The features app, deployed once; its deploy output."""
    code, out = flask_cli("deploy", "features.app:app", "--server", wasmlet.server)
    assert code == 0, out
    return out


@pytest.fixture(scope="session")
def proxy_base(wasmlet, features):
    proc, base = start_gunicorn("features.app:app", wasmlet.server, "features")
    try:
        yield base
    finally:
        stop(proc)


@pytest.fixture(params=["direct", "proxy"])
def app_url(request, wasmlet, features):
    """The features app's base URL in each mode."""
    if request.param == "direct":
        return wasmlet.base + "/apps/flask/features"
    return request.getfixturevalue("proxy_base")
