"""Faasm's Python API, served by Wasmlet (see pyfaasm.core)."""
