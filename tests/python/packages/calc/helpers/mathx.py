from .consts import FACTOR


def scaled(x):
    return x * FACTOR
