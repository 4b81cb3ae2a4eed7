"""Build-time inventory helpers for toolchain/python/build.sh.

Run with the native build Python (same CPython version as the WASI build):

  inventory.py builtins CONFIG_C
      Module names in the generated Modules/config.c _PyImport_Inittab, one a line.
  inventory.py wasm-imports WASM [--only MODULE]
      Imports of a wasm binary ("module.field kind"); with --only, exit 1 if any import
      comes from another module (i.e. the link left something undefined).
  inventory.py unavailable --makefile MK --pyconfig H --builtins FILE --stdlib DIR
               --frozen FROZEN_C --setup-py SETUP_PY
      Report of the stdlib modules that cannot work in this build, derived from the
      build's own outputs (see the header the report prints).
"""

import argparse
import ast
import os
import re
import sys


# --------------------------------------------------------------------------- builtins

def inittab_names(config_c):
    text = open(config_c, encoding="utf-8").read()
    start = text.index("_PyImport_Inittab[]")
    body = text[start:text.index("};", start)]
    return sorted(set(re.findall(r'\{\s*"([^"]+)"\s*,', body)))


def cmd_builtins(args):
    for name in inittab_names(args.config_c):
        print(name)


# --------------------------------------------------------------------------- wasm imports

def _leb(data, pos):
    result = shift = 0
    while True:
        byte = data[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            return result, pos


def wasm_imports(path):
    data = open(path, "rb").read()
    if data[:4] != b"\0asm":
        raise SystemExit(f"{path}: not a wasm binary")
    pos, out = 8, []
    kinds = {0: "func", 1: "table", 2: "memory", 3: "global", 4: "tag"}
    while pos < len(data):
        sec_id = data[pos]
        size, pos = _leb(data, pos + 1)
        end = pos + size
        if sec_id == 2:  # import section
            count, p = _leb(data, pos)
            for _ in range(count):
                n, p = _leb(data, p)
                module = data[p:p + n].decode()
                p += n
                n, p = _leb(data, p)
                field = data[p:p + n].decode()
                p += n
                kind = data[p]
                p += 1
                if kind == 0:
                    _, p = _leb(data, p)
                elif kind == 1:
                    p += 1
                    flags = data[p]
                    _, p = _leb(data, p + 1)
                    if flags & 1:
                        _, p = _leb(data, p)
                elif kind == 2:
                    flags = data[p]
                    _, p = _leb(data, p + 1)
                    if flags & 1:
                        _, p = _leb(data, p)
                elif kind == 3:
                    p += 2
                elif kind == 4:
                    _, p = _leb(data, p + 1)
                out.append((module, field, kinds.get(kind, str(kind))))
        pos = end
    return out


def cmd_wasm_imports(args):
    bad = 0
    for module, field, kind in wasm_imports(args.wasm):
        print(f"{module}.{field} {kind}")
        if args.only and module != args.only:
            bad += 1
    if bad:
        print(f"error: {bad} import(s) not from {args.only} (undefined symbols?)", file=sys.stderr)
        return 1
    return 0


# --------------------------------------------------------------------------- unavailable

STATE_MEANING = {
    "missing": "configure found no headers/library for it in the WASI sysroot",
    "n/a": "configure marks it not available on WASI",
    "disabled": "configure's enable condition is false (--disable-test-modules, or no usable "
                "library, e.g. sqlite3)",
    "shared-only": "no Modules/Setup.stdlib rule: only setup.py builds it, as a shared "
                   "library, which a static WASI build cannot load",
}

# Importable modules whose feature is absent. Whether a row applies is decided by the
# build's pyconfig.h: ("any-defined", MACROS) applies when one of MACROS is defined,
# ("none-defined", MACROS) when none is. The module lists name the stdlib modules that
# exist to use that feature.
LIMITS = [
    ("any-defined", ["HAVE_PTHREAD_STUBS"],
     "thread support is a stub: starting a thread raises RuntimeError",
     ["_thread", "threading", "concurrent.futures.thread", "_threading_local",
      "multiprocessing.dummy"]),
    ("none-defined", ["HAVE_FORK", "HAVE_EXECV", "HAVE_POSIX_SPAWN"],
     "no fork/exec/posix_spawn: child processes cannot be started",
     ["subprocess", "multiprocessing", "concurrent.futures.process", "pty", "_bootsubprocess",
      "webbrowser", "asyncio.subprocess"]),
    ("none-defined", ["HAVE_SOCKET", "HAVE_CONNECT", "HAVE_BIND", "HAVE_LISTEN", "HAVE_GETADDRINFO"],
     "WASI preview1 sockets: no socket()/connect()/bind()/listen()/getaddrinfo(); only "
     "sockets the host passes in as fds (accept/recv/send) work",
     ["socket", "_socket", "ssl", "socketserver", "http.client", "http.server", "urllib.request",
      "smtplib", "ftplib", "poplib", "imaplib", "nntplib", "telnetlib", "xmlrpc.client",
      "xmlrpc.server", "wsgiref.simple_server"]),
    ("none-defined", ["HAVE_SOCKETPAIR", "HAVE_PIPE"],
     "no socketpair()/pipe(): asyncio's event loop cannot create its self-pipe",
     ["asyncio", "asyncio.unix_events", "asyncio.selector_events"]),
    ("none-defined", ["HAVE_SIGACTION", "HAVE_KILL", "HAVE_ALARM", "HAVE_SETITIMER"],
     "signals are emulated (wasi-emulated-signal): no kill/alarm/setitimer/sigaction, "
     "handlers run only for raise() inside the process",
     ["signal", "_signal", "faulthandler"]),
]


def limit_applies(mode, macros, defined):
    hits = [m for m in macros if m in defined]
    return bool(hits) if mode == "any-defined" else not hits


def parse_pyconfig(path):
    defined = {}
    for line in open(path, encoding="utf-8"):
        m = re.match(r"\s*#\s*define\s+(\w+)(?:\s+(.*))?", line)
        if m:
            defined[m.group(1)] = (m.group(2) or "").strip()
    return defined


def makefile_states(path):
    states = {}
    for line in open(path, encoding="utf-8"):
        m = re.match(r"MODULE_(\w+)_STATE=(\S*)", line)
        if m:
            states[m.group(1).lower()] = m.group(2)
    return states


def stdlib_modules(root):
    """Map module name -> (path, is_package) for every .py file under root."""
    mods = {}
    for dirpath, dirnames, filenames in os.walk(root):
        rel = os.path.relpath(dirpath, root)
        if rel != "." and "__init__.py" not in filenames:
            dirnames[:] = []   # not a package (site-packages, lib-dynload, ...)
            continue
        dirnames[:] = [d for d in dirnames if d != "__pycache__"]
        pkg = [] if rel == "." else rel.split(os.sep)
        for f in filenames:
            if not f.endswith(".py"):
                continue
            if f == "__init__.py":
                if pkg:
                    mods[".".join(pkg)] = (os.path.join(dirpath, f), True)
            else:
                mods[".".join(pkg + [f[:-3]])] = (os.path.join(dirpath, f), False)
    return mods


def unconditional_imports(name, path, is_pkg, known):
    """Modules imported by top-level statements that always run (not in try/if/def)."""
    try:
        tree = ast.parse(open(path, "rb").read(), path)
    except SyntaxError:
        return set()
    package = name if is_pkg else name.rpartition(".")[0]
    needed = set()

    def add(mod):
        parts = mod.split(".")
        for i in range(1, len(parts) + 1):
            needed.add(".".join(parts[:i]))

    for node in tree.body:
        if isinstance(node, ast.Import):
            for alias in node.names:
                add(alias.name)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".") if package else []
                if node.level > 1:
                    base = base[:len(base) - (node.level - 1)]
                mod = ".".join(base + ([node.module] if node.module else []))
            else:
                mod = node.module
            if not mod:
                continue
            add(mod)
            for alias in node.names:       # "from pkg import submodule"
                sub = f"{mod}.{alias.name}"
                if sub in known:
                    add(sub)
    needed.discard(name)
    return needed


