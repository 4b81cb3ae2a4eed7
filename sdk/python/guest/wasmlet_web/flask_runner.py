"""Runs a Flask app's endpoint inside a Faaslet, on a request frame (see frame.py).

The function's entry module (written by `wasmlet flask deploy`) calls load() at import, so the
app, with everything it imports, is in the function's Proto-Faaslet; each call then restores it
and runs one request through the whole WSGI app with real Flask, as gunicorn would: routing,
hooks, error handlers, the view, the response. Direct and proxy mode alike.
"""
import importlib
import importlib.machinery
import io
import sys
import types
from urllib.parse import unquote_to_bytes

from wasmlet_web import frame

_app = None

# CPython 3.11 specialises an instruction after it has run a few times; this is comfortably more.
_WARM_UP_REQUESTS = 16


class _UnavailableModule(types.ModuleType):
    """Stands for a module the app imports that CPython for WASI lacks (a C extension, a
    library not in the Python home). Importing it succeeds, so that the app and its other
    routes load; using it raises, naming the module. Deploy reports the routes that need it."""

    def __getattr__(self, name):
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)
        raise ImportError("module '%s' is not available in Wasmlet's Python (CPython for "
                          "WASI); the routes that use it run only in proxy mode" % self.__name__)


class _UnavailableFinder:
    def __init__(self, names):
        self._names = frozenset(names)

    def _covers(self, fullname):
        return any(fullname == n or fullname.startswith(n + ".") for n in self._names)

    def find_spec(self, fullname, path=None, target=None):
        if not self._covers(fullname):
            return None
        return importlib.machinery.ModuleSpec(fullname, self, is_package=True)

    def create_module(self, spec):
        module = _UnavailableModule(spec.name)
        module.__path__ = []
        return module

    def exec_module(self, module):
        pass


def load(module_name, app_name, unavailable=()):
    """Imports the app once, before the snapshot."""
    global _app
    if unavailable:
        sys.meta_path.insert(0, _UnavailableFinder(unavailable))
    module = importlib.import_module(module_name)
    app = getattr(module, app_name, None)
    if app is None or not hasattr(app, "wsgi_app"):
        raise LookupError("module '%s' has no Flask app '%s'" % (module_name, app_name))
    _app = app
    _warm_up()
    return app


def _warm_up():
    """Runs requests for a path no rule matches (a 404, through the app's own handling)
    before the snapshot, so that every call starts with Flask's and Werkzeug's request path
    specialised instead of redoing that on pages it would otherwise not write."""
    probe = frame.encode_request(b"app", "GET", "http", "localhost", "", b"/.wasmlet-warm-up",
                                 "", "127.0.0.1", "", b"", [("Host", "localhost")])
    for _ in range(_WARM_UP_REQUESTS):
        try:
            handle(probe)
        except Exception:  # noqa: B902 - an app whose 404 path fails just is not warmed
            return


def _environ(req, headers):
    path = req["path"]
    environ = {
        "REQUEST_METHOD": req["method"].decode("latin-1"),
        "SCRIPT_NAME": req["script_name"].decode("latin-1"),
        "PATH_INFO": unquote_to_bytes(path).decode("latin-1"),
        "QUERY_STRING": req["query"].decode("latin-1"),
        "REQUEST_URI": (path + (b"?" + req["query"] if req["query"] else b"")).decode("latin-1"),
        "REMOTE_ADDR": req["remote_addr"].decode("latin-1"),
        "SERVER_PROTOCOL": "HTTP/1.1",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": req["scheme"].decode("latin-1") or "http",
        "wsgi.input": io.BytesIO(req["body"]),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
        "CONTENT_LENGTH": str(len(req["body"])),
    }
    host = req["host"].decode("latin-1")
    name, _, port = host.rpartition(":")
    if not port.isdigit():
        name, port = host, ""
    environ["SERVER_NAME"] = name or "localhost"
    environ["SERVER_PORT"] = port or ("443" if environ["wsgi.url_scheme"] == "https" else "80")
    for key, value in headers:
        key = key.upper().replace("-", "_")
        if key == "CONTENT_TYPE":
            environ["CONTENT_TYPE"] = value
        elif key == "CONTENT_LENGTH":
            continue
        else:
            key = "HTTP_" + key
            environ[key] = environ[key] + "," + value if key in environ else value
    return environ


def _run_app(environ):
    started = []

    def start_response(status, response_headers, exc_info=None):
        started[:] = [status, response_headers]

    result = _app(environ, start_response)
    try:
        body = b"".join(result)
    finally:
        close = getattr(result, "close", None)
        if close is not None:
            close()
    status, headers = started
    return frame.encode_response(b"response", int(status.split(" ", 1)[0]), body, headers)


def handle(data):
    """One request frame in, one response frame out."""
    req, headers = frame.decode_request(data)
    return _run_app(_environ(req, headers))
