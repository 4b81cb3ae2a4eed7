"""A real `wasmlet serve` for the pytest suites (python, flask, workflows, console): started
on the port it is given (0: any free one), known up when it logs where it listens, its log
drained so that a full pipe never blocks it, and stopped at the end."""
import contextlib
import re
import subprocess
import threading
import time

LISTENING = re.compile(r"listening on (https?://[^\s]+)")


def start(exe, *args, timeout=60):
    """Starts `exe serve ARGS`; returns (process, base URL such as http://127.0.0.1:PORT)."""
    proc = subprocess.Popen([str(exe), "serve", *map(str, args)], stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    lines = []
    deadline = time.time() + timeout
    while time.time() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        lines.append(line)
        m = LISTENING.search(line)
        if m:
            threading.Thread(target=proc.stdout.read, daemon=True).start()
            return proc, m.group(1)
    stop(proc)
    raise AssertionError("server did not start:\n" + "".join(lines))


def stop(proc):
    """SIGTERM (a graceful drain), then SIGKILL if it has not exited within 30 s."""
    proc.terminate()
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@contextlib.contextmanager
def running(exe, *args):
    """The base URL of a server that runs for the with-block."""
    proc, base = start(exe, *args)
    try:
        yield base
    finally:
        stop(proc)
