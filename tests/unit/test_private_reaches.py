"""No module outside ``_compat.py`` touches a private attribute of aiohttp or anyio.

A reach into a dependency's privates breaks silently the day the dependency renames it. The SDK
keeps the unavoidable ones in ``conversations_sdk/_compat.py``, each with a test in
``test_compat.py`` that fails on such a day; this test keeps new ones from appearing elsewhere.

How the check works (static, by AST, on every module of the package, after importing them all):

* **dependency names** — every name a module binds by importing aiohttp or anyio (``aiohttp``,
  ``web``, ``BlockingPortal``, ``start_blocking_portal``, ...), anywhere in the module;
* **dependency objects** — names and ``self.x`` attributes that are annotated with a type
  mentioning a dependency name, or assigned (also by ``with ... as``) from an expression rooted in
  a dependency name or in another dependency object (``self.portal = self.portal_cm.__enter__()``);
* **a reach** — ``obj._name`` (not a dunder), or ``getattr``/``setattr``/``hasattr``/``delattr``
  with a constant ``"_name"``, on a dependency name or object or an attribute chain starting at
  one; and any import from a private module of those packages (``anyio._core...``).

Limits: names are tracked per module, not per scope (a local that shares a tracked name is
treated as a dependency object: false alarms, never misses, for these patterns); objects that
arrive through a call of our own, a container or an untyped parameter are not followed; strings
built at run time are not seen. Reaches into cattrs and attrs are not checked here (they have
public APIs for everything the converter does today).
"""

from __future__ import annotations

import ast
import importlib
import pathlib
import pkgutil
from collections.abc import Iterator

import pytest

import conversations_sdk

PACKAGE = pathlib.Path(conversations_sdk.__file__).parent
DEPENDENCIES = ("aiohttp", "anyio")
ALLOWED = {PACKAGE / "_compat.py"}
_REFLECTION = {"getattr", "setattr", "hasattr", "delattr"}


def _modules() -> list[str]:
    names = [conversations_sdk.__name__]
    for info in pkgutil.walk_packages(conversations_sdk.__path__, conversations_sdk.__name__ + "."):
        if info.name.rsplit(".", 1)[1] != "__main__":  # running it would start a command
            names.append(info.name)
    return names


def _is_private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def _from_dependency(module: str | None) -> bool:
    return module is not None and module.split(".")[0] in DEPENDENCIES


