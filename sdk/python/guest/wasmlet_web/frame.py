"""The binary framing between Wasmlet (or a Flask proxy) and a web app's Faaslet.

A frame is the magic b"WSF1", a little-endian u32 count of items, then each item as a
little-endian u32 length and its bytes. No base64, no JSON: a body travels as it is.

Request items:  kind (b"app": run the request through the whole app), method, scheme, host
                (with port), script_name, raw path (percent-encoded, as on the request
                line), query string, remote address, endpoint (the one the sender matched),
                body, then header name and value pairs.
Response items: kind (b"response"), status, body, then header name and value pairs.

src/server/http_frame.h is the same format in C++.
"""
import struct

MAGIC = b"WSF1"
_U32 = struct.Struct("<I")
MAX_ITEMS = 1 << 16

REQUEST_FIELDS = ("kind", "method", "scheme", "host", "script_name", "path", "query",
                  "remote_addr", "endpoint", "body")
RESPONSE_FIELDS = ("kind", "status", "body")


class FrameError(ValueError):
    """The bytes are not a well-formed frame."""


def encode(items):
    parts = [MAGIC, _U32.pack(len(items))]
    for item in items:
        if isinstance(item, str):
            item = item.encode("latin-1")
        parts.append(_U32.pack(len(item)))
        parts.append(item)
    return b"".join(parts)


def decode(data):
    view = memoryview(data)
    if bytes(view[:4]) != MAGIC:
        raise FrameError("not a Wasmlet web frame (bad magic)")
    if len(view) < 8:
        raise FrameError("truncated frame header")
    (count,) = _U32.unpack_from(view, 4)
    if count > MAX_ITEMS:
        raise FrameError("frame has %d items (at most %d)" % (count, MAX_ITEMS))
    items = []
    pos = 8
    for _ in range(count):
        if pos + 4 > len(view):
            raise FrameError("truncated item length")
        (length,) = _U32.unpack_from(view, pos)
        pos += 4
        if length > len(view) - pos:
            raise FrameError("item overruns the frame")
        items.append(bytes(view[pos:pos + length]))
        pos += length
    if pos != len(view):
        raise FrameError("%d trailing bytes after the last item" % (len(view) - pos))
    return items


def _split(items, fields):
    if len(items) < len(fields) or (len(items) - len(fields)) % 2:
        raise FrameError("a frame needs %d items and header pairs, got %d items"
                         % (len(fields), len(items)))
    named = dict(zip(fields, items))
    rest = items[len(fields):]
    headers = [(rest[i].decode("latin-1"), rest[i + 1].decode("latin-1"))
               for i in range(0, len(rest), 2)]
    return named, headers


def encode_request(kind, method, scheme, host, script_name, path, query, remote_addr,
                   endpoint, body, headers):
    items = [kind, method, scheme, host, script_name, path, query, remote_addr, endpoint, body]
    for name, value in headers:
        items.append(name)
        items.append(value)
    return encode(items)


def decode_request(data):
    """(dict of REQUEST_FIELDS as bytes, [(name, value)] as str)."""
    return _split(decode(data), REQUEST_FIELDS)


def encode_response(kind, status, body, headers=()):
    items = [kind, str(status), body]
    for name, value in headers:
        items.append(name)
        items.append(value)
    return encode(items)


def decode_response(data):
    """(kind as str, status as int, body as bytes, [(name, value)])."""
    named, headers = _split(decode(data), RESPONSE_FIELDS)
    try:
        status = int(named["status"])
    except ValueError:
        raise FrameError("status %r is not a number" % named["status"]) from None
    return named["kind"].decode("latin-1"), status, named["body"], headers
