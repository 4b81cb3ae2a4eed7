"""Training: a small Flask API, so that the profile covers Flask's and Werkzeug's request path
(routing, converters, JSON and form bodies, templates, hooks, error handlers, a blueprint)."""
from flask import Blueprint, Flask, abort, g, jsonify, make_response, render_template_string, request

app = Flask(__name__)
items = Blueprint("items", __name__, url_prefix="/items")
STORE = {i: {"id": i, "name": "item%d" % i, "price": i * 1.5} for i in range(50)}
PAGE = """<ul>{% for item in items %}<li id="{{ item.id }}">{{ item.name|title }}: {{
'%.2f'|format(item.price) }}</li>{% endfor %}</ul>"""


@app.before_request
def start():
    g.seen = request.headers.get("X-Trace", "none")


@app.after_request
def stamp(response):
    response.headers["X-Trace"] = g.get("seen", "none")
    return response


@app.errorhandler(404)
def missing(error):
    return jsonify(error="not found", path=request.path), 404


@app.route("/echo", methods=["POST"])
def echo():
    return jsonify(request.get_json())


@app.route("/users/<int:user_id>/posts/<slug>")
def post(user_id, slug):
    return {"user": user_id, "slug": slug, "q": request.args.getlist("q")}


@app.route("/form", methods=["POST"])
def form():
    return "%s=%s" % (request.form["name"], request.form.get("value", ""))


@app.route("/page")
def page():
    limit = request.args.get("limit", 10, type=int)
    return render_template_string(PAGE, items=list(STORE.values())[:limit])


@items.route("/<int:item_id>")
def get_item(item_id):
    if item_id not in STORE:
        abort(404)
    response = make_response(jsonify(STORE[item_id]))
    response.set_cookie("last", str(item_id))
    return response


app.register_blueprint(items)
