"""Runs a Python function inside its Faaslets; Wasmlet's host program drives it.

load() runs once, before the function's Proto-Faaslet snapshot: it imports the function's
module and settles its entry. call() runs each call from that snapshot, so module-level data a
call changes is gone by the next one.
"""
import gc
import importlib
import json
import os
import sys
import traceback

import _wasmlet

PACKAGE_ROOT = "/function"
SITE_PACKAGES = "/usr/local/lib/site-packages"
_INTERNAL_PREFIXES = ("<frozen ", "/usr/local/lib/wasmlet/")

# Entry names tried in order when the upload did not name one, with their conventions.
_DETECT = (("faasm_main", "faasm"), ("handler", "lambda"), ("main", "openwhisk"))

# CPython 3.11 specialises an instruction after it has run a few times; this is comfortably more.
_WARM_UP_CALLS = 16

_module = None
_entry = None
_convention = None


class LambdaContext:
    """The context object AWS Lambda passes to handler(event, context)."""

    def __init__(self):
        self.function_name = _wasmlet.py_func()
        self.function_version = "$LATEST"
        self.aws_request_id = str(_wasmlet.call_id())
        self.invoked_function_arn = "wasmlet:%s:%s" % (_wasmlet.py_user(), self.function_name)
        self.memory_limit_in_mb = None
        self.log_group_name = self.log_stream_name = None
        self.identity = self.client_context = None

    def get_remaining_time_in_millis(self):
        return _wasmlet.remaining_ms()


def _format(exc):
    """The traceback without the frames of Wasmlet's runner and of the import machinery."""
    te = traceback.TracebackException.from_exception(exc)
    te.stack = traceback.StackSummary.from_list(
        [f for f in te.stack if not f.filename.startswith(_INTERNAL_PREFIXES)])
    return "".join(te.format())


def _report(text):
    sys.stderr.write(text)
    sys.stderr.flush()
    _wasmlet.set_error(text)


def _missing_module_message(exc):
    top = (exc.name or "").split(".")[0]
    if top in sys.stdlib_module_names:
        return ("ModuleNotFoundError: module '%s' is not available in Wasmlet's CPython for "
                "WASI (see docs/python.md)\n" % exc.name)
    return "ModuleNotFoundError: no module named '%s' in the package or the standard library\n" % (
        exc.name)


def _arity(fn):
    code = getattr(fn, "__code__", None)
    if code is None:
        return None
    return code.co_argcount - (1 if getattr(fn, "__self__", None) is not None else 0)


def _settle_entry(module, name, convention):
    if name:
        fn = getattr(module, name, None)
        if not callable(fn):
            raise LookupError("module '%s' has no function '%s'" % (module.__name__, name))
        if convention == "detect":
            convention = {0: "faasm", 1: "openwhisk", 2: "lambda"}.get(_arity(fn), "faasm")
        return fn, convention
    for candidate, detected in _DETECT:
        fn = getattr(module, candidate, None)
        if callable(fn):
            return fn, (detected if convention == "detect" else convention)
    raise LookupError("module '%s' has no entry: define faasm_main(), main(args) or "
                      "handler(event, context), or name one with --entry module:function"
                      % module.__name__)


def load():
    global _module, _entry, _convention
    os.chdir(PACKAGE_ROOT)
    # After the standard library, as a site-packages directory is in any Python.
    if SITE_PACKAGES not in sys.path:
        sys.path.append(SITE_PACKAGES)
    try:
        _module = importlib.import_module(os.environ["WASMLET_PY_MODULE"])
        _entry, _convention = _settle_entry(_module, os.environ.get("WASMLET_PY_FUNCTION", ""),
                                            os.environ.get("WASMLET_PY_CONVENTION", "detect"))
    except ModuleNotFoundError as exc:
        inside = any(f.filename.startswith(PACKAGE_ROOT)
                     for f in traceback.extract_tb(exc.__traceback__))
        _report((_format(exc).rsplit("ModuleNotFoundError", 1)[0] if inside else "")
                + _missing_module_message(exc))
        return False
    except LookupError as exc:
        _report("%s: %s\n" % (type(exc).__name__, exc))
        return False
    except BaseException as exc:  # noqa: B902 - anything the module does at import time
        _report(_format(exc))
        return False
    finally:
        sys.stdout.flush()
    _warm_up()
    # Everything alive now belongs to the snapshot. Immortal, a call uses those objects without
    # writing their reference counts; frozen, the collector never walks (and so dirties) them.
    gc.collect()
    _wasmlet.immortalize(gc.get_objects())
    gc.freeze()
    return True


def _warm_up():
    """Runs the per-call path around the entry (not the entry) until CPython has specialised
    its bytecode. Every call starts from the snapshot: taken before, it would make each call
    redo that warm-up, writing to code objects on pages a call otherwise never touches."""
    global _entry
    entry, _entry = _entry, (lambda *args: 0)
    try:
        for _ in range(_WARM_UP_CALLS):
            call()
    finally:
        _entry = entry


def _json_input():
    data = _wasmlet.read_input()
    if not data.strip():
        return {}
    try:
        return json.loads(data)
    except ValueError as exc:
        raise ValueError("the call's input is not JSON: %s" % exc) from None


def _write_json(result):
    _wasmlet.write_output(json.dumps(result).encode())


def _run_default():
    if _convention == "faasm":
        return _entry()
    if _convention == "lambda":
        _write_json(_entry(_json_input(), LambdaContext()))
    else:
        _write_json(_entry(_json_input()))
    return 0


def _run_named(name):
    fn = getattr(_module, name, None)
    if not callable(fn):
        raise LookupError("module '%s' has no function '%s'" % (_module.__name__, name))
    return fn() if _arity(fn) == 0 else fn(_wasmlet.read_input())


def _exit_code(exc):
    if exc.code is None:
        return 0
    if isinstance(exc.code, int):
        return exc.code
    sys.stderr.write("%s\n" % exc.code)
    return 1


def call():
    # Every call starts from the same snapshot: without a fresh seed, random would repeat.
    # 256 bits from the host, as a key; random.seed() alone would read 2,496 bytes, which the
    # kernel's generator makes (2% of a light Flask request's time).
    random = sys.modules.get("random")
    if random is not None:
        random.seed(int.from_bytes(os.urandom(32), "little"))
    try:
        name = _wasmlet.py_entry()
        result = _run_named(name) if name else _run_default()
        code = result if isinstance(result, int) and not isinstance(result, bool) else 0
    except SystemExit as exc:
        code = _exit_code(exc)
    except BaseException as exc:  # noqa: B902 - the function's failure, reported as the call's
        _report(_format(exc))
        code = 1
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
    return code
