"""The adapter's parts without a server: the frame codec (also on random and mutated bytes),
the runner's warm-up, function naming, and the analysis of what each view needs."""
import random
import sys

import pytest

from conftest import APPS, SDK

sys.path[:0] = [str(SDK / "host"), str(SDK / "guest")]

from wasmlet_flask import analysis, package  # noqa: E402
from wasmlet_web import flask_runner, frame  # noqa: E402

GUEST = analysis.GuestPython(frozenset({"_sqlite3", "_ssl"}),
                             frozenset({"flask", "werkzeug", "jinja2", "markupsafe",
                                        "itsdangerous", "click", "blinker", "pyfaasm",
                                        "wasmlet", "wasmlet_web"}))


def test_request_round_trip():
    data = frame.encode_request(b"app", "POST", "http", "h:1", "/apps/u/a", b"/x%20y\xe9", "a=1",
                                "127.0.0.1", "ep", b"\x00body", [("HTTP_X_A", "1,2")])
    items, body = frame.decode_request(data)
    assert items == ["app", "POST", "http", "h:1", "/apps/u/a", "/x%20y\xe9", "a=1", "127.0.0.1",
                     "ep", "HTTP_X_A", "1,2"]
    assert body == b"\x00body"
    assert frame.decode_request(bytearray(data)) == (items, body)


def test_the_environ_is_the_requests_and_headers_cannot_override_it():
    data = frame.encode_request(b"app", "POST", "https", "h:8443", "/apps/u/a", b"/x%20y%E9",
                                "a=1", "10.0.0.1", "ep", b"body",
                                [("HTTP_X_A", "1,2"), ("CONTENT_TYPE", "text/plain"),
                                 ("REQUEST_METHOD", "GET"), ("wsgi.input", "forged")])
    environ = flask_runner._environ(*frame.decode_request(data))
    assert environ["REQUEST_METHOD"] == "POST" and environ["wsgi.input"].read() == b"body"
    assert environ["PATH_INFO"] == "/x y\xe9"  # the raw bytes, as latin-1 (PEP 3333)
    assert environ["REQUEST_URI"] == "/x%20y%E9?a=1"
    assert environ["HTTP_X_A"] == "1,2" and environ["CONTENT_TYPE"] == "text/plain"
    assert environ["CONTENT_LENGTH"] == "4"
    assert (environ["SERVER_NAME"], environ["SERVER_PORT"]) == ("h", "8443")
    assert environ["wsgi.url_scheme"] == "https" and environ["REMOTE_ADDR"] == "10.0.0.1"


@pytest.mark.parametrize("bad", [
    b"", b"WSR1", b"WSF1\x0b\x00\x00\x00", b"WSR1\x0b\x00\x00\x00",
    b"WSR1\xff\xff\xff\xff", b"WSR1\x09\x00\x00\x00" + b"\x00" * 36,
    b"WSR1\x0b\x00\x00\x00" + b"\x00" * 40 + b"\x01\x00\x00\x00",
    b"WSR1\x0a\x00\x00\x00" + b"\x00" * 40 + b"!"])
def test_malformed_request_frames_raise_frame_error(bad):
    with pytest.raises(frame.FrameError):
        frame.decode_request(bad)


def test_mutated_request_frames_raise_only_frame_error():
    rng = random.Random(11)
    seed = frame.encode_request(b"app", "GET", "http", "h", "", b"/", "", "", "", b"x",
                                [("HTTP_A", "b")])
    for _ in range(5000):
        data = bytearray(seed)
        for _ in range(rng.randrange(1, 4)):
            data[rng.randrange(len(data))] = rng.randrange(256)
        try:
            items, body = frame.decode_request(bytes(data))
        except frame.FrameError:
            continue
        assert len(items) >= len(frame.REQUEST_FIELDS) and isinstance(body, bytes)


def test_the_library_warm_up_takes_the_paths_it_is_for():
    # Its failures are swallowed at load (a Flask it was not written for is just not warmed):
    # here each request must get the answer its route gives.
    flask_runner._run_library_warm_up(flask_runner._library_warm_up_app())


def test_response_round_trip():
    data = frame.encode_response(b"response", 201, b"ok", [("Set-Cookie", "a=1")])
    assert frame.decode_response(data) == ("response", 201, b"ok", [("Set-Cookie", "a=1")])


@pytest.mark.parametrize("bad", [
    b"", b"WSF1", b"XXXX\x00\x00\x00\x00", b"WSF1\x01\x00\x00\x00\xff\xff\xff\xff",
    b"WSF1\x00\x00\x01\x00", frame.encode([b"response", b"200"]),
    frame.encode([b"response", b"x", b""]), frame.encode([b"response", b"200", b""]) + b"!"])
def test_malformed_frames_raise_frame_error(bad):
    with pytest.raises(frame.FrameError):
        frame.decode_response(bad)


def test_random_and_mutated_bytes_raise_only_frame_error():
    rng = random.Random(7)
    seed = frame.encode_response(b"response", 200, b"body", [("A", "b")])
    for i in range(5000):
        data = bytearray(seed if i % 2 else rng.randbytes(rng.randrange(40)))
        for _ in range(rng.randrange(1, 4)):
            if data:
                data[rng.randrange(len(data))] = rng.randrange(256)
        try:
            frame.decode_response(bytes(data))
        except frame.FrameError:
            pass


def test_function_names_are_valid_and_bounded():
    assert package.function_name("shop", "items.get_item") == "shop.items.get_item"
    assert package.function_name("shop", "weird name/ü") == "shop.weird_name__"
    long = package.function_name("shop", "x" * 200)
    assert len(long) <= 64 and long != package.function_name("shop", "x" * 199)


def test_analysis_follows_relative_imports_and_names_missing_modules():
    sys.path.insert(0, str(APPS))
    info = analysis.analyse("features.app:app", GUEST)
    assert "features/lib/text.py" in info.files and "features/static/hello.txt" in info.files
    by_name = {e.name: e for e in info.endpoints}
    assert by_name["rows"].missing and "_sqlite3" in by_name["rows"].missing["sqlite3"]
    assert not by_name["shout_word"].missing and not by_name["index"].missing
    assert info.stubbed == ["sqlite3"]
    tar1, digest1 = package.build(info, "index")
    tar2, digest2 = package.build(info, "index")
    assert tar1 == tar2 and digest1 == digest2  # deterministic: redeploys compare hashes
