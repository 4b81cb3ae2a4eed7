"""`wasmlet flask deploy MODULE:APP`: uploads each endpoint of a Flask app as a Python function
and records the app's manifest (its rules and their functions) on the server."""
import sys

from wasmlet_flask import analysis, package
from wasmlet_flask.client import Client, WasmletError, message_of

MODES = ("direct", "proxy")


def guest_python(client):
    info = client.json("GET", "/v1/python")
    return analysis.GuestPython(
        frozenset(info.get("unavailable_modules", ())),
        frozenset(info.get("site_packages", ())) | frozenset(info.get("guest_modules", ())))


def _rules(endpoint):
    rules = []
    for rule in endpoint.rules:
        rules.append({"rule": rule.rule, "methods": sorted(rule.methods or ())})
    return rules


def _upload(client, user, function, tar):
    path = "/v1/functions/%s/%s?kind=python&entry=%s:faasm_main&convention=faasm" % (
        user, function, package.ENTRY_MODULE)
    status, body = client.request("PUT", path, tar, {"Content-Type": "application/x-tar"})
    if status != 200:
        raise WasmletError(status, message_of(body))


def deploy(spec, server, user, name, mode, out=sys.stdout):
    """Deploys; returns (manifest, failures). Endpoints whose package did not change since the
    last deploy are not uploaded again; functions of endpoints that are gone are deleted."""
    client = Client(server)
    info = analysis.analyse(spec, guest_python(client))
    try:
        previous = client.json("GET", "/v1/apps/%s/%s" % (user, name))
    except WasmletError as exc:
        if exc.status != 404:
            raise
        previous = None
    old = {e["endpoint"]: e for e in (previous or {}).get("endpoints", ())}
    old_fallback = (previous or {}).get("fallback_hash")

    manifest = {"module": spec, "mode": mode, "fallback": name, "endpoints": []}
    failures = []
    tar, digest = package.build(info, "")
    if digest != old_fallback:
        _upload(client, user, name, tar)
    manifest["fallback_hash"] = digest
    for endpoint in info.endpoints:
        function = package.function_name(name, endpoint.name)
        entry = {"endpoint": endpoint.name, "function": function, "rules": _rules(endpoint)}
        if endpoint.missing:
            entry["unavailable"] = endpoint.missing
            what = ", ".join("%s (%s)" % kv for kv in endpoint.missing.items())
            where = "runs natively in the proxy's Flask" if mode == "proxy" else "not served"
            out.write("  %-24s %s: needs %s\n" % (endpoint.name, where, what))
            manifest["endpoints"].append(entry)
            continue
        tar, digest = package.build(info, endpoint.name)
        entry["hash"] = digest
        if old.get(endpoint.name, {}).get("hash") == digest:
            out.write("  %-24s unchanged\n" % endpoint.name)
        else:
            try:
                _upload(client, user, function, tar)
                out.write("  %-24s deployed as %s/%s\n" % (endpoint.name, user, function))
            except WasmletError as exc:
                failures.append((endpoint.name, str(exc)))
                out.write("  %-24s FAILED: %s\n" % (endpoint.name, exc))
                continue
        manifest["endpoints"].append(entry)
    current = {e["function"] for e in manifest["endpoints"]}
    for gone in old.values():
        if gone["function"] not in current:
            client.request("DELETE", "/v1/functions/%s/%s" % (user, gone["function"]))
            out.write("  %-24s removed\n" % gone["endpoint"])
    client.json("PUT", "/v1/apps/%s/%s" % (user, name), manifest)
    return manifest, failures
