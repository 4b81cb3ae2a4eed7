"""Deploys unmodified Flask apps onto Wasmlet (`wasmlet flask deploy`, docs/flask.md)."""
