"""A real `wasmlet serve` with API keys (tenant alice, made offline with `wasmlet admin`), the
echo example and the image pipeline workflow, and a headless Chromium (Debian's, through
chromedriver) for the browser tests of the web console."""
import os
import pathlib
import subprocess
import sys
import tempfile
import urllib.error
import urllib.request

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "support"))
import wasmlet_server  # noqa: E402  (tests/support)

ROOT = pathlib.Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
USER = "alice"


class Server:
    def __init__(self, base, exe, key):
        self.base = base
        self.exe = exe
        self.key = key
        self.address = base[len("http://"):]

    def request(self, method, path, body=b"", key=None, headers=None):
        if isinstance(body, str):
            body = body.encode()
        h = dict(headers or {})
        h["Authorization"] = "Bearer " + (key or self.key)
        req = urllib.request.Request(self.base + path, data=body or None, method=method, headers=h)
        try:
            with urllib.request.urlopen(req, timeout=120) as r:
                return r.status, dict(r.headers), r.read()
        except urllib.error.HTTPError as e:
            return e.code, dict(e.headers), e.read()


def admin(exe, data, *args):
    proc = subprocess.run([exe, "admin", "--data-dir", data, *args], capture_output=True,
                          text=True, timeout=60)
    assert proc.returncode == 0, (args, proc.stdout, proc.stderr)
    return proc.stdout.strip()


@pytest.fixture(scope="session")
def server():
    exe = os.environ["WASMLET_EXE"]
    with tempfile.TemporaryDirectory(prefix="wasmlet-console-") as data:
        admin(exe, data, "tenant", "add", USER)
        key = admin(exe, data, "key", "create", USER, "--label", "console-test")
        assert key.startswith("wlk_"), key
        with wasmlet_server.running(exe, "--port", "0", "--data-dir", data, "--timeout", "30s",
                                    "--log-level", "info") as base:
            yield Server(base, exe, key)


@pytest.fixture(scope="session")
def echo_wasm(server, tmp_path_factory):
    """examples/functions/echo.c compiled by `wasmlet cc`."""
    out = tmp_path_factory.mktemp("guests") / "echo.wasm"
    proc = subprocess.run([server.exe, "cc", str(ROOT / "examples/functions/echo.c"), "-o",
                           str(out)], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    return out


@pytest.fixture(scope="session")
def pipeline(server):
    """The image pipeline example deployed as alice and run once; the run's call id."""
    env = dict(os.environ, WASMLET=server.exe, WASMLET_KEY=server.key)
    proc = subprocess.run([str(ROOT / "examples/workflows/deploy.sh"), server.address, USER,
                           "image_pipeline"], env=env, capture_output=True, text=True,
                          timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    image = subprocess.run(["/usr/bin/python3", str(ROOT / "examples/workflows/image_pipeline/make_image.py"),
                            "checker", "32"], capture_output=True, text=True, check=True).stdout
    status, headers, body = server.request(
        "POST", "/v1/workflows/%s/image_pipeline:invoke" % USER, image.strip())
    assert status == 200, body
    return int(headers["X-Wasmlet-Call-Id"])


@pytest.fixture(scope="session")
def browser():
    for path in (CHROMIUM, CHROMEDRIVER):
        assert os.path.exists(path), (
            "%s is missing: install Debian's chromium and chromium-driver "
            "(./run installs them)" % path)
    with tempfile.TemporaryDirectory(prefix="wasmlet-chromium-") as profile:
        options = webdriver.ChromeOptions()
        options.binary_location = CHROMIUM
        # The machine may have no network: without these Chromium waits on connections of its own.
        for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic",
                     "--no-first-run", "--disable-background-networking",
                     "--disable-component-update", "--disable-sync",
                     "--disable-dev-shm-usage", "--window-size=1280,900",
                     "--user-data-dir=" + profile):
            options.add_argument(flag)
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
        driver.set_page_load_timeout(60)
        try:
            yield driver
        finally:
            driver.quit()
