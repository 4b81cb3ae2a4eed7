"""The Python benchmark programs as a web API (the Flask-Faasm thesis's benchmark method), and
light endpoints where the framework's own overhead dominates."""
from flask import Flask, abort, jsonify, request

from .programs import (chaos, deltablue, dict_str, fannkuch, float_bench, json_roundtrip, nbody,
                       pidigits, regex_bench, richards, spectral_norm, unpack_sequence)

app = Flask(__name__)

PROGRAMS = {
    "chaos": chaos, "deltablue": deltablue, "dict_str": dict_str, "fannkuch": fannkuch,
    "float": float_bench, "json": json_roundtrip, "nbody": nbody, "pidigits": pidigits,
    "regex": regex_bench, "richards": richards, "spectral_norm": spectral_norm,
    "unpack_sequence": unpack_sequence,
}


@app.post("/bm/<name>")
def benchmark(name):
    program = PROGRAMS.get(name)
    if program is None:
        abort(404, description="no benchmark %r" % name)
    args = request.get_json(silent=True) or {}
    return jsonify(name=name, result=program.main(args))


@app.post("/echo")
def echo():
    return jsonify(request.get_json())


@app.get("/convert/<int:number>/<path:rest>")
def convert(number, rest):
    return jsonify(number=number * 2, parts=rest.split("/"), q=request.args.getlist("q"))


@app.post("/form")
def form():
    return jsonify(name=request.form["name"], count=len(request.form))
