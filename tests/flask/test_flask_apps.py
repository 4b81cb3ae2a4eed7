"""End-to-end: an unmodified Flask app (apps/features) deployed with `wasmlet flask deploy`,
served by Wasmlet directly and through its own Flask under gunicorn (proxy mode)."""
import json
import uuid

import requests

from conftest import flask_cli, start_gunicorn, stop


def test_deploy_reports_each_endpoint_and_the_url(wasmlet, features):
    assert "deployed as flask/features.index" in features
    assert "the app answers at %s/apps/flask/features/" % wasmlet.base in features
    # The view needing sqlite3 (a C extension CPython for WASI lacks) is named, with why.
    assert "rows                     not served: needs sqlite3" in features


def test_index_and_after_request_hook(app_url):
    r = requests.get(app_url + "/")
    assert r.status_code == 200 and r.text == "index"
    assert r.headers["X-After"] == "yes"


def test_request_object(app_url):
    r = requests.post(app_url + "/request/a/b%20c?k=1&k=2&x=y", data={"f": ["1", "2"]},
                      headers={"X-Custom": "hdr"}, cookies={"c": "v"})
    body = r.json()
    assert body["method"] == "POST"
    assert body["path"].endswith("/request/a/b c")
    assert body["full_path"].endswith("/request/a/b c?k=1&k=2&x=y")
    assert body["url"].endswith("/request/a/b%20c?k=1&k=2&x=y")
    assert body["args"] == {"k": ["1", "2"], "x": ["y"]}
    assert body["form"] == {"f": ["1", "2"]}
    assert body["headers"] == {"X-Custom": "hdr"}
    assert body["cookies"] == {"c": "v"}
    assert body["view_args"] == {"rest": "a/b c"}
    assert body["remote_addr"] == "127.0.0.1"
    assert body["g"] == "stamped" and body["config"] == "hi"


def test_raw_body(app_url):
    r = requests.put(app_url + "/request/raw", data=b"some bytes",
                     headers={"Content-Type": "application/octet-stream"})
    assert r.json()["data"] == "some bytes"


def test_json_body(app_url):
    r = requests.post(app_url + "/echo", json={"a": [1, 2]})
    assert r.json() == {"json": {"a": [1, 2]}, "is_json": True, "method": "POST"}


def test_converters(app_url):
    r = requests.get(app_url + "/items/42")
    assert r.json() == {"id": 42, "type": "int", "url": r.json()["url"]}
    assert r.json()["url"].endswith("/items/42")
    assert requests.get(app_url + "/items/x").status_code == 404
    key = str(uuid.uuid4())
    assert requests.get(app_url + "/uuid/" + key).json() == {"key": key, "is_uuid": True}
    assert requests.get(app_url + "/bp/hello/ada").text == "hello ada"


def test_file_upload(app_url):
    r = requests.post(app_url + "/upload", files={"file": ("a.bin", b"\x00" * 1000)},
                      data={"note": "n"})
    assert r.json() == {"name": "a.bin", "size": 1000, "field": "n"}


def test_cookies_round_trip(app_url):
    r = requests.get(app_url + "/cookie?flavour=mint")
    assert r.cookies["flavour"] == "mint"


def test_return_types(app_url):
    r = requests.get(app_url + "/status")
    assert (r.status_code, r.text, r.headers["X-Custom"]) == (201, "created", "custom")
    assert requests.get(app_url + "/bytes").content == b"\x00\x01binary"
    assert requests.get(app_url + "/list").json() == [1, 2, 3]
    r = requests.get(app_url + "/response")
    assert (r.status_code, r.text, r.headers["Content-Type"]) == (202, "plain",
                                                                  "text/plain; charset=utf-8")
    assert requests.get(app_url + "/stream").text == "chunk0;chunk1;chunk2;"


def test_replies_http_forbids_are_not_sent_as_given(app_url):
    if "/apps/" not in app_url:
        return  # proxy mode: the app's own Flask and gunicorn answer
    r = requests.get(app_url + "/no-content")
    assert (r.status_code, r.content) == (204, b"")
    # An informational status followed by the app's bytes would be a second reply the app wrote
    # on a connection Wasmlet shares with other clients' requests behind a proxy.
    r = requests.get(app_url + "/informational")
    assert r.status_code == 502 and r.json()["error"] == "bad_app_reply"


def test_abort_and_http_exceptions(app_url):
    assert requests.get(app_url + "/abort").status_code == 403
    r = requests.get(app_url + "/teapot")
    assert r.status_code == 418
    r = requests.get(app_url + "/nothing/here")
    assert r.status_code == 404 and r.json()["error"] == "not found"  # the app's handler


