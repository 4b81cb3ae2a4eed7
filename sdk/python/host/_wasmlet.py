"""Stands for the Faaslet's host interface when a Flask app that uses pyfaasm or wasmlet is
imported outside a Faaslet (by `wasmlet flask deploy`, or by the proxy's Flask): the import
succeeds, and a call raises, because state and chaining exist only inside a Faaslet."""


def __getattr__(name):
    if name.startswith("__"):
        raise AttributeError(name)

    def outside_a_faaslet(*args, **kwargs):
        raise RuntimeError("%s() works only inside a Faaslet: this code is running natively "
                           "(a route that could not be deployed runs in the proxy's Flask)" % name)

    return outside_a_faaslet
