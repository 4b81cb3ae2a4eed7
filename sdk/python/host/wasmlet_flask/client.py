"""A client of Wasmlet's HTTP API over one keep-alive connection per thread."""
import http.client
import json
import os
import ssl
import threading
import urllib.parse


class WasmletError(Exception):
    def __init__(self, status, message):
        super().__init__(message)
        self.status = status


class Client:
    """`key` (default $WASMLET_KEY) is sent as a bearer token; https:// verifies the server
    against the system's CAs, or $WASMLET_CACERT's."""

    def __init__(self, server, timeout=300, key=None):
        if "://" not in server:
            server = "http://" + server
        url = urllib.parse.urlsplit(server)
        if url.scheme not in ("http", "https") or not url.hostname:
            raise ValueError(
                "--server must be HOST:PORT or http(s)://HOST:PORT, not %r" % server)
        self.tls = url.scheme == "https"
        self.host, self.port = url.hostname, url.port or (443 if self.tls else 80)
        self.base = "%s://%s:%d" % (url.scheme, self.host, self.port)
        self.timeout = timeout
        key = key if key is not None else os.environ.get("WASMLET_KEY", "")
        self.auth = {"Authorization": "Bearer " + key} if key else {}
        self.tls_context = None
        if self.tls:
            self.tls_context = ssl.create_default_context(
                cafile=os.environ.get("WASMLET_CACERT") or None)
        self._local = threading.local()
        self._pid = os.getpid()

    def _connection(self):
        # A process forked after a connection was made (gunicorn --preload) must not share its
        # socket with the parent or its siblings: their requests would interleave on it.
        if self._pid != os.getpid():
            self._local = threading.local()
            self._pid = os.getpid()
        conn = getattr(self._local, "conn", None)
        if conn is None:
            if self.tls:
                conn = http.client.HTTPSConnection(self.host, self.port, timeout=self.timeout,
                                                   context=self.tls_context)
            else:
                conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
            self._local.conn = conn
        return conn

    def request(self, method, path, body=b"", headers=None):
        """(status, body). Retries once on a connection the server closed while idle."""
        for attempt in (0, 1):
            conn = self._connection()
            try:
                conn.request(method, path, body=body, headers={**self.auth, **(headers or {})})
                response = conn.getresponse()
                return response.status, response.read()
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                conn.close()
                self._local.conn = None
                if attempt:
                    raise
        raise AssertionError("unreachable")

    def json(self, method, path, body=None, ok=(200,)):
        data = b"" if body is None else json.dumps(body).encode()
        status, reply = self.request(method, path, data, {"Content-Type": "application/json"})
        if status not in ok:
            raise WasmletError(status, message_of(reply) or "HTTP %d" % status)
        return json.loads(reply) if reply else None

    def invoke(self, user, function, data):
        return self.request("POST", "/v1/functions/%s/%s:invoke" % (user, function), data,
                            {"Content-Type": "application/octet-stream"})


def message_of(body):
    try:
        return json.loads(body).get("message")
    except (ValueError, AttributeError):
        return body.decode(errors="replace").strip()
