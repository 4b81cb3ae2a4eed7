from pyfaasm.core import read_input, write_output


def faasm_main():
    data = read_input()
    print("echoing %d bytes" % len(data))
    write_output(data)
