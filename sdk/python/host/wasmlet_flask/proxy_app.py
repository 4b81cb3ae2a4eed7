"""`gunicorn wasmlet_flask.proxy_app:app` serves the app named by the environment in proxy mode
(see proxy.from_environment)."""
from wasmlet_flask.proxy import from_environment

app = from_environment()
