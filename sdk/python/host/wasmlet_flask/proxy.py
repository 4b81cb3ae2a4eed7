"""Proxy mode: the app runs in its own Flask (under gunicorn or Flask's server), which receives
and routes each request. A request for a deployed endpoint goes, whole, to that endpoint's
Faaslet over one keep-alive connection per thread with binary frames, and the Faaslet's Flask
runs it exactly as in direct mode: hooks, view, error handlers, session. So that nothing runs
twice, the proxy's own hooks skip those requests. Static files and the views that could not be
deployed run here, natively, with the proxy's hooks."""
import functools
import os
import urllib.parse

import flask
from werkzeug.exceptions import BadGateway

from wasmlet_flask.client import Client, message_of
from wasmlet_web import frame


class ViewFailed(Exception):
    """The Faaslet's call failed (a trap, a timeout, a memory limit): a 500, as Flask gives
    for an exception."""


def _raw_path(environ):
    raw = environ.get("RAW_URI") or environ.get("REQUEST_URI")
    if raw:
        return raw.split("?", 1)[0]
    return urllib.parse.quote(environ.get("PATH_INFO", ""), safe="/;=,@:!$&'()*+~")


def _environ_headers(environ):
    """The request's headers as its WSGI server put them in the environ, which is how the
    frame carries them."""
    return [(name, value) for name, value in environ.items()
            if name.startswith("HTTP_") or name == "CONTENT_TYPE"]


def _forwarder(client, user, function, endpoint):
    def forward(**_view_args):
        request = flask.request
        environ = request.environ
        data = frame.encode_request(
            b"app", request.method, environ.get("wsgi.url_scheme", "http"), request.host,
            environ.get("SCRIPT_NAME", ""), _raw_path(environ), environ.get("QUERY_STRING", ""),
            request.remote_addr or "", endpoint, request.get_data(cache=True),
            _environ_headers(environ))
        try:
            status, body = client.invoke(user, function, data)
        except OSError as exc:
            raise BadGateway("Wasmlet at %s is unreachable: %s" % (client.base, exc)) from None
        if status != 200:
            raise ViewFailed("the call of %s/%s failed (HTTP %d): %s"
                             % (user, function, status, message_of(body)))
        _, code, body, headers = frame.decode_response(body)
        response = flask.Response(body, status=code)
        response.headers.clear()
        for name, value in headers:
            response.headers.add(name, value)
        response.headers["Content-Length"] = str(len(body))
        return response

    forward.__name__ = endpoint.replace(".", "_")
    return forward


def _skipping(hook, forwarded, passthrough):
    """`hook`, except for requests the Faaslet runs whole (there the app's hooks run)."""
    @functools.wraps(hook)
    def guarded(*args, **kwargs):
        if flask.request and flask.request.endpoint in forwarded:
            return args[0] if passthrough else None
        return hook(*args, **kwargs)
    return guarded


def _guard_hooks(app, forwarded):
    for registry, passthrough in ((app.before_request_funcs, False),
                                  (app.after_request_funcs, True),
                                  (app.teardown_request_funcs, False)):
        for key, hooks in registry.items():
            registry[key] = [_skipping(h, forwarded, passthrough) for h in hooks]
    for key, funcs in app.url_value_preprocessors.items():
        app.url_value_preprocessors[key] = [_skipping(f, forwarded, False) for f in funcs]


def wrap(app, server, user, name):
    """Sends the deployed endpoints of `app` to Wasmlet; returns the app and the endpoints that
    stay native (besides static files)."""
    client = Client(server)
    manifest = client.json("GET", "/v1/apps/%s/%s" % (user, name))
    native, forwarded = [], set()
    for entry in manifest.get("endpoints", ()):
        endpoint = entry["endpoint"]
        if endpoint not in app.view_functions or endpoint == "static":
            continue
        if entry.get("unavailable"):
            native.append(endpoint)
            continue
        app.view_functions[endpoint] = _forwarder(client, user, entry["function"], endpoint)
        forwarded.add(endpoint)
    _guard_hooks(app, forwarded)
    return app, native


def from_environment():
    """The proxied app named by WASMLET_FLASK_APP (MODULE:APP), WASMLET_SERVER, WASMLET_USER
    and WASMLET_APP_NAME, for gunicorn: gunicorn 'wasmlet_flask.proxy_app:app'."""
    from wasmlet_flask import analysis
    spec = os.environ["WASMLET_FLASK_APP"]
    app = analysis.load_app(spec)
    user = os.environ.get("WASMLET_USER", "flask")
    name = os.environ.get("WASMLET_APP_NAME") or default_name(spec)
    wrapped, _ = wrap(app, os.environ.get("WASMLET_SERVER", "127.0.0.1:8080"), user, name)
    return wrapped


def default_name(spec):
    """The app's name on the server: the top-level package (or module) of MODULE:APP."""
    return spec.partition(":")[0].split(".")[0].replace("_", "-")
