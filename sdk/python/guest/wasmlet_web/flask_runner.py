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

# CPython 3.11 quickens a function after 8 runs and specialises an instruction 31 runs after
# that: a path run once per request needs 40 requests; this is comfortably more.
_WARM_UP_REQUESTS = 64


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
    """Runs requests before the snapshot, so that every call starts with the request path's
    bytecode specialised instead of running it generic, and writing its counters, each time.
    First a path no rule of the app matches (a 404, through the app's own handling); then, for
    the library code that views call (JSON, query strings, forms, converters, responses,
    errors), requests of each kind through a throwaway app of the runner's own. No view of the
    deployed app runs: a deploy cannot know a valid request for each route, and a view may
    have side effects."""
    probe = frame.encode_request(b"app", "GET", "http", "localhost", "", b"/.wasmlet-warm-up",
                                 "", "127.0.0.1", "", b"", [("HTTP_HOST", "localhost")])
    try:
        for _ in range(_WARM_UP_REQUESTS):
            handle(probe)
    except Exception:  # noqa: B902 - an app whose 404 path fails just is not warmed
        pass
    try:
        app = _library_warm_up_app()
    except ImportError:  # not a Flask app: its own 404 path was all there was to warm
        return
    try:
        _run_library_warm_up(app)
    except Exception:  # noqa: B902 - a Flask unlike the one this was written for: not warmed
        pass


def _run_library_warm_up(app):
    """Raises RuntimeError when a request does not get the answer it should: then the warm-up
    ran some other path than the one it is for."""
    requests = []
    for method, path, query, body, content_type, expected in _LIBRARY_WARM_UP_REQUESTS:
        headers = [("HTTP_HOST", "localhost"), ("HTTP_USER_AGENT", "wasmlet-warm-up"),
                   ("HTTP_ACCEPT", "*/*")]
        if content_type:
            headers.append(("CONTENT_TYPE", content_type))
        requests.append((frame.encode_request(b"app", method, "http", "localhost", "", path,
                                              query, "127.0.0.1", "", body, headers),
                         expected, "%s %r" % (method, path)))
    for _ in range(_WARM_UP_REQUESTS):
        for request, expected, name in requests:
            status = frame.decode_response(_handle(app, request))[1]
            if status != expected:
                raise RuntimeError("warm-up request %s answered %d, not %d"
                                   % (name, status, expected))


# method, path, query, body, content type, the status it must get
_LIBRARY_WARM_UP_REQUESTS = (
    ("POST", b"/json", "", b'{"name": "a", "tags": ["b", "c"], "n": 1}', "application/json",
     200),
    ("GET", b"/args/1/a/b", "q=1&q=2&r=x", b"", "", 200),
    ("POST", b"/form", "", b"name=a&city=b", "application/x-www-form-urlencoded", 200),
    ("GET", b"/text", "", b"", "", 201),
    ("GET", b"/response", "", b"", "", 200),
    ("GET", b"/missing", "", b"", "", 404),
)


def _library_warm_up_app():
    import flask

    app = flask.Flask(__name__)

    @app.post("/json")
    def json_echo():
        return flask.jsonify(flask.request.get_json())

    @app.get("/args/<int:number>/<path:rest>")
    def args(number, rest):
        return flask.jsonify(number=number, parts=rest.split("/"),
                             q=flask.request.args.getlist("q"), r=flask.request.args.get("r"))

    @app.post("/form")
    def form():
        return {"name": flask.request.form["name"], "count": len(flask.request.form)}

    @app.get("/text")
    def text():
        return "ok", 201, {"X-Warm-Up": "1"}

    @app.get("/response")
    def response():
        reply = flask.make_response(b"ok")
        reply.headers["X-Warm-Up"] = "1"
        return reply

    return app


# What every request's environ holds besides the request's own.
_ENVIRON_BASE = {
    "SERVER_PROTOCOL": "HTTP/1.1",
    "wsgi.version": (1, 0),
    "wsgi.errors": sys.stderr,
    "wsgi.multithread": False,
    "wsgi.multiprocess": True,
    "wsgi.run_once": False,
}


def _environ(items, body):
    _kind, method, scheme, host, script_name, path, query, remote_addr, _endpoint = items[:9]
    headers = iter(items[9:])
    environ = dict(zip(headers, headers))
    # After the headers, so that no name in a frame overrides what is not a header.
    environ.update(_ENVIRON_BASE)
    environ["REQUEST_METHOD"] = method
    environ["SCRIPT_NAME"] = script_name
    if "%" in path:  # the bytes, as latin-1 (PEP 3333), not str's UTF-8
        environ["PATH_INFO"] = unquote_to_bytes(path.encode("latin-1")).decode("latin-1")
    else:
        environ["PATH_INFO"] = path
    environ["QUERY_STRING"] = query
    environ["REQUEST_URI"] = path + "?" + query if query else path
    environ["REMOTE_ADDR"] = remote_addr
    environ["wsgi.url_scheme"] = scheme = scheme or "http"
    environ["wsgi.input"] = io.BytesIO(body)
    environ["CONTENT_LENGTH"] = str(len(body))
    name, _, port = host.rpartition(":")
    if not port.isdigit():
        name, port = host, ""
    environ["SERVER_NAME"] = name or "localhost"
    environ["SERVER_PORT"] = port or ("443" if scheme == "https" else "80")
    return environ


def _run_app(app, environ):
    started = []

    def start_response(status, response_headers, exc_info=None):
        started[:] = [status, response_headers]

    result = app(environ, start_response)
    try:
        body = b"".join(result)
    finally:
        close = getattr(result, "close", None)
        if close is not None:
            close()
    status, headers = started
    return frame.encode_response(b"response", int(status.split(" ", 1)[0]), body, headers)


def _handle(app, data):
    return _run_app(app, _environ(*frame.decode_request(data)))


def handle(data):
    """One request frame in, one response frame out."""
    return _handle(_app, data)
