"""examples/flask/shop end to end in direct mode: CRUD on Wasmlet state through JSON bodies and
form posts, query filters, the app's error handlers, a blueprint and a sub-package helper."""
import pathlib

import pytest
import requests

from conftest import flask_cli

EXAMPLES = pathlib.Path(__file__).resolve().parents[2] / "examples" / "flask"


@pytest.fixture(scope="module")
def shop(wasmlet):
    code, out = flask_cli("deploy", "shop.app:app", "--server", wasmlet.server, cwd=EXAMPLES)
    assert code == 0, out
    return wasmlet.base + "/apps/flask/shop"


def test_crud(shop):
    r = requests.post(shop + "/items", json={"name": "tea", "price": 3})
    assert r.status_code == 201, r.text
    tea = r.json()
    assert r.headers["Location"].endswith("/apps/flask/shop/items/%d" % tea["id"])
    r = requests.post(shop + "/items", data={"name": "cake", "price": "7.5"})  # a form post
    assert r.status_code == 201, r.text
    cake = r.json()

    assert requests.get(shop + "/items/%d" % cake["id"]).json()["name"] == "cake"
    assert [i["name"] for i in requests.get(shop + "/items?max_price=5").json()["items"]] == ["tea"]
    assert requests.get(shop + "/items?name=cake&name=tea").json()["count"] == 0
    assert requests.get(shop + "/items?name=cake").json()["count"] == 1

    r = requests.patch(shop + "/items/%d" % tea["id"], json={"price": 4})
    assert r.json() == {"id": tea["id"], "name": "tea", "price": 4.0}
    assert requests.put(shop + "/items/%d" % tea["id"], json={"price": 4}).status_code == 400

    assert requests.delete(shop + "/items/%d" % tea["id"]).status_code == 204
    r = requests.get(shop + "/items/%d" % tea["id"])
    assert r.status_code == 404 and r.json() == {"error": "Not Found",
                                                 "message": "no item %d" % tea["id"]}


def test_validation_errors_use_the_apps_handler(shop):
    r = requests.post(shop + "/items", json={"name": "", "price": 1})
    assert r.status_code == 400
    assert r.json() == {"error": "invalid_item", "message": "name must be 1-100 characters"}
    r = requests.post(shop + "/items", data={"name": "x", "price": "cheap"})
    assert r.json()["message"] == "price must be a number"


def test_index_lists_the_routes(shop):
    assert "/items/<int:item_id>" in requests.get(shop + "/").json()["endpoints"]
