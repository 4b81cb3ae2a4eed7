"""A helper in a sub-package, imported relatively by the app."""


def shout(text):
    return text.upper() + "!"
