"""Proxy mode: the app runs in its own Flask (under gunicorn or Flask's server), which routes
each request and runs its hooks, error handlers and static files; the views that were deployed
run in Wasmlet, reached over one keep-alive connection per thread with binary frames. A view
that could not be deployed keeps running here."""
import os
import urllib.parse

import flask
from werkzeug.exceptions import BadGateway, HTTPException, default_exceptions

from wasmlet_flask.client import Client, message_of
from wasmlet_web import frame


class ViewFailed(Exception):
    """A view raised in its Faaslet; the message is its traceback. Flask turns it into a 500,
    as it would the original exception."""


def _raw_path(environ):
    raw = environ.get("RAW_URI") or environ.get("REQUEST_URI")
    if raw:
        return raw.split("?", 1)[0]
    return urllib.parse.quote(environ.get("PATH_INFO", ""), safe="/;=,@:!$&'()*+~")


def _forwarder(client, user, function, endpoint):
    def forward(**_view_args):
        request = flask.request
        environ = request.environ
        data = frame.encode_request(
            b"view", request.method, environ.get("wsgi.url_scheme", "http"), request.host,
            environ.get("SCRIPT_NAME", ""), _raw_path(environ), environ.get("QUERY_STRING", ""),
            request.remote_addr or "", endpoint, request.get_data(cache=True),
            [(k, v) for k, v in request.headers.items()])
        try:
            status, body = client.invoke(user, function, data)
        except OSError as exc:
            raise BadGateway("Wasmlet at %s is unreachable: %s" % (client.base, exc)) from None
        if status != 200:
            raise ViewFailed("the call of %s/%s failed (HTTP %d): %s"
                             % (user, function, status, message_of(body)))
        kind, code, body, headers = frame.decode_response(body)
        if kind == "response":
            return flask.Response(body, status=code, headers=headers)
        if kind == "http_exception":
            cls = default_exceptions.get(code)
            if cls is None:
                exc = HTTPException(body.decode(errors="replace"))
                exc.code = code
                raise exc
            raise cls(body.decode(errors="replace") or None)
        raise ViewFailed(body.decode(errors="replace"))

    forward.__name__ = endpoint.replace(".", "_")
    return forward


def wrap(app, server, user, name):
    """Replaces the deployed views of `app` with calls to Wasmlet; returns the app and the
    endpoints that stay native."""
    client = Client(server)
    manifest = client.json("GET", "/v1/apps/%s/%s" % (user, name))
    native = []
    for entry in manifest.get("endpoints", ()):
        endpoint = entry["endpoint"]
        if endpoint not in app.view_functions:
            continue
        if entry.get("unavailable"):
            native.append(endpoint)
            continue
        app.view_functions[endpoint] = _forwarder(client, user, entry["function"], endpoint)
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
