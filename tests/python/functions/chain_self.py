from pyfaasm.core import await_call, await_call_output, chain, read_input, write_output


def square(data):
    write_output(str(int(data) ** 2))


def fail(data):
    raise RuntimeError("chained failure")


def faasm_main():
    ids = [chain(square, str(i)) for i in range(1, 5)]
    outs = [int(await_call_output(i)) for i in ids]
    bad = await_call(chain("fail", b""))
    write_output("%s bad=%d" % (outs, bad))