def frozen_names(frozen_c):
    """Names in Python/frozen.c's tables (frozen modules and aliases such as os.path)."""
    text = open(frozen_c, encoding="utf-8").read()
    return set(re.findall(r'^\s*\{"([^"]+)",', text, re.M))


def setup_py_extensions(setup_py):
    """Extension names setup.py knows (it builds shared modules only, never on WASI)."""
    text = "\n".join(l for l in open(setup_py, encoding="utf-8")
                     if not l.lstrip().startswith("#"))
    names = set(re.findall(r"""Extension\(\s*['"]([\w.]+)['"]""", text))
    return names - {"_dummy"}   # setup()'s placeholder, not a module


def cmd_unavailable(args):
    states = makefile_states(args.makefile)
    pyconfig = parse_pyconfig(args.pyconfig)
    builtins = set(open(args.builtins).read().split())
    stdlib = stdlib_modules(args.stdlib)

    rows = []  # (module, category, detail)
    unavailable = {}
    for mod, state in sorted(states.items()):
        if state != "yes" and mod not in builtins:
            unavailable[mod] = state
            rows.append((mod, f"extension:{state}", STATE_MEANING.get(state, state)))
    for mod in sorted(setup_py_extensions(args.setup_py) - builtins - set(states)):
        unavailable[mod] = "shared-only"
        rows.append((mod, "extension:shared-only", STATE_MEANING["shared-only"]))

    # Pure-Python modules that cannot import: an unconditional top-level import of a
    # module that is neither built in nor in the installed stdlib (transitively).
    # __main__ always exists at run time (the embedder's or runpy's main module).
    available = builtins | set(stdlib) | frozen_names(args.frozen) | {"__main__"}
    deps = {m: unconditional_imports(m, p, pkg, stdlib) for m, (p, pkg) in stdlib.items()}
    for m in stdlib:   # a submodule needs its parent package
        if "." in m:
            deps[m].add(m.rpartition(".")[0])
    broken = {}
    changed = True
    while changed:
        changed = False
        for m, needs in deps.items():
            if m in broken:
                continue
            for d in sorted(needs):
                if d not in available or d in broken:
                    broken[m] = d
                    changed = True
                    break
    for m in sorted(broken):
        d = broken[m]
        why = f"imports {d}" + (" (unavailable)" if d in unavailable or d in broken
                                else " (not in this build)")
        rows.append((m, "import-fails", why))

    seen = {r[0] for r in rows}
    for mode, macros, text, mods in LIMITS:
        if not limit_applies(mode, macros, pyconfig):
            continue
        why = ("defined: " if mode == "any-defined" else "undefined: ") + " ".join(macros)
        text = f"{text} (pyconfig.h {why})"
        for m in mods:
            top = m.split(".")[0]
            if m in seen or (top not in available and m not in available):
                continue
            rows.append((m, "limited", text))
            seen.add(m)

    print("# Stdlib modules that cannot (fully) work in this wasm32-wasi CPython build.")
    print("# Generated by toolchain/python/build.sh from the build's own outputs:")
    print("#   extension:STATE  C extension not built; STATE is configure's MODULE_*_STATE in the")
    print("#                    Makefile (missing = no library in the WASI sysroot, n/a = not")
    print("#                    available on WASI, disabled = turned off for this build), or")
    print("#                    shared-only = only setup.py knows it (shared builds only)")
    print("#   import-fails     pure-Python module whose unconditional top-level imports need a")
    print("#                    module that is neither built in, frozen, nor in lib/python3.11")
    print("#   limited          importable, but the feature is absent (condition from pyconfig.h)")
    print("# Columns (tab-separated): module, category, detail")
    for row in rows:
        print("\t".join(row))


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("builtins")
    p.add_argument("config_c")
    p.set_defaults(func=cmd_builtins)
    p = sub.add_parser("wasm-imports")
    p.add_argument("wasm")
    p.add_argument("--only")
    p.set_defaults(func=cmd_wasm_imports)
    p = sub.add_parser("unavailable")
    p.add_argument("--makefile", required=True)
    p.add_argument("--pyconfig", required=True)
    p.add_argument("--builtins", required=True)
    p.add_argument("--stdlib", required=True)
    p.add_argument("--frozen", required=True, help="the build's Python/frozen.c")
    p.add_argument("--setup-py", required=True, help="the source tree's setup.py")
    p.set_defaults(func=cmd_unavailable)
    args = ap.parse_args()
    sys.exit(args.func(args) or 0)


if __name__ == "__main__":
    main()
