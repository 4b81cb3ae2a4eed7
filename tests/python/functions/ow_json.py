def main(args):
    return {"greeting": "hello " + args.get("name", "world"), "double": args.get("n", 0) * 2}
