def main(args):
    return {"unclosed": (1, 2
