"""Runs a Flask app's endpoint inside a Faaslet, on a request frame (see frame.py).

The function's entry module (written by `wasmlet flask deploy`) calls load() at import, so the
app, with everything it imports, is in the function's Proto-Faaslet; each call then restores it
and runs one request with real Flask:

- kind b"app" (direct mode): the whole WSGI app, as gunicorn would run it: routing, hooks,
  error handlers, the view, the response.
- kind b"view" (proxy mode): only the view of the endpoint, in a request context. The proxy's
  Flask ran the hooks and error handlers and routed the request; an HTTPException or error
  goes back to it as such, so its handlers see it.
"""
import importlib
import io
import sys
import traceback
import types
from urllib.parse import unquote_to_bytes

from werkzeug.exceptions import HTTPException

from wasmlet_web import frame

_app = None


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
    return app


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
    name, _, port = host.rpartition(":") if host.rpartition(":")[2].isdigit() else (host, "", "")
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


def _run_view(environ, endpoint):
    ctx = _app.request_context(environ)
    ctx.push()
    try:
        request = ctx.request
        if request.routing_exception is not None:
            raise request.routing_exception
        view = _app.view_functions[endpoint]
        rv = _app.ensure_sync(view)(**(request.view_args or {}))
        response = _app.make_response(rv)
        body = b"".join(response.iter_encoded())
        return frame.encode_response(b"response", response.status_code, body,
                                     response.headers.to_wsgi_list())
    except HTTPException as exc:
        return frame.encode_response(b"http_exception", exc.code or 500,
                                     (exc.description or "").encode())
    except Exception:  # noqa: B902 - the view's failure goes to the proxy as Flask's would
        text = traceback.format_exc()
        sys.stderr.write(text)
        return frame.encode_response(b"error", 500, text.encode())
    finally:
        ctx.pop()


def handle(data):
    """One request frame in, one response frame out."""
    req, headers = frame.decode_request(data)
    environ = _environ(req, headers)
    if req["kind"] == b"view":
        return _run_view(environ, req["endpoint"].decode("latin-1"))
    return _run_app(environ)
