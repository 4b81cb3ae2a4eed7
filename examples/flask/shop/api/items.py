"""The items blueprint: CRUD over JSON bodies or form posts, filtered by query parameters."""
from flask import Blueprint, abort, jsonify, request, url_for

from ..lib.validation import parse_item
from .store import Transaction, load

items = Blueprint("items", __name__, url_prefix="/items")


def _fields():
    return request.get_json() if request.is_json else request.form


@items.get("")
def list_items():
    doc = load()
    found = list(doc["items"].values())
    if "max_price" in request.args:
        found = [i for i in found if i["price"] <= request.args.get("max_price", type=float)]
    for name in request.args.getlist("name"):
        found = [i for i in found if i["name"] == name]
    found.sort(key=lambda i: i["id"])
    return jsonify(items=found, count=len(found))


@items.post("")
def create_item():
    item = parse_item(_fields())
    with Transaction() as doc:
        item["id"] = doc["next_id"]
        doc["next_id"] += 1
        doc["items"][str(item["id"])] = item
    return jsonify(item), 201, {"Location": url_for("items.get_item", item_id=item["id"])}


@items.get("/<int:item_id>")
def get_item(item_id):
    item = load()["items"].get(str(item_id))
    if item is None:
        abort(404, description="no item %d" % item_id)
    return jsonify(item)


@items.route("/<int:item_id>", methods=["PUT", "PATCH"])
def update_item(item_id):
    changes = parse_item(_fields(), partial=request.method == "PATCH")
    with Transaction() as doc:
        item = doc["items"].get(str(item_id))
        if item is None:
            abort(404, description="no item %d" % item_id)
        item.update(changes)
    return jsonify(item)


@items.delete("/<int:item_id>")
def delete_item(item_id):
    with Transaction() as doc:
        if doc["items"].pop(str(item_id), None) is None:
            abort(404, description="no item %d" % item_id)
    return "", 204
