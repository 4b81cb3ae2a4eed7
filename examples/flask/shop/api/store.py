"""The shop's items, one JSON document in Wasmlet state (shared by every Faaslet of the app),
updated under the state's write lock."""
import json

from pyfaasm.core import (lock_state_write, push_state, read_state, read_state_size,
                          unlock_state_write, write_state)

KEY = "shop-items"


def load():
    size = read_state_size(KEY)
    if size == 0:
        return {"next_id": 1, "items": {}}
    return json.loads(read_state(KEY, size))


def save(doc):
    write_state(KEY, json.dumps(doc).encode())
    push_state(KEY)


class Transaction:
    """with Transaction() as doc: ... (saved on success)."""

    def __enter__(self):
        lock_state_write(KEY)
        self.doc = load()
        return self.doc

    def __exit__(self, exc_type, exc, tb):
        try:
            if exc_type is None:
                save(self.doc)
        finally:
            unlock_state_write(KEY)
        return False
