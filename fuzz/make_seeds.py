#!/usr/bin/env python3
"""Writes the fuzz targets' seed corpora (fuzz/corpus/<target>/). module_info and codegen: small
valid modules from the tests (tests/guest/*.wat, the modules of tests/spec/*.wast) and the
hostile modules of issue 9, built byte by byte. The request, key and path targets: requests and
paths as clients and guests send them, escapes included. Needs wat2wasm and wast2json (wabt).
Run it from anywhere."""
import base64
import gzip
import io
import pathlib
import shutil
import subprocess
import tarfile
import tempfile
import zipfile

ROOT = pathlib.Path(__file__).resolve().parent.parent
CORPUS = ROOT / "fuzz" / "corpus"
MAX_SEED = 4096  # larger modules slow every run down without adding much


def uleb(v):
    out = bytearray()
    while True:
        b = v & 0x7F
        v >>= 7
        out.append(b | (0x80 if v else 0))
        if not v:
            return bytes(out)


def vec(items):
    return uleb(len(items)) + b"".join(items)


def name(s):
    return uleb(len(s)) + s


def section(sid, body):
    return bytes([sid]) + uleb(len(body)) + body


def module(*sections):
    return b"\0asm\x01\0\0\0" + b"".join(sections)


VOID = b"\x60\x00\x00"
LOAD = module(section(1, vec([b"\x60\x00\x01\x7f"])), section(3, vec([b"\x00"])),
              section(5, vec([b"\x00\x01"])), section(7, vec([name(b"load") + b"\x00\x00"])),
              section(10, vec([uleb(7) + b"\x00\x41\x00\x28\x02\x00\x0b"])))


def hostile():
    mem_names = vec([b"\x00" + name(b"m" * 30000)])
    yield "long_memory_name", LOAD + section(0, name(b"name") + b"\x06" + uleb(len(mem_names))
                                             + mem_names)
    payload = (b"*/\n#ifndef X\n#define X\n__attribute__((constructor)) static void x(void) "
               b"{ __builtin_abort(); }\n#endif\n/*")
    yield "export_name_injection", module(
        section(1, vec([VOID])), section(3, vec([b"\x00"])),
        section(7, vec([name(payload) + b"\x00\x00"])), section(10, vec([b"\x02\x00\x0b"])))
    global_i64 = b"\x7e\x00\x42" + b"\x80" * 10 + b"\x00\x0b"
    yield "leb_eleven_bytes", module(section(6, vec([global_i64])))
    global_i32 = b"\x7f\x00\x41\xff\xff\xff\xff\x4f\x0b"
    yield "leb_unused_bits", module(section(6, vec([global_i32])))
    yield "vector_length_past_end", module(section(1, b"\xff\xff\xff\xff\x0f"))
    entries = 1000
    yield "imported_elements", module(
        section(1, vec([VOID])), section(2, vec([name(b"env") + name(b"f") + b"\x00\x00"])),
        section(4, vec([b"\x70\x00" + uleb(entries)])),
        section(9, vec([b"\x00\x41\x00\x0b" + uleb(entries) + b"\x00" * entries])))


