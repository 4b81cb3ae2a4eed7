"""What a Flask app's endpoints need: the project's own modules (followed through every import,
absolute and relative) and, per view, the modules it uses, so that a view needing a module
CPython for WASI lacks is known before anything is uploaded."""
import ast
import dataclasses
import importlib.util
import inspect
import pathlib
import sys
import types


@dataclasses.dataclass
class GuestPython:
    """What the server's Python home offers (GET /v1/python)."""
    unavailable: frozenset  # standard library modules CPython for WASI lacks
    site_packages: frozenset  # top-level names of its site-packages and Wasmlet's guest modules


@dataclasses.dataclass
class Endpoint:
    name: str
    rules: list  # werkzeug Rule objects
    missing: dict  # module -> why it cannot be imported in a Faaslet; empty when deployable


@dataclasses.dataclass
class AppInfo:
    module: str
    attr: str
    app: object
    root: pathlib.Path
    files: dict  # path in the package -> absolute path on this machine
    endpoints: list
    stubbed: list  # modules the project imports that a Faaslet lacks (stubbed there)


def project_root(module):
    """The directory the app's top-level package (or module) lives in."""
    path = pathlib.Path(module.__file__).resolve()
    depth = module.__name__.count(".") + (1 if path.name == "__init__.py" else 0)
    root = path.parent
    for _ in range(depth):
        root = root.parent
    return root


class Project:
    """The modules under a project root and the imports between them."""

    def __init__(self, root):
        self.root = root
        self.modules = {}  # dotted name -> source file
        self.external = {}  # dotted name -> set of project modules importing it
        self._imports = {}
        self._tops = None

    def tops(self):
        """The top-level names of the project's modules (computed once the project is whole)."""
        if self._tops is None:
            self._tops = frozenset(name.split(".")[0] for name in self.modules)
        return self._tops

    def file_of(self, name):
        base = self.root.joinpath(*name.split("."))
        if (base / "__init__.py").is_file():
            return base / "__init__.py"
        if base.with_suffix(".py").is_file():
            return base.with_suffix(".py")
        return None

    def is_package(self, name):
        return self.root.joinpath(*name.split(".")).is_dir()

    def add(self, name):
        """Adds a module and, recursively, the project modules it imports."""
        pending = [name]
        while pending:
            name = pending.pop()
            if name in self.modules:
                continue
            path = self.file_of(name)
            if path is None:
                continue
            self.modules[name] = path
            self._tops = None
            parent = name.rpartition(".")[0]
            if parent:
                pending.append(parent)
            for target in self.imports_of(name):
                if self.file_of(target) is not None:
                    pending.append(target)
                elif not self.is_package(target) and not self._inside(target):
                    self.external.setdefault(target, set()).add(name)

    def _inside(self, name):
        """A name under one of the project's packages that is not a module there: an attribute
        (`from .lib import helper` where helper is a function)."""
        parent = name.rpartition(".")[0]
        return bool(parent) and (self.file_of(parent) is not None or self.is_package(parent))

    def imports_of(self, name):
        if name not in self._imports:
            self._imports[name] = _imports_in(self.file_of(name), name,
                                              self.file_of(name).name == "__init__.py")
        return self._imports[name]

    def closure(self, names):
        """Every module (project or not) that importing `names` imports."""
        seen, pending = set(), list(names)
        while pending:
            name = pending.pop()
            if name in seen:
                continue
            seen.add(name)
            if self.file_of(name) is not None:
                pending.extend(self.imports_of(name))
                parent = name.rpartition(".")[0]
                if parent:
                    pending.append(parent)
        return seen


def _resolve(module, level, name, is_package):
    if level == 0:
        return name
    package = module if is_package else module.rpartition(".")[0]
    parts = package.split(".") if package else []
    if level - 1 > len(parts):
        return None
    base = parts[:len(parts) - (level - 1)]
    return ".".join(base + ([name] if name else []))


def _imports_in(path, module, is_package):
    """The modules a source file imports anywhere (top level or inside functions), with
    `from X import y` giving both X and X.y (y may be a submodule)."""
    try:
        tree = ast.parse(path.read_bytes(), str(path))
    except SyntaxError:
        return []
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                parts = alias.name.split(".")
                found.extend(".".join(parts[:i]) for i in range(1, len(parts) + 1))
        elif isinstance(node, ast.ImportFrom):
            base = _resolve(module, node.level, node.module or "", is_package)
            if base is None:
                continue
            if base:
                found.append(base)
            found.extend((base + "." if base else "") + a.name for a in node.names if a.name != "*")
    return found


def _code_objects(code):
    yield code
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            yield from _code_objects(const)


def _imported_by_code(code, module, is_package):
    """Modules a function imports in its body (IMPORT_NAME with its level)."""
    import dis
    names = []
    for c in _code_objects(code):
        level = 0
        for ins in dis.get_instructions(c):
            if ins.opname == "LOAD_CONST" and isinstance(ins.argval, int):
                level = ins.argval
            elif ins.opname == "IMPORT_NAME":
                resolved = _resolve(module, level, ins.argval, is_package)
                if resolved:
                    names.append(resolved)
    return names


