"""Every Flask feature the end-to-end tests check, in an ordinary Flask app."""
import uuid

from flask import (Blueprint, Flask, Response, abort, current_app, g, jsonify, make_response,
                   redirect, request, url_for)
from werkzeug.exceptions import HTTPException

from .lib.heavy import count_rows
from .lib.text import shout

app = Flask(__name__)
app.config["GREETING"] = "hi"

VISITS = []  # module-level data: each request starts from the deployed state


class Teapot(HTTPException):
    code = 418
    description = "short and stout"


@app.before_request
def stamp():
    g.stamp = "stamped"


@app.after_request
def tag(response):
    response.headers["X-After"] = "yes"
    return response


@app.errorhandler(404)
def not_found(error):
    return jsonify(error="not found", path=request.path), 404


@app.route("/")
def index():
    return "index"


@app.route("/echo", methods=["POST"])
def echo():
    return jsonify(json=request.get_json(), is_json=request.is_json, method=request.method)


@app.route("/request/<path:rest>", methods=["GET", "POST", "PUT"])
def describe(rest):
    return jsonify(
        method=request.method, path=request.path, full_path=request.full_path, url=request.url,
        args={k: request.args.getlist(k) for k in request.args}, form=request.form.to_dict(flat=False),
        data=request.get_data(as_text=True) if not request.form else "",
        headers={"X-Custom": request.headers.get("X-Custom")}, cookies=request.cookies,
        view_args=request.view_args, remote_addr=request.remote_addr, g=g.stamp,
        config=current_app.config["GREETING"])


@app.route("/items/<int:item_id>")
def item(item_id):
    return jsonify(id=item_id, type=type(item_id).__name__, url=url_for("item", item_id=item_id))


@app.route("/uuid/<uuid:key>")
def by_uuid(key):
    return jsonify(key=str(key), is_uuid=isinstance(key, uuid.UUID))


@app.route("/upload", methods=["POST"])
def upload():
    f = request.files["file"]
    return jsonify(name=f.filename, size=len(f.read()), field=request.form.get("note"))


@app.route("/cookie")
def cookie():
    resp = make_response("cookie set")
    resp.set_cookie("flavour", request.args.get("flavour", "plain"))
    return resp


@app.route("/status")
def custom_status():
    return "created", 201, {"X-Custom": "custom"}


@app.route("/no-content")
def no_content():
    return "a body HTTP does not allow", 204


@app.route("/informational")
def informational():
    return "HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nforged", 100


@app.route("/bytes")
def raw_bytes():
    return b"\x00\x01binary"


@app.route("/list")
def a_list():
    return [1, 2, 3]


@app.route("/response")
def response_object():
    return Response("plain", mimetype="text/plain", status=202)


@app.route("/stream")
def stream():
    def chunks():
        for i in range(3):
            yield "chunk%d;" % i
    return chunks()


@app.route("/abort")
def aborts():
    abort(403)


@app.route("/teapot")
def teapot():
    raise Teapot()


@app.route("/boom")
def boom():
    raise ValueError("the view failed on purpose")


@app.route("/go")
def go():
    return redirect(url_for("index"))


@app.route("/visits", methods=["POST"])
def visits():
    VISITS.append(1)
    return jsonify(visits=len(VISITS))


@app.route("/shout/<word>")
def shout_word(word):
    return shout(word)


@app.route("/rows")
def rows():
    return jsonify(rows=count_rows())


bp = Blueprint("bp", __name__, url_prefix="/bp")


@bp.route("/hello/<name>")
def hello(name):
    return "hello " + name


app.register_blueprint(bp)