# Method byte (GET, PUT, POST, DELETE, HEAD), target, newline, body.
HTTP_REQUESTS = {
    "faasm_invoke": b'\x02/\n{"user":"demo","function":"echo","input_data":"aGk=","async":true}',
    "faasm_status": b'\x02/\n{"status":true,"id":"12"}',
    "faasm_python": b'\x02/\n{"user":"python","function":"py_func","python":true,'
                    b'"py_user":"demo","py_func":"hello","input_data":"e30"}',
    "v1_invoke": b"\x02/v1/functions/demo/echo:invoke?async=1",
    "v1_call": b"\x00/v1/calls/0042",
    "v1_delete": b"\x03/v1/functions/a.b/c-d_e",
    "upload_python": b"\x01/f/demo/app?entry=app%3Amain&convention=wsgi",
    "state_escaped": b"\x00/s/demo/key%2E%2e",
    "state_bad_escape": b"\x04/v1/state/u/%zz",
    "file_query": b"\x01/file?path=faasm%3A%2F%2Fdata%2Fa.txt&x",
    "wrong_method": b"\x03/file",
    "base64": b"aGVsbG8gd29ybGQ=",
    "percent": b"%41%2f%00%ff%",
}
STATE_KEYS = {
    "simple": b"\x08\0\0\0\x02\0\0\0\x04\0\0\0vdemo\xffkey",
    "colons": b"\xff\xff\xff\x7f\0\0\0\x80\0\0\0\0aa:b\xffc:d",
    "wrapping": b"\x10\0\0\0\x01\0\0\0\xff\xff\xff\xffw1:x\xff\0k",
    "long_key": b"\0\0\0\0\0\0\0\0\0\0\0\0r" + b"u" * 65 + b"\xff" + b"k" * 513,
}
SHARED_PATHS = {
    "plain": b"data/a.txt", "faasm": b"faasm://dir/sub/x", "dotdot": b"dir/../../x",
    "absolute": b"/etc/passwd", "link_out": b"out/secret", "link_abs": b"etc/passwd",
    "link_up": b"dir/up/out/x", "trailing": b"dir/", "nul": b"a\0b",
}
# Flags byte (read, directory, O_PATH, O_PATH|O_NOFOLLOW), then the guest path.
WASI_PATHS = {
    "file": b"\x00file", "dir": b"\x01dir/sub/", "tmp": b"\x02/tmp/x", "data": b"\x00/data/sub/file",
    "link_out": b"\x03out/secret", "link_up": b"\x00dir/up/../outside/secret",
    "magic": b"\x02magic/etc", "absolute": b"\x00/etc/passwd", "dots": b"\x01/tmp/../..//",
    "nul": b"\x00fi\0le",
}

# Authorization headers and bare keys: good ones in each form, and near misses.
KEY = b"wlk_0123456789abcdef_AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8"
AUTH_HEADERS = {
    "key": KEY, "bearer": b"Bearer " + KEY, "bearer_lower": b"bearer  " + KEY + b" ",
    "basic_key": b"Basic " + base64.b64encode(b"whoever:" + KEY),
    "basic_id_secret": b"Basic " + base64.b64encode(KEY[4:20] + b":" + KEY[21:]),
    "basic_no_colon": b"Basic " + base64.b64encode(KEY), "bad_hex": KEY.replace(b"f_", b"g_"),
    "padded": KEY[:-1] + b"=", "nul": KEY[:30] + b"\0" + KEY[31:], "other_scheme": b"Token " + KEY,
}
# Quotas objects, whole and partial, and the kinds of mistakes the parser refuses.
QUOTAS_JSON = {
    "whole": b'{"max_concurrent_calls":64,"calls_per_second":1000,"burst":2000,'
             b'"max_memory_bytes":4294967296,"max_timeout_ms":300000,"max_functions":1000,'
             b'"max_function_bytes":1073741824,"max_state_bytes":1073741824}',
    "partial": b'{"calls_per_second":2.5,"burst":1}', "empty": b"{}",
    "unknown": b'{"max_calls":1}', "negative": b'{"burst":-1}', "float": b'{"burst":1.5}',
    "huge": b'{"max_timeout_ms":18446744073709551615}', "string": b'{"burst":"10"}',
    "array": b"[1,2]", "nested": b'{"burst":{"burst":1}}',
}


def tar(members, compress=False):
    """A tar archive of (name, bytes-or-None-for-a-directory-or-a-str-for-a-symlink-target)."""
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w", format=tarfile.USTAR_FORMAT) as t:
        for name, data in members:
            info = tarfile.TarInfo(name)
            if data is None:
                info.type = tarfile.DIRTYPE
                t.addfile(info)
            elif isinstance(data, str):
                info.type = tarfile.SYMTYPE
                info.linkname = data
                t.addfile(info)
            else:
                info.size = len(data)
                t.addfile(info, io.BytesIO(data))
    raw = out.getvalue()
    return gzip.compress(raw, mtime=0) if compress else raw


def zip_of(members):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members:
            info = zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0))
            z.writestr(info, data)
    return out.getvalue()


# Python uploads (the first byte picks the entry named beside them): packages in each archive
# format, and what the unpacker must refuse: paths that climb out, absolute paths, links,
# members twice, a file where a directory is, over-long names.
PKG = [("main.py", b"def main(event):\n    return event\n"), ("lib/", None),
       ("lib/__init__.py", b""), ("lib/helper.py", b"X = 1\n"), ("lib/data.json", b"{}")]