def test_an_exception_is_a_500(wasmlet, app_url):
    r = requests.get(app_url + "/boom")
    assert r.status_code == 500
    assert "Internal Server Error" in r.text
    if "/apps/" in app_url:  # direct: the traceback is in the call's log
        record = requests.get(wasmlet.base + "/v1/calls/" + r.headers["X-Wasmlet-Call-Id"]).json()
        assert "ValueError: the view failed on purpose" in record["stderr"]


def test_redirect_and_url_for(app_url):
    r = requests.get(app_url + "/go", allow_redirects=False)
    assert r.status_code == 302
    assert r.headers["Location"].endswith("/")
    assert requests.get(app_url + "/go").text == "index"


def test_module_level_data_is_reset_each_request(app_url):
    for _ in range(3):
        assert requests.post(app_url + "/visits").json() == {"visits": 1}


def test_relative_import_of_a_sub_package(app_url):
    assert requests.get(app_url + "/shout/hey").text == "HEY!"


def test_static_files(app_url):
    assert requests.get(app_url + "/static/hello.txt").text == "hello static\n"


def test_method_not_allowed(app_url):
    r = requests.delete(app_url + "/echo")
    assert r.status_code == 405
    assert "POST" in r.headers["Allow"]


def test_a_view_needing_what_a_faaslet_lacks(wasmlet, proxy_base):
    # Direct mode says why; proxy mode runs that view natively in its Flask.
    r = requests.get(wasmlet.base + "/apps/flask/features/rows")
    assert r.status_code == 501 and "sqlite3" in r.json()["message"]
    assert requests.get(proxy_base + "/rows").json() == {"rows": 1}


def test_the_view_runs_in_a_faaslet(wasmlet, features):
    r = requests.get(wasmlet.base + "/apps/flask/features/items/1")
    call_id = r.headers["X-Wasmlet-Call-Id"]
    record = requests.get(wasmlet.base + "/v1/calls/" + call_id).json()
    assert record["function"] == "flask/features.item"


def test_concurrent_requests_each_get_their_own_answer(app_url):
    # gunicorn --preload forks its workers after the proxy fetched the manifest: a connection
    # shared across the fork would interleave the workers' requests.
    from concurrent.futures import ThreadPoolExecutor
    with ThreadPoolExecutor(16) as pool:
        answers = list(pool.map(lambda i: requests.get(app_url + "/items/%d" % i).json()["id"],
                                range(200)))
    assert answers == list(range(200))


def test_unknown_app(wasmlet):
    r = requests.get(wasmlet.base + "/apps/flask/nope/")
    assert r.status_code == 404 and r.json()["error"] == "unknown_app"


def test_redeploy_replaces_what_changed_and_survives_a_restart(wasmlet, tmp_path):
    app_dir = tmp_path / "siteapp"
    (app_dir / "siteapp").mkdir(parents=True)
    (app_dir / "siteapp" / "__init__.py").write_text("")
    source = ("from flask import Flask\napp = Flask(__name__)\n\n"
              "@app.route('/v')\ndef version():\n    return 'one'\n\n"
              "@app.route('/gone')\ndef gone():\n    return 'here'\n")
    (app_dir / "siteapp" / "app.py").write_text(source)
    code, out = flask_cli("deploy", "siteapp.app:app", "--server", wasmlet.server, cwd=app_dir)
    assert code == 0, out
    assert requests.get(wasmlet.base + "/apps/flask/siteapp/v").text == "one"

    code, out = flask_cli("deploy", "siteapp.app:app", "--server", wasmlet.server, cwd=app_dir)
    assert code == 0 and "unchanged" in out and "deployed as" not in out, out

    (app_dir / "siteapp" / "app.py").write_text(
        source.replace("'one'", "'two'").split("@app.route('/gone')")[0])
    code, out = flask_cli("deploy", "siteapp.app:app", "--server", wasmlet.server, cwd=app_dir)
    assert code == 0 and "removed" in out, out
    assert requests.get(wasmlet.base + "/apps/flask/siteapp/v").text == "two"
    assert requests.get(wasmlet.base + "/apps/flask/siteapp/gone").status_code == 404
    functions = requests.get(wasmlet.base + "/v1/functions").json()
    names = json.dumps(functions)
    assert "siteapp.gone" not in names

    wasmlet.restart()
    assert requests.get(wasmlet.base + "/apps/flask/siteapp/v").text == "two"


def test_a_bad_app_is_reported(wasmlet, tmp_path):
    (tmp_path / "broken.py").write_text("from flask import Flask\napp = Flask(__name__)\n"
                                        "@app.route('/')\ndef index():\n    return 'x'\n"
                                        "raise_me = 1 / 0\n")
    code, out = flask_cli("deploy", "broken:app", "--server", wasmlet.server, cwd=tmp_path)
    assert code != 0 and "ZeroDivisionError" in out
    code, out = flask_cli("deploy", "nosuchmodule:app", "--server", wasmlet.server, cwd=tmp_path)
    assert code != 0 and "nosuchmodule" in out
