from pyfaasm import core


def faasm_main():
    core.write_state("py_key", b"hello state")
    core.push_state("py_key")
    size = core.read_state_size("py_key")
    whole = core.read_state("py_key", size)
    core.write_state_offset("py_key", size, 0, b"HELLO")
    part = core.read_state_offset("py_key", size, 0, 5)
    view = core.read_state_ptr("py_key", size)
    view[6:11] = b"STATE"  # a store into shared memory, no copy
    core.push_state("py_key")
    core.pull_state("py_key", size)
    after = core.read_state("py_key", size)
    core.lock_state_write("py_key")
    core.unlock_state_write("py_key")
    core.clear_appended_state("py_log")
    core.append_state("py_log", b"ab")
    core.append_state("py_log", b"cd")
    appended = core.read_appended_state("py_log", 4, 2)
    core.write_output(b"|".join([str(size).encode(), whole, part, after, appended]))
