"""Wasmlet's Python API: everything pyfaasm.core offers, plus what a call may know of itself."""
from pyfaasm.core import *  # noqa: F401,F403 - the same API under Wasmlet's name

import _wasmlet


def call_id():
    """This call's id (as the HTTP API reports it)."""
    return _wasmlet.call_id()


def remaining_ms():
    """Milliseconds left before this call's deadline."""
    return _wasmlet.remaining_ms()


def function_name():
    """(user, function) of the running function."""
    return _wasmlet.py_user(), _wasmlet.py_func()
