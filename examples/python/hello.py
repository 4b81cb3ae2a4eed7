"""An OpenWhisk-style function: JSON in, JSON out."""


def main(args):
    name = args.get("name", "world")
    return {"greeting": "Hello, %s!" % name, "length": len(name)}
