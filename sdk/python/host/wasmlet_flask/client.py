"""A client of Wasmlet's HTTP API over one keep-alive connection per thread."""
import http.client
import json
import os
import threading
import urllib.parse


class WasmletError(Exception):
    def __init__(self, status, message):
        super().__init__(message)
        self.status = status


class Client:
    def __init__(self, server, timeout=300):
        if "://" not in server:
            server = "http://" + server
        url = urllib.parse.urlsplit(server)
        if url.scheme != "http" or not url.hostname:
            raise ValueError("--server must be HOST:PORT or http://HOST:PORT, not %r" % server)
        self.host, self.port = url.hostname, url.port or 80
        self.base = "http://%s:%d" % (self.host, self.port)
        self.timeout = timeout
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
            conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
            self._local.conn = conn
        return conn

    def request(self, method, path, body=b"", headers=None):
        """(status, body). Retries once on a connection the server closed while idle."""
        for attempt in (0, 1):
            conn = self._connection()
            try:
                conn.request(method, path, body=body, headers=headers or {})
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
