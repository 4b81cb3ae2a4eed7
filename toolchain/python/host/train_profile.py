"""Trains the profile the Python interpreter's generated C is optimised with (profile-guided
optimisation, as Debian builds its own python3).

An instrumented interpreter (`wasmlet compile --profile-generate`) runs in a real server, in a
training home beside the real one, over a corpus of its own (training/: objects, text, control
flow, numbers, and a Flask API's requests): none of it is a benchmark program, so the Python
benchmark measures code the profile did not see. The server writes its counts when it exits;
llvm-profdata merges them into OUT, which the build then compiles the interpreter with
(`wasmlet compile --profile-use`) and every server finds in the Python home.

A trained profile is kept in $WASMLET_CACHE_DIR/python-profile (default ~/.cache/wasmlet),
keyed by what decides it: the interpreter's bytes, the code generator (its id header) and this
corpus; a build with the same inputs copies it instead of training again.

Usage: train_profile.py --wasmlet EXE --home HOME --work DIR --profdata LLVM_PROFDATA
                        --codegen-id HEADER --out OUT
"""
import argparse
import hashlib
import json
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile
import urllib.error
import urllib.request

HERE = pathlib.Path(__file__).resolve().parent
TRAINING = HERE / "training"
sys.path.insert(0, str(HERE.parents[2] / "tests" / "support"))
import wasmlet_server  # noqa: E402  (the repository's server runner)

# Rounds per program and requests per Flask route: enough for stable counts, about a minute in
# all with the instrumented interpreter on a busy two-core machine.
PROGRAM_ROUNDS = 6
FLASK_ROUNDS = 150


def log(message):
    print("[train-profile] " + message, file=sys.stderr, flush=True)


def request(base, method, path, body=b"", headers=None):
    req = urllib.request.Request(base + path, data=body, method=method, headers=headers or {})
    with urllib.request.urlopen(req, timeout=300) as r:
        return r.status, r.read()


def make_home(home, train):
    """The training home: the real one's interpreter and libraries, instrumented."""
    if train.exists():
        shutil.rmtree(train)
    train.mkdir(parents=True)
    (train / "python.wasm").symlink_to(home / "python.wasm")
    (train / "lib").symlink_to(home / "lib")
    (train / "profile-generate").touch()


def run_programs(base):
    for source in sorted(TRAINING.glob("*.py")):
        name = source.stem
        status, body = request(base, "PUT", "/p/train/" + name, source.read_bytes())
        if status != 200:
            raise SystemExit("uploading %s: %s %s" % (name, status, body[:300]))
        for _ in range(PROGRAM_ROUNDS):
            status, body = request(base, "POST", "/v1/functions/train/%s:invoke" % name, b"{}")
            if status != 200:
                raise SystemExit("running %s: %s %s" % (name, status, body[:300]))
        log("%s: %s" % (name, body[:120].decode(errors="replace")))


def run_flask(exe, base):
    host = base.split("://", 1)[1]
    deploy = subprocess.run([str(exe), "flask", "deploy", "trainweb.app:app", "--server", host,
                             "--app-dir", str(TRAINING / "webapp")], capture_output=True,
                            text=True, timeout=900, env=dict(os.environ, WASMLET_PYTHON=sys.executable))
    if deploy.returncode != 0:
        raise SystemExit("flask deploy failed:\n" + deploy.stdout + deploy.stderr)
    app = "/apps/flask/trainweb"
    calls = [
        ("POST", "/echo", json.dumps({"a": [1, 2, 3], "b": {"c": "d"}}).encode(),
         {"Content-Type": "application/json", "X-Trace": "t1"}),
        ("GET", "/users/7/posts/hello-world?q=a&q=b", b"", {}),
        ("POST", "/form", b"name=widget&value=42",
         {"Content-Type": "application/x-www-form-urlencoded"}),
        ("GET", "/page?limit=20", b"", {}),
        ("GET", "/items/3", b"", {"Cookie": "last=2"}),
    ]
    for _ in range(FLASK_ROUNDS):
        for method, path, body, headers in calls:
            status, _ = request(base, method, app + path, body, headers)
            if status != 200:
                raise SystemExit("flask %s %s: %s" % (method, path, status))
    # The error paths: a 404 through the app's handler, from the endpoint and the fallback.
    for path in ("/items/999", "/nowhere"):
        for _ in range(FLASK_ROUNDS // 5):
            try:
                request(base, "GET", app + path)
            except urllib.error.HTTPError as e:
                if e.code != 404:
                    raise
    log("flask: %d requests" % (FLASK_ROUNDS * (len(calls) + 0.4)))


def cache_path(home, codegen_id):
    h = hashlib.sha256()
    for path in [home / "python.wasm", codegen_id, pathlib.Path(__file__).resolve(),
                 *sorted(TRAINING.rglob("*.py"))]:
        h.update(str(path.name).encode() + b"\0" + path.read_bytes() + b"\0")
    root = pathlib.Path(os.environ.get("WASMLET_CACHE_DIR") or
                        pathlib.Path.home() / ".cache" / "wasmlet")
    return root / "python-profile" / (h.hexdigest()[:24] + ".profdata")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--wasmlet", required=True, type=pathlib.Path)
    parser.add_argument("--home", required=True, type=pathlib.Path)
    parser.add_argument("--work", required=True, type=pathlib.Path)
    parser.add_argument("--profdata", required=True)
    parser.add_argument("--codegen-id", required=True, type=pathlib.Path)
    parser.add_argument("--out", required=True, type=pathlib.Path)
    a = parser.parse_args()

    cached = cache_path(a.home, a.codegen_id)
    if cached.exists():
        shutil.copyfile(cached, a.out)
        log("from the cache: %s" % cached)
        return

    train = a.work / "home"
    raw = a.work / "raw"
    make_home(a.home.resolve(), train)
    if raw.exists():
        shutil.rmtree(raw)
    raw.mkdir()
    env = dict(os.environ, WASMLET_CACHE_DIR=str(train / "native"))
    log("compiling the instrumented interpreter")
    subprocess.run([str(a.wasmlet), "compile", "--profile-generate", "--compile-time-limit", "60m",
                    str(train / "python.wasm")], check=True, env=env)

    # %p: one file per process; the server is the only one that loads the interpreter.
    os.environ["LLVM_PROFILE_FILE"] = str(raw / "python-%p.profraw")
    with tempfile.TemporaryDirectory(prefix="wasmlet-train-") as data:
        proc, base = wasmlet_server.start(a.wasmlet, "--port", "0", "--data-dir", data,
                                          "--python-home", train, "--timeout", "120s",
                                          "--memory-limit", "512MiB")
        try:
            run_programs(base)
            run_flask(a.wasmlet, base)
        finally:
            wasmlet_server.stop(proc)
    del os.environ["LLVM_PROFILE_FILE"]
    profiles = sorted(raw.glob("*.profraw"))
    if not profiles:
        raise SystemExit("the instrumented interpreter wrote no profile into %s" % raw)
    tmp = a.out.with_suffix(".tmp")
    subprocess.run([a.profdata, "merge", "-o", str(tmp), *map(str, profiles)], check=True)
    cached.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(tmp, cached.with_suffix(".tmp"))
    os.replace(cached.with_suffix(".tmp"), cached)
    os.replace(tmp, a.out)
    log("wrote %s (%d bytes), cached as %s" % (a.out, a.out.stat().st_size, cached))


if __name__ == "__main__":
    main()
