#!/usr/bin/env python3
"""Compiles the sources of the annotated layers with clang's -Wthread-safety as errors, using
each file's flags from the build's compile_commands.json (so include paths and definitions are
the build's own), the compiler swapped for clang and -fsyntax-only. A member marked
GUARDED_BY(m) touched without m held fails this check.

usage: check.py CLANGXX BUILD_DIR SOURCE_DIR LAYER..."""
import concurrent.futures
import json
import os
import pathlib
import shlex
import subprocess
import sys


def command_for(entry, clang):
    args = entry["arguments"] if "arguments" in entry else shlex.split(entry["command"])
    out = [clang]
    skip = False
    for a in args[1:]:
        if skip:
            skip = False
            continue
        if a in ("-o", "-MF", "-MT", "-MQ"):
            skip = True
            continue
        # Other warnings are the main build's business; only this analysis fails here.
        if a in ("-c", "-MD", "-MMD", "-Werror") or a.startswith("-Werror="):
            continue
        out.append(a)
    return out + ["-fsyntax-only", "-Wthread-safety", "-Werror=thread-safety", "-Wno-unknown-warning-option"]


def main():
    clang, build, source = sys.argv[1], pathlib.Path(sys.argv[2]), pathlib.Path(sys.argv[3])
    layers = [(source / "src" / layer).resolve() for layer in sys.argv[4:]]
    entries = json.loads((build / "compile_commands.json").read_text())
    chosen = {}
    for e in entries:
        f = pathlib.Path(e["directory"], e["file"]).resolve()
        if any(layer in f.parents for layer in layers):
            chosen.setdefault(f, e)  # a file built by two targets needs checking once
    if not chosen:
        sys.exit("no sources of " + " ".join(sys.argv[4:]) + " in compile_commands.json")

    def check(item):
        f, e = item
        r = subprocess.run(command_for(e, clang), cwd=e["directory"], capture_output=True,
                           text=True)
        return f, r.returncode, r.stderr

    failed = 0
    with concurrent.futures.ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        for f, code, err in pool.map(check, sorted(chosen.items())):
            if code != 0:
                failed += 1
                print(f"FAILED {f.relative_to(source)}\n{err}")
    print(f"{len(chosen) - failed} of {len(chosen)} sources pass -Wthread-safety")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
