from pyfaasm.core import read_input, write_output


def faasm_main():
    n = int(read_input() or b"1048576")
    write_output(b"x" * n)