def _chain(node: ast.expr) -> str | None:
    """``self.portal`` for ``self.portal``; None for anything but names and attribute chains."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        inner = _chain(node.value)
        return None if inner is None else f"{inner}.{node.attr}"
    return None


def _prefixes(chain: str) -> Iterator[str]:
    parts = chain.split(".")
    for end in range(1, len(parts) + 1):
        yield ".".join(parts[:end])


class _Reaches:
    def __init__(self, tree: ast.Module) -> None:
        self.tree = tree
        self.names: set[str] = set()  # bound by importing a dependency
        self.objects: set[str] = set()  # names and attribute chains holding dependency objects
        self.found: list[tuple[int, str]] = []

    def run(self) -> list[tuple[int, str]]:
        for node in ast.walk(self.tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    if _from_dependency(alias.name):
                        self.names.add(alias.asname or alias.name.split(".")[0])
                        self._check_module(node, alias.name)
            elif isinstance(node, ast.ImportFrom) and _from_dependency(node.module):
                self._check_module(node, node.module or "")
                for alias in node.names:
                    self.names.add(alias.asname or alias.name)
                    if _is_private(alias.name):
                        self.found.append((node.lineno, f"imports {node.module}.{alias.name}"))
        self._track()
        for node in ast.walk(self.tree):
            if isinstance(node, ast.Attribute) and _is_private(node.attr):
                if self._is_dependency(node.value):
                    self.found.append((node.lineno, f"{_chain(node) or '...'}"))
            elif (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id in _REFLECTION
                and len(node.args) >= 2
                and isinstance(node.args[1], ast.Constant)
                and isinstance(node.args[1].value, str)
                and _is_private(node.args[1].value)
                and self._is_dependency(node.args[0])
            ):
                self.found.append((node.lineno, f"{node.func.id}(..., {node.args[1].value!r})"))
        return self.found

    def _check_module(self, node: ast.stmt, module: str) -> None:
        if any(_is_private(part) for part in module.split(".")):
            self.found.append((node.lineno, f"imports the private module {module}"))

    def _is_dependency(self, node: ast.expr) -> bool:
        chain = _chain(node)
        if chain is None:
            return False
        return chain.split(".")[0] in self.names or any(p in self.objects for p in _prefixes(chain))

    def _rooted(self, node: ast.expr | None) -> bool:
        """Whether the value of ``node`` comes from a dependency (its call or attribute root)."""
        while isinstance(node, (ast.Call, ast.Await, ast.Subscript)):
            node = node.func if isinstance(node, ast.Call) else node.value
        if isinstance(node, (ast.BoolOp, ast.IfExp)):
            parts = node.values if isinstance(node, ast.BoolOp) else [node.body, node.orelse]
            return any(self._rooted(p) for p in parts)
        return node is not None and self._is_dependency(node)

    def _mentions(self, annotation: ast.expr | None) -> bool:
        if annotation is None:
            return False
        if isinstance(annotation, ast.Constant) and isinstance(annotation.value, str):
            try:
                annotation = ast.parse(annotation.value, mode="eval").body
            except SyntaxError:
                return False
        return any(
            isinstance(n, ast.Name) and n.id in self.names for n in ast.walk(annotation)
        ) or any(
            isinstance(n, ast.Constant) and isinstance(n.value, str) and self._mentions(n)
            for n in ast.walk(annotation)
            if n is not annotation
        )

    def _bind(self, target: ast.expr) -> bool:
        chain = _chain(target)
        if chain is None or chain in self.objects:
            return False
        self.objects.add(chain)
        return True

    def _track(self) -> None:
        changed = True
        while changed:  # to a fixed point: an object may come from an object tracked later
            changed = False
            for node in ast.walk(self.tree):
                if isinstance(node, ast.AnnAssign):
                    if self._mentions(node.annotation) or self._rooted(node.value):
                        changed |= self._bind(node.target)
                elif isinstance(node, ast.Assign) and self._rooted(node.value):
                    for target in node.targets:
                        changed |= self._bind(target)
                elif isinstance(node, ast.arg) and self._mentions(node.annotation):
                    changed |= self._bind(ast.Name(node.arg))
                elif isinstance(node, (ast.With, ast.AsyncWith)):
                    for item in node.items:
                        if item.optional_vars is not None and self._rooted(item.context_expr):
                            changed |= self._bind(item.optional_vars)


def reaches(source: str) -> list[tuple[int, str]]:
    """The private reaches into aiohttp and anyio in ``source``: (line, what)."""
    return _Reaches(ast.parse(source)).run()


@pytest.mark.parametrize("name", _modules())
def test_module_reaches_no_dependency_private(name: str) -> None:
    """The module imports, and touches no private attribute of aiohttp or anyio."""
    module = importlib.import_module(name)
    path = pathlib.Path(module.__file__ or "")
    if path in ALLOWED:
        pytest.skip("the one module allowed to reach into dependencies")
    found = reaches(path.read_text(encoding="utf-8"))
    assert not found, f"{path.relative_to(PACKAGE)}: move these into _compat.py: {found}"


@pytest.mark.parametrize(
    "source",
    [
        pytest.param("import aiohttp\nx = aiohttp._private", id="module-attribute"),
        pytest.param(
            "import aiohttp\nclass C:\n    def f(self):\n"
            "        self.s = aiohttp.ClientSession()\n        self.s._retry_connection = False",
            id="object-from-a-call",
        ),
        pytest.param(
            "from anyio.from_thread import start_blocking_portal\nclass C:\n    def f(self):\n"
            "        self.cm = start_blocking_portal()\n        self.p = self.cm.__enter__()\n"
            "        self.p._event_loop_thread_id = None",
            id="object-from-an-object",
        ),
        pytest.param(
            "from aiohttp import web\ndef h(request: web.Request):\n    return request._payload",
            id="annotated-parameter",
        ),
        pytest.param(
            "import anyio\nasync def f():\n    async with anyio.create_task_group() as tg:\n"
            "        tg._x",
            id="with-as",
        ),
        pytest.param(
            "import aiohttp\ns = aiohttp.ClientSession()\nsetattr(s, '_retry_connection', 0)",
            id="setattr",
        ),
        pytest.param("from anyio._core._eventloop import get_async_backend", id="private-module"),
    ],
)
def test_check_finds_reaches(source: str) -> None:
    """The check itself sees each pattern of reach it claims to see."""
    assert reaches(source)


@pytest.mark.parametrize(
    "source",
    [
        pytest.param("import aiohttp\nclass T:\n    def f(self):\n        self._s = 1", id="own"),
        pytest.param("import aiohttp\nx = aiohttp.ClientSession.__name__", id="dunder"),
        pytest.param(
            "import aiohttp\nclass T:\n    def f(self, s: aiohttp.ClientSession):\n"
            "        self.t = Transport(s)\n        self.t._own",
            id="our-object-holding-theirs",
        ),
    ],
)
def test_check_allows_our_own_privates(source: str) -> None:
    """Our own private attributes, and public or dunder ones of dependencies, are not reaches."""
    assert reaches(source) == []
