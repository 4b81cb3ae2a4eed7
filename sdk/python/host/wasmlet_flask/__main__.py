"""wasmlet flask deploy|proxy|remove MODULE:APP ... (run through `wasmlet flask`)."""
import argparse
import os
import sys

from wasmlet_flask import deploy, proxy
from wasmlet_flask.client import Client, WasmletError


def _common(p):
    p.add_argument("app", metavar="MODULE:APP", help="the Flask app, e.g. webapp.pkg.app:app")
    p.add_argument("--server", default=os.environ.get("WASMLET_SERVER", "127.0.0.1:8080"),
                   help="Wasmlet's HOST:PORT (default 127.0.0.1:8080, or $WASMLET_SERVER)")
    p.add_argument("--user", default="flask", help="the tenant owning the functions (default flask)")
    p.add_argument("--name", help="the app's name on the server (default: MODULE's top-level name)")
    p.add_argument("--app-dir", default=".", help="where MODULE is imported from (default .)")


def main(argv=None):
    parser = argparse.ArgumentParser(prog="wasmlet flask")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("deploy", help="upload each endpoint as a function and record the routes")
    _common(p)
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--direct", dest="mode", action="store_const", const="direct",
                      help="Wasmlet serves the app's routes itself (the default)")
    mode.add_argument("--proxy", dest="mode", action="store_const", const="proxy",
                      help="the app's own Flask receives requests and forwards its views")
    p = sub.add_parser("proxy", help="serve the app in proxy mode with Flask's own server")
    _common(p)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=5000)
    p = sub.add_parser("remove", help="delete the app's functions and routes")
    _common(p)
    args = parser.parse_args(argv)

    sys.path.insert(0, os.path.abspath(args.app_dir))
    name = args.name or proxy.default_name(args.app)
    try:
        if args.command == "deploy":
            return _deploy(args, name)
        if args.command == "proxy":
            app, native = proxy.wrap(deploy.analysis.load_app(args.app), args.server, args.user, name)
            for endpoint in native:
                print("endpoint %s runs natively here (it needs what a Faaslet lacks)" % endpoint)
            app.run(host=args.host, port=args.port, threaded=True)
            return 0
        return _remove(args, name)
    except WasmletError as exc:
        print("wasmlet flask: %s (HTTP %d)" % (exc, exc.status), file=sys.stderr)
        return 1
    except (ImportError, LookupError, OSError, ValueError) as exc:
        print("wasmlet flask: %s: %s" % (type(exc).__name__, exc), file=sys.stderr)
        return 1


def _deploy(args, name):
    mode = args.mode or "direct"
    print("deploying %s as %s/%s (%s mode) to %s" % (args.app, args.user, name, mode, args.server))
    _, failures = deploy.deploy(args.app, args.server, args.user, name, mode)
    base = Client(args.server).base
    if mode == "direct":
        print("the app answers at %s/apps/%s/%s/" % (base, args.user, name))
    else:
        print("run the proxy: wasmlet flask proxy %s --server %s --user %s --name %s --port 5000"
              % (args.app, args.server, args.user, name))
        print("  or: WASMLET_FLASK_APP=%s WASMLET_SERVER=%s WASMLET_USER=%s WASMLET_APP_NAME=%s "
              "gunicorn wasmlet_flask.proxy_app:app" % (args.app, args.server, args.user, name))
    return 1 if failures else 0


def _remove(args, name):
    client = Client(args.server)
    manifest = client.json("GET", "/v1/apps/%s/%s" % (args.user, name))
    for function in [name] + [e["function"] for e in manifest.get("endpoints", ())]:
        client.request("DELETE", "/v1/functions/%s/%s" % (args.user, function))
    client.json("DELETE", "/v1/apps/%s/%s" % (args.user, name), ok=(204,))
    print("removed %s/%s" % (args.user, name))
    return 0


if __name__ == "__main__":
    sys.exit(main())
