#!/usr/bin/env python3
"""Checks that the build enforces the layering (CONTRIBUTING.md, "Layout").

For each TARGET=LAYER[,LAYER...] argument (the layers whose headers that target may include),
it takes the compile command of one of the target's own sources from the build's
compile_commands.json (so the include roots and flags are the target's own) and:
  - asks the preprocessor, by __has_include, whether each header of every other layer under
    src/ is reachable: none may be;
  - compiles a file that includes a header of the first listed layer: it must compile;
  - compiles a file that includes a header of a layer not listed: it must fail, for want of
    that header.
It also refuses relative includes ("../"), which would walk around the include roots.

usage: check.py BUILD_DIR SOURCE_DIR TARGET=LAYER[,LAYER...]..."""
import concurrent.futures
import json
import os
import pathlib
import re
import shlex
import subprocess
import sys

# Host-side code; guest code (tests/guest, examples, sdk) is built by the guest toolchain.
SCANNED = ("src", "tests", "bench", "fuzz", "testing")
RELATIVE_INCLUDE = re.compile(r'^\s*#\s*include\s*["<][^">]*\.\./', re.M)


def relative_includes(source):
    found = []
    for top in SCANNED:
        for f in sorted((source / top).rglob("*")):
            if f.suffix in (".h", ".hpp", ".c", ".cc", ".cpp") and f.is_file():
                if RELATIVE_INCLUDE.search(f.read_text(errors="replace")):
                    found.append(f.relative_to(source))
    return found


def arguments(entry):
    return shlex.split(entry["command"]) if "command" in entry else list(entry["arguments"])


def compile_entry(entries, target):
    """An entry whose object file is the target's (CMake puts it in CMakeFiles/TARGET.dir/)."""
    marker = f"/CMakeFiles/{target}.dir/"
    for e in entries:
        args = arguments(e)
        if "-o" in args and marker in "/" + args[args.index("-o") + 1]:
            return e
    sys.exit(f"no source of target {target} in compile_commands.json")


def command_for(entry, probe, mode):
    """The entry's compiler and flags, for `probe` instead of its own file."""
    out = []
    skip = False
    for a in arguments(entry):
        if skip:
            skip = False
        elif a in ("-o", "-MF", "-MT", "-MQ"):
            skip = True
        elif a in ("-c", "-MD", "-MMD"):
            pass
        elif a == entry["file"] or os.path.join(entry["directory"], a) == entry["file"]:
            out.append(str(probe))
        else:
            out.append(a)
    return out + mode


def run(cmd, cwd):
    return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)


def check_target(target, allowed, entries, headers, probes):
    """Returns a list of failures (strings) for one target."""
    entry = compile_entry(entries, target)
    cwd = entry["directory"]
    work = probes / target
    work.mkdir(parents=True, exist_ok=True)
    failures = []

    # Which headers of each layer the target's context reaches.
    lines = []
    for layer, names in headers.items():
        for h in names:
            lines += [f'#if __has_include("{layer}/{h}")', f"VISIBLE {layer}/{h}", "#endif"]
    probe = work / "visible.cpp"
    probe.write_text("\n".join(lines) + "\n")
    r = run(command_for(entry, probe, ["-E", "-P"]), cwd)
    if r.returncode != 0:
        return [f"{target}: preprocessing the probe failed:\n{r.stderr}"]
    visible = re.findall(r"^VISIBLE (\S+)$", r.stdout, re.M)
    for layer in headers:
        leaked = [h for h in visible if h.split("/")[0] == layer and layer not in allowed]
        if leaked:
            failures.append(f"{target} reaches {len(leaked)} headers of {layer} ({leaked[0]}...), "
                            f"but may include only {','.join(allowed)}")
    first = [h for h in visible if h.split("/")[0] == allowed[0]]
    if not first:
        return failures + [f"{target} reaches no header of its own layer {allowed[0]}"]

    # The same answer from real compiles: one allowed include, one forbidden.
    ok = work / "allowed.cpp"
    ok.write_text(f'#include "{first[0]}"\n')
    r = run(command_for(entry, ok, ["-fsyntax-only"]), cwd)
    if r.returncode != 0:
        failures.append(f"{target}: including {first[0]} failed to compile:\n{r.stderr}")
    forbidden = [layer for layer in headers if layer not in allowed]
    if forbidden:
        header = f"{forbidden[0]}/{headers[forbidden[0]][0]}"
        bad = work / "forbidden.cpp"
        bad.write_text(f'#include "{header}"\n')
        r = run(command_for(entry, bad, ["-fsyntax-only"]), cwd)
        if r.returncode == 0:
            failures.append(f"{target}: including {header} compiled, but must not")
        elif header not in r.stderr or "No such file" not in r.stderr:
            failures.append(f"{target}: including {header} failed for another reason:\n{r.stderr}")
    return failures


def main():
    build, source = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
    specs = [a.split("=", 1) for a in sys.argv[3:]]
    failures = [f"relative include in {f}" for f in relative_includes(source)]

    layers = sorted(p.name for p in (source / "src").iterdir() if p.is_dir())
    headers = {layer: sorted(str(h.relative_to(source / "src" / layer))
                             for h in (source / "src" / layer).rglob("*.h")) for layer in layers}
    entries = json.loads((build / "compile_commands.json").read_text())
    probes = build / "tests" / "layering"
    with concurrent.futures.ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        jobs = [pool.submit(check_target, t, a.split(","), entries, headers, probes)
                for t, a in specs]
        for job in jobs:
            failures += job.result()
    for f in failures:
        print("FAILED", f)
    print(f"{len(specs)} targets checked against {len(layers)} layers, {len(failures)} failures")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
