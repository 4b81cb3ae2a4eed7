"""Wasmlet's web app support: WSGI apps (Flask) whose routes run in Faaslets.

frame: the binary framing of a request and its response between Wasmlet (or a proxy) and
the Faaslet. flask_runner: the guest side that runs a Flask app's endpoint on such a frame.
This package imports nothing of the guest's host interface, so the host-side adapter shares
the framing code with the guest.
"""