def modules_used_by(fn, project, limit=200):
    """The modules a view uses: those it imports, and the modules of the globals it names
    (followed into the project's own functions it calls)."""
    used, seen, pending = set(), set(), [fn]
    while pending and len(seen) < limit:
        fn = inspect.unwrap(pending.pop())
        code = getattr(fn, "__code__", None)
        if code is None or id(fn) in seen:
            continue
        seen.add(id(fn))
        module = getattr(fn, "__module__", None) or ""
        mod_obj = sys.modules.get(module)
        is_package = bool(mod_obj and getattr(mod_obj, "__path__", None))
        used.update(_imported_by_code(code, module, is_package))
        values = []
        g = getattr(fn, "__globals__", {})
        for c in _code_objects(code):
            values.extend(g[n] for n in c.co_names if n in g)
        for cell in getattr(fn, "__closure__", None) or ():
            try:
                values.append(cell.cell_contents)
            except ValueError:
                pass
        for value in values:
            if isinstance(value, types.ModuleType):
                used.add(value.__name__)
                continue
            owner = getattr(value, "__module__", None)
            if isinstance(owner, str):
                used.add(owner)
                if owner.split(".")[0] in project.tops() and callable(value):
                    pending.append(value)
    return used


def _stdlib_unavailable(name, guest, depth=0):
    """Whether importing a standard library module needs one CPython for WASI lacks: its own
    name, or one its source imports unconditionally at top level."""
    if name in guest.unavailable or name.split(".")[0] in guest.unavailable:
        return name
    if depth > 4:
        return None
    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.origin or not spec.origin.endswith(".py"):
        return None
    try:
        tree = ast.parse(pathlib.Path(spec.origin).read_bytes())
    except (OSError, SyntaxError):
        return None
    for node in tree.body:  # only unconditional top-level imports: no try, no if
        targets = []
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            targets = [node.module]
        for target in targets:
            if target.split(".")[0] in sys.stdlib_module_names:
                found = _stdlib_unavailable(target, guest, depth + 1)
                if found:
                    return found
    return None


def why_unavailable(name, project, guest):
    """None when a Faaslet can import `name`, else the reason."""
    top = name.split(".")[0]
    if top in project.tops() or project.file_of(name) is not None:
        return None
    if top in sys.stdlib_module_names:
        lacking = _stdlib_unavailable(name, guest)
        if lacking is None:
            return None
        return "needs '%s', which CPython for WASI lacks" % lacking
    if top in guest.site_packages:
        return None
    return "not in the server's Python home (a library Wasmlet does not ship)"


def _data_dirs(app):
    """Template and static folders of the app and its blueprints."""
    owners = [app] + list(getattr(app, "blueprints", {}).values())
    for owner in owners:
        root = getattr(owner, "root_path", None)
        for attr in ("template_folder", "static_folder"):
            folder = getattr(owner, attr, None)
            if root and folder:
                path = pathlib.Path(root, folder)
                if path.is_dir():
                    yield path


def load_app(spec):
    """The Flask app of MODULE:APP (APP defaults to `app`)."""
    module_name, _, attr = spec.partition(":")
    module = importlib.import_module(module_name)
    app = getattr(module, attr or "app", None)
    if app is None or not hasattr(app, "url_map"):
        raise LookupError("module '%s' has no Flask app '%s'" % (module_name, attr or "app"))
    return app


def analyse(spec, guest):
    """Imports MODULE:APP on this machine and works out what each endpoint needs."""
    module_name, _, attr = spec.partition(":")
    attr = attr or "app"
    before = set(sys.modules)
    app = load_app(spec)
    module = sys.modules[module_name]
    root = project_root(module)
    project = Project(root)
    project.add(module_name)
    # What importing the app imported from the project, also through importlib calls.
    for name in set(sys.modules) - before:
        loaded = sys.modules[name]
        path = getattr(loaded, "__file__", None)
        if path and pathlib.Path(path).resolve().is_relative_to(root) and path.endswith(".py"):
            project.add(name)

    files = {}
    for name, path in project.modules.items():
        files[str(path.relative_to(root))] = path
    for folder in _data_dirs(app):
        resolved = folder.resolve()
        if not resolved.is_relative_to(root):
            continue
        for path in resolved.rglob("*"):
            if path.is_file() and "__pycache__" not in path.parts:
                files[str(path.relative_to(root))] = path

    stubbed = sorted(n for n in project.external if why_unavailable(n, project, guest))
    by_endpoint = {}
    for rule in app.url_map.iter_rules():
        by_endpoint.setdefault(rule.endpoint, []).append(rule)
    endpoints = []
    for name, rules in sorted(by_endpoint.items()):
        view = app.view_functions.get(name)
        missing = {}
        if view is not None:
            used = modules_used_by(view, project)
            own = getattr(inspect.unwrap(view), "__module__", "")
            helpers = [m for m in used if m != own]
            for dep in sorted(project.closure(helpers) | set(used)):
                reason = why_unavailable(dep, project, guest)
                if reason and not any(dep.startswith(m + ".") for m in missing):
                    missing[dep] = reason
        endpoints.append(Endpoint(name, rules, missing))
    return AppInfo(module_name, attr, app, root, files, endpoints, stubbed)
