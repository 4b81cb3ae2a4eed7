"""A function written for Faasm, unchanged: pyfaasm.core for input and output."""
from pyfaasm.core import read_input, write_output


def faasm_main():
    data = read_input()
    print("got %d bytes" % len(data))
    write_output(b"Python echo: " + data)
