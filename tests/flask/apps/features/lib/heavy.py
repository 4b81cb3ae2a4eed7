"""Needs a C extension that CPython for WASI lacks: the route using it is reported at deploy."""
import sqlite3


def count_rows():
    db = sqlite3.connect(":memory:")
    db.execute("create table t (x)")
    db.execute("insert into t values (1)")
    return db.execute("select count(*) from t").fetchone()[0]
