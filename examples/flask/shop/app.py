"""A small shop API: an ordinary Flask app, deployed unchanged onto Wasmlet."""
from flask import Flask, jsonify
from werkzeug.exceptions import HTTPException

from .api.items import items
from .lib.validation import InvalidItem

app = Flask(__name__)
app.register_blueprint(items)


@app.get("/")
def index():
    return jsonify(service="shop", endpoints=sorted(r.rule for r in app.url_map.iter_rules()))


@app.errorhandler(InvalidItem)
def invalid_item(error):
    return jsonify(error="invalid_item", message=str(error)), 400


@app.errorhandler(HTTPException)
def http_error(error):
    return jsonify(error=error.name, message=error.description), error.code
