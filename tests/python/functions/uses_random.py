import random


def main(args):
    return {"r": random.random()}
