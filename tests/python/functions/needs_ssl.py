import ssl


def main(args):
    return {}
