from pyfaasm.core import await_call_output, chain_function, write_output


def faasm_main():
    out = await_call_output(chain_function("echo", b"from python"))
    write_output(b"C said: " + out)
