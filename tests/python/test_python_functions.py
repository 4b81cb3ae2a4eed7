"""Python functions end to end: a real server, real HTTP, CPython for WASI in Faaslets."""
import io
import json
import pathlib
import tarfile
import time
import zipfile

from conftest import HERE, b64


def tar_of(directory):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        for path in sorted(pathlib.Path(directory).rglob("*")):
            if "__pycache__" not in path.parts:
                tar.add(path, arcname=str(path.relative_to(directory)), recursive=False)
    return buf.getvalue()


def test_echo_faasm_convention(server):
    assert server.upload_file("echo", "echo.py") == (200, b"Python function upload complete")
    status, body = server.invoke("echo", b"hello python")
    assert (status, body) == (200, b"hello python")


def test_function_listing_says_python_and_entry(server):
    server.upload_file("echo", "echo.py")
    status, body = server.request("GET", "/v1/functions/pytest/echo")
    info = json.loads(body)
    assert status == 200
    assert info["kind"] == "python"
    assert info["entry"] == "function"
    assert info["convention"] == "detect"


def test_openwhisk_main_json_in_and_out(server):
    assert server.upload_file("ow", "ow_json.py")[0] == 200
    assert server.invoke_json("ow", {"name": "ada", "n": 21}) == {
        "greeting": "hello ada", "double": 42}
    # No input at all is an empty dict, as OpenWhisk passes.
    assert server.invoke_json("ow", {})["greeting"] == "hello world"
    status, body = server.invoke("ow", b"{not json")
    assert status == 500
    assert b"not JSON" in body


def test_lambda_handler_gets_event_and_context(server):
    assert server.upload_file("lam", "lambda_json.py")[0] == 200
    out = server.invoke_json("lam", {"k": [1, 2]})
    assert out["function"] == "lam"
    assert out["event"] == {"k": [1, 2]}
    assert out["time_left"] is True
    assert int(out["request_id"]) > 0


def test_explicit_entry_and_convention(server):
    source = b"def greet(event, ctx):\n    return {'hi': event['who']}\n"
    status, body = server.upload_py("explicit", source, "?entry=function:greet")
    assert status == 200, body
    assert server.invoke_json("explicit", {"who": "bob"}) == {"hi": "bob"}
    status, body = server.upload_py("explicit2", source, "?entry=:greet&convention=lambda")
    assert status == 200, body
    assert server.invoke_json("explicit2", {"who": "eve"}) == {"hi": "eve"}


def test_package_with_subpackages_relative_imports_and_data(server):
    body = tar_of(HERE / "packages" / "calc")
    status, reply = server.upload_py("calc", body)
    assert status == 200, reply
    assert server.invoke_json("calc", {"x": 4}) == {"result": 40, "label": "CALC!"}


def test_zip_package(server):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("handler.py", "from util import twice\n"
                                 "def handler(e, c):\n    return twice(e['v'])\n")
        z.writestr("util.py", "def twice(v):\n    return v * 2\n")
    status, reply = server.upload_py("zipped", buf.getvalue(), "?entry=handler")
    assert status == 200, reply
    assert server.invoke_json("zipped", {"v": "ab"}) == "abab"


def test_archive_escapes_are_refused(server):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        data = b"def main(a):\n    return 1\n"
        info = tarfile.TarInfo("../evil.py")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    status, body = server.upload_py("evil", buf.getvalue())
    assert status == 400
    assert b"climbs out" in body
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        link = tarfile.TarInfo("main.py")
        link.type = tarfile.SYMTYPE
        link.linkname = "/etc/passwd"
        tar.addfile(link)
    status, body = server.upload_py("evil", buf.getvalue())
    assert status == 400
    assert b"links are refused" in body
    assert server.request("GET", "/v1/functions/pytest/evil")[0] == 404


def test_module_level_data_is_reset_every_call(server):
    assert server.upload_file("counter", "counter.py")[0] == 200
    for _ in range(5):
        assert server.invoke_json("counter", {}) == {"count": 1, "seen": 1, "scratch": "x"}


def test_snapshot_objects_are_immortal_and_calls_still_collect(server):
    assert server.upload_file("snapshot_objects", "snapshot_objects.py")[0] == 200
    for _ in range(3):
        assert server.invoke_json("snapshot_objects", {}) == {
            "snapshot_immortal": True, "call_counted": True, "collected_garbage": True,
            "atoms_intact": True, "table": [1, 2, 3, 3000]}


def test_random_differs_between_calls(server):
    assert server.upload_file("rand", "uses_random.py")[0] == 200
    values = {server.invoke_json("rand", {})["r"] for _ in range(5)}
    assert len(values) == 5


def test_package_is_read_only_and_cwd_is_its_root(server):
    assert server.upload_file("readonly", "readonly.py")[0] == 200
    out = server.invoke_json("readonly", {})
    assert out["changed"] in ("PermissionError", "OSError")
    assert out["cwd_listing"] == ["function.py"]


