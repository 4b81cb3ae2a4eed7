def main(args):
    while True:
        pass
