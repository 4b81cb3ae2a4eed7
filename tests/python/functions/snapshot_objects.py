# The snapshot's objects are immortal (toolchain/python/host/immortal.c): a call uses them
# without counting references, while what the call makes is counted and collected as usual.
import gc
import json
import sys

TABLE = [1, 2, 3]
ATOMS = {"a": 1}  # only atoms: the collector does not track it until a call adds a container


class Node:
    pass


def main(args):
    immortal = 1 << 30
    fresh = object()
    # A cycle of the snapshot's (ATOMS tracked again) and garbage cycles of the call's own.
    ATOMS["self"] = [ATOMS]
    gc.disable()  # so that all the garbage is there for the one collection counted
    for _ in range(100):
        a, b = Node(), Node()
        a.b, b.a = b, a
    del a, b
    collected = gc.collect()
    gc.enable()
    repeated = [None, TABLE, ATOMS] * 1000
    TABLE.append(len(repeated))
    del repeated
    return {
        "snapshot_immortal": all(sys.getrefcount(o) >= immortal
                                 for o in (TABLE, ATOMS, json, Node, main, None, 7)),
        "call_counted": sys.getrefcount(fresh) < 10,
        "collected_garbage": collected >= 200,
        "atoms_intact": ATOMS["a"] == 1 and ATOMS["self"][0] is ATOMS,
        "table": TABLE,
    }
