"""Faasm's guest API for Python functions: input and output, chaining and state.

Functions written for Faasm import this module and run unchanged. Wasmlet adds
await_call_output, chain_function (by name) and the state locks.
"""
import _wasmlet

_output = b""


def _bytes(data):
    if isinstance(data, str):
        return data.encode()
    return bytes(data)


def get_input_len():
    return _wasmlet.input_len()


def read_input(input_len=None):
    data = _wasmlet.read_input()
    return data if input_len is None else data[:input_len]


def write_output(output):
    global _output
    _output = _bytes(output)
    _wasmlet.write_output(_output)


def get_output():
    return _output


def chain(func, input_data=b""):
    """Calls `func` (a function of this module, or its name) in a new Faaslet; its call id."""
    name = func if isinstance(func, str) else func.__name__
    return _wasmlet.chain_py(name, _bytes(input_data))


def chain_function(function_name, input_data=b""):
    """Calls another function of the same user by name (C or Python); its call id."""
    return _wasmlet.chain_name(function_name, _bytes(input_data))


def await_call(call_id):
    """Waits for a chained call; its return code (0: success)."""
    return _wasmlet.await_call(call_id)


def await_call_output(call_id):
    """Waits for a chained call; its output as bytes (see await_call for the return code)."""
    return _wasmlet.await_call_output(call_id)[1]


def read_state_size(key):
    return _wasmlet.state_size(key)


def read_state(key, state_len):
    return _wasmlet.read_state(key, state_len)


def read_state_offset(key, total_len, offset, offset_len):
    return _wasmlet.read_state_offset(key, total_len, offset, offset_len)


def read_state_ptr(key, total_len):
    """The value as a writable memoryview onto shared memory (no copy)."""
    return _wasmlet.read_state_ptr(key, total_len)


def read_state_offset_ptr(key, total_len, offset, length):
    return _wasmlet.read_state_offset_ptr(key, total_len, offset, length)


def write_state(key, state):
    _wasmlet.write_state(key, _bytes(state))


def write_state_offset(key, total_len, offset, state):
    _wasmlet.write_state_offset(key, total_len, offset, _bytes(state))


def write_state_from_file(key, path):
    return _wasmlet.write_state_from_file(key, path)


def append_state(key, data):
    _wasmlet.append_state(key, _bytes(data))


def read_appended_state(key, total_len, n_elems):
    return _wasmlet.read_appended_state(key, total_len, n_elems)


def clear_appended_state(key):
    _wasmlet.clear_appended_state(key)


def flag_state_dirty(key, total_len):
    _wasmlet.flag_state_dirty(key, total_len)


def flag_state_offset_dirty(key, total_len, offset, length):
    _wasmlet.flag_state_offset_dirty(key, total_len, offset, length)


def push_state(key):
    _wasmlet.push_state(key)


def push_state_partial(key):
    _wasmlet.push_state_partial(key)


def push_state_partial_mask(key, mask_key):
    _wasmlet.push_state_partial_mask(key, mask_key)


def pull_state(key, state_len):
    _wasmlet.pull_state(key, state_len)


def lock_state_read(key):
    _wasmlet.lock_state_read(key)


def unlock_state_read(key):
    _wasmlet.unlock_state_read(key)


def lock_state_write(key):
    _wasmlet.lock_state_write(key)


def unlock_state_write(key):
    _wasmlet.unlock_state_write(key)