PYTHON_PACKAGES = {
    "source": b"\x00def main(event):\n    return event\n",
    "tar": b"\x01" + tar(PKG), "tar_gz": b"\x00" + tar(PKG, compress=True),
    "zip": b"\x01" + zip_of([(n, d or b"") for n, d in PKG if d is not None]),
    "nested": b"\x03" + tar([("pkg/__init__.py", b""), ("pkg/mod.py", b"def handle(): pass\n")]),
    "climb": b"\x00" + tar([("../evil.py", b"x")]), "absolute": b"\x00" + tar([("/tmp/evil.py", b"x")]),
    "dot_dot_inside": b"\x00" + zip_of([("a/../../b.py", b"x")]),
    "symlink": b"\x00" + tar([("main.py", "/etc/passwd")]),
    "link_then_write": b"\x00" + tar([("lib", "/tmp"), ("lib/x.py", b"x")]),
    "twice": b"\x00" + tar([("main.py", b"a"), ("./main.py", b"b")]),
    "file_then_dir": b"\x00" + tar([("a", b"x"), ("a/b.py", b"y")]),
    "long_component": b"\x00" + zip_of([("a" * 300 + ".py", b"x")]),
    "many_tops": b"\x00" + zip_of([("a.py", b""), ("b.py", b"")]),
    "not_an_archive": b"\x01PK\x03\x04garbage", "gzip_garbage": b"\x00\x1f\x8b\x08garbage",
}


BENCH_PLANS = {
    "full": b'{"title": "all", "duration_s": 2, "warmup_s": 0.5, "max_total_s": 300, "client_threads": 2, "targets": [{"name": "f", "function": "demo/echo", "file": "echo.wasm"}, {"name": "wf", "workflow": "demo/flow"}, {"name": "app", "app": "demo/site", "path": "/hello", "method": "GET"}, {"name": "gunicorn", "url": "http://127.0.0.1:8000/x", "method": "POST"}, {"name": "client", "steps": ["demo/a", "demo/b"]}], "matrix": {"concurrency": [1, 10, 50], "input_bytes": [64, 4096], "trigger": ["sync", "async"], "start": ["warm", "cold"]}}',
    "minimal": b'{"targets": [{"name": "w", "function": "demo/echo"}]}',
    "server_setting": b'{"targets": [{"name": "a", "url": "http://[::1]:8080/"}], "matrix": {"memory_limit": ["1GiB"]}}',
    "too_long": b'{"targets": [{"name": "a", "function": "d/e"}], "duration_s": 600, "matrix": {"concurrency": [1, 2, 3, 4]}}',
    "bad_url": b'{"targets": [{"name": "a", "url": "http://x:99999/"}]}',
    "huge_concurrency": b'{"targets": [{"name": "a", "function": "d/e"}], "matrix": {"concurrency": [18446744073709551615]}}',
}


def write_corpus(target, seeds, suffix=""):
    d = CORPUS / target
    shutil.rmtree(d, ignore_errors=True)
    d.mkdir(parents=True)
    for stem, data in seeds.items():
        (d / (stem + suffix)).write_bytes(data)


def main():
    with tempfile.TemporaryDirectory() as tmp:
        tmp = pathlib.Path(tmp)
        seeds = {}
        for wat in sorted((ROOT / "tests" / "guest").glob("*.wat")):
            out = tmp / (wat.stem + ".wasm")
            flags = ["--no-check"] if wat.stem == "invalid" else []
            subprocess.run(["wat2wasm", *flags, wat, "-o", out], check=True)
            seeds["guest_" + wat.stem] = out.read_bytes()
        for wast in sorted((ROOT / "tests" / "spec").glob("*.wast")):
            subprocess.run(["wast2json", wast, "-o", tmp / (wast.stem + ".json")], check=True)
            for wasm in sorted(tmp.glob(wast.stem + ".*.wasm"))[:4]:
                data = wasm.read_bytes()
                if len(data) <= MAX_SEED:
                    seeds["spec_" + wasm.stem.replace(".", "_")] = data
        seeds.update({k: v for k, v in hostile()})
    for target in ("module_info", "codegen"):
        write_corpus(target, seeds, ".wasm")
    write_corpus("http_request", HTTP_REQUESTS)
    write_corpus("state_key", STATE_KEYS)
    write_corpus("shared_path", SHARED_PATHS)
    write_corpus("wasi_path", WASI_PATHS)
    write_corpus("auth_header", AUTH_HEADERS)
    write_corpus("quotas_json", QUOTAS_JSON)
    write_corpus("bench_plan", BENCH_PLANS)
    write_corpus("python_package", PYTHON_PACKAGES)


if __name__ == "__main__":
    main()