def test_exception_fails_the_call_with_its_traceback(server):
    assert server.upload_file("boom", "boom.py")[0] == 200
    status, body = server.invoke("boom", json.dumps({"n": 7}))
    assert status == 500
    assert b"ValueError: boom 7" in body
    status, body = server.request("POST", "/v1/functions/pytest/boom:invoke?async=1", b"{}")
    call_id = json.loads(body)["id"]
    for _ in range(100):
        record = server.call_record(call_id)
        if record["status"] not in ("queued", "running"):
            break
        time.sleep(0.05)
    assert record["status"] == "failed"
    assert record["error_kind"] == "exception"
    assert 'File "/function/function.py", line 2, in helper' in record["error_message"]
    assert "_runner" not in record["error_message"]
    # The server and other functions carry on.
    assert server.invoke("echo", b"still here") == (200, b"still here")


def test_exit_code_fails_the_call(server):
    assert server.upload_file("exits", "exits.py")[0] == 200
    status, body = server.invoke("exits")
    assert status == 500
    assert b"3" in body


def test_large_output(server):
    assert server.upload_file("big", "big_output.py")[0] == 200
    n = 8 << 20
    status, body = server.invoke("big", str(n))
    assert status == 200
    assert len(body) == n and body == b"x" * n


def test_timeout_applies_to_python(server):
    assert server.upload_file("spin", "spin.py")[0] == 200
    started = time.time()
    status, body = server.invoke("spin", b"{}")
    assert status == 500
    assert b"time" in body.lower()
    assert time.time() - started < 30
    assert server.invoke("echo", b"after spin") == (200, b"after spin")


def test_memory_limit_applies_to_python(server):
    assert server.upload_file("hog", "memory_hog.py")[0] == 200
    status, body = server.invoke("hog", b"{}")
    assert status == 500
    assert b"MemoryError" in body or b"memory" in body.lower()
    assert server.invoke("echo", b"after hog") == (200, b"after hog")


def test_state_from_python(server):
    assert server.upload_file("state", "state_user.py")[0] == 200
    status, body = server.invoke("state")
    assert status == 200, body
    assert body == b"11|hello state|HELLO|HELLO STATE|abcd"
    # The value is the user's state, visible over HTTP too.
    assert server.request("GET", "/s/pytest/py_key") == (200, b"HELLO STATE")


def test_chain_python_to_python_same_module(server):
    assert server.upload_file("chainself", "chain_self.py")[0] == 200
    status, body = server.invoke("chainself")
    assert (status, body) == (200, b"[1, 4, 9, 16] bad=1")


def test_chain_python_to_c(server, guest_dir):
    assert server.upload_wasm("echo_c", guest_dir / "echo.wasm")[0] == 200
    source = (HERE / "functions" / "chain_to_c.py").read_bytes().replace(b'"echo"', b'"echo_c"')
    assert server.upload_py("py2c", source)[0] == 200
    assert server.invoke("py2c") == (200, b"C said: from python")


def test_chain_c_to_python(server, guest_dir):
    assert server.upload_wasm("chain_input", guest_dir / "chain_input.wasm")[0] == 200
    assert server.upload_file("ow", "ow_json.py")[0] == 200
    status, body = server.invoke("chain_input", b'ow:{"name": "c", "n": 1}')
    assert status == 200, body
    assert body == b'rc=0;out={"greeting": "hello c", "double": 2}'


def test_faasm_post_form_with_captured_stdout(server):
    server.upload_file("echo", "echo.py")
    message = {"user": "python", "function": "py_func", "python": True, "py_user": "pytest",
               "py_func": "echo", "input_data": b64(b"faasm style")}
    status, body = server.faasm(message)
    assert status == 200
    assert body == b"echoing 11 bytes\nPython call succeeded\n\nfaasm style"


def test_faasm_async_and_status_polling(server):
    server.upload_file("echo", "echo.py")
    message = {"user": "python", "function": "py_func", "python": True, "py_user": "pytest",
               "py_func": "echo", "input_data": b64(b"later"), "async": True}
    status, body = server.faasm(message)
    assert status == 200
    call_id = int(body)
    for _ in range(200):
        status, body = server.faasm({"id": call_id, "status": True})
        if not body.startswith(b"RUNNING"):
            break
        time.sleep(0.05)
    assert body.startswith(b"SUCCESS: ")
    assert body.endswith(b"later")


def test_syntax_error_at_upload_names_file_and_line(server):
    status, body = server.upload_file("bad_syntax", "bad_syntax.py")
    assert status == 400
    text = body.decode()
    assert 'File "/function/function.py", line 2' in text
    assert "SyntaxError" in text
    assert server.request("GET", "/v1/functions/pytest/bad_syntax")[0] == 404


def test_failed_upload_keeps_the_previous_version(server):
    assert server.upload_py("keep", b"def main(a):\n    return 'v1'\n")[0] == 200
    assert server.upload_file("keep", "bad_syntax.py")[0] == 400
    assert server.invoke_json("keep", {}) == "v1"
    assert server.upload_py("keep", b"def main(a):\n    return 'v2'\n")[0] == 200
    assert server.invoke_json("keep", {}) == "v2"


def test_missing_entry_and_import_failures_at_upload(server):
    status, body = server.upload_file("no_entry", "no_entry.py")
    assert status == 400
    assert b"has no entry" in body
    status, body = server.upload_file("needs_ssl", "needs_ssl.py")
    assert status == 400
    assert b"_ssl" in body and b"not available" in body
    status, body = server.upload_file("import_fails", "import_fails.py")
    assert status == 400
    assert b"RuntimeError: refusing to import" in body
    status, body = server.upload_file("echo", "echo.py", "?entry=function:nope")
    assert status == 400
    assert b"no function 'nope'" in body
