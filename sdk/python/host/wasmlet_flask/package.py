"""The Python function package of one endpoint: the project's files and an entry module that
imports the app (before the snapshot) and hands each call's request frame to it."""
import hashlib
import io
import re
import tarfile

ENTRY_MODULE = "_wasmlet_flask_entry"
# Bumped when the entry module or the runner's contract changes, so a redeploy replaces all.
PACKAGE_FORMAT = "1"

_ENTRY = '''\
# Written by `wasmlet flask deploy`: endpoint {endpoint!r} of {module}:{attr}.
import _wasmlet
from wasmlet_web import flask_runner

flask_runner.load({module!r}, {attr!r}, {stubbed!r})


def faasm_main():
    _wasmlet.write_output(flask_runner.handle(_wasmlet.read_input()))
'''


def function_name(app_name, endpoint):
    """A function name for an endpoint: `APP.ENDPOINT`, other characters as '_', within 64."""
    name = "%s.%s" % (app_name, re.sub(r"[^A-Za-z0-9_.-]", "_", endpoint))
    if len(name) > 64:
        name = name[:55] + "." + hashlib.sha256(endpoint.encode()).hexdigest()[:8]
    return name


def entry_source(info, endpoint):
    return _ENTRY.format(endpoint=endpoint, module=info.module, attr=info.attr,
                         stubbed=tuple(info.stubbed))


def build(info, endpoint):
    """(tar bytes, content hash). Deterministic: the same project gives the same bytes."""
    members = {path: src.read_bytes() for path, src in info.files.items()}
    members[ENTRY_MODULE + ".py"] = entry_source(info, endpoint).encode()
    out = io.BytesIO()
    digest = hashlib.sha256(PACKAGE_FORMAT.encode())
    with tarfile.open(fileobj=out, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for path in sorted(members):
            data = members[path]
            digest.update(b"%d:%s\0%d:" % (len(path), path.encode(), len(data)))
            digest.update(data)
            member = tarfile.TarInfo(path)
            member.size = len(data)
            member.mode = 0o644
            tar.addfile(member, io.BytesIO(data))
    return out.getvalue(), digest.hexdigest()
