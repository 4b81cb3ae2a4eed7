"""Flask-Faasm's client (its lib/faasm.py) talks to Faasm's HTTP API: it uploads a view packaged
as a Python function with `PUT /p/USER/FUNC`, invokes it with Faasm's message (`"python": true`,
the input base64-encoded in `input_data`) and reads the output after the `Python call
succeeded` line. The same calls, made as that client makes them, against Wasmlet."""
import base64
import json

import requests

# A view packaged the way Flask-Faasm's template does: faasm_main() reads the request's fields
# as JSON from the input and writes the JSON result.
TEMPLATE = '''
import json
from pyfaasm.core import read_input, write_output


def view(args, method):
    return {"sum": sum(int(v) for v in args.get("n", [])), "method": method}


def faasm_main():
    request = json.loads(read_input())
    print("view called")
    write_output(json.dumps(view(request["args"], request["method"])))
'''

SEPARATOR = "Python call succeeded"


def test_flask_faasm_upload_and_invoke(wasmlet):
    r = requests.put(wasmlet.base + "/p/flaskfaasm/adder", data=TEMPLATE.encode())
    assert r.status_code == 200, r.text
    message = {"user": "flaskfaasm", "function": "adder", "py_user": "flaskfaasm",
               "py_func": "adder", "python": True,
               "input_data": base64.b64encode(json.dumps(
                   {"args": {"n": ["1", "2", "39"]}, "method": "GET"}).encode()).decode()}
    r = requests.post(wasmlet.base + "/", data=json.dumps(message))
    assert r.status_code == 200, r.text
    printed, _, output = r.text.partition(SEPARATOR)
    assert "view called" in printed
    assert json.loads(output.strip()) == {"sum": 42, "method": "GET"}
