"""The project's imports as a graph, and the layers' rules, read from the source (nothing imported).

Every import counts: at the top of a module, inside a function, under TYPE_CHECKING, relative
(`from ..storage import queries`), and `importlib.import_module("storage.queries")` or
`__import__("storage.queries")` with a literal name. tests/test_layers.py runs these on the
tree, and on copies of it with a forbidden import added, to see them fail.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

OURS = ("bot", "storage")

# Which layer a module is in: the longest prefix that names it. Each adapter is a layer of
# its own, so that one adapter importing another is an import across layers.
ADAPTERS = ("bot.slack", "bot.discord", "bot.console", "bot.web", "bot.sources")
WIRING = ("bot.app", "bot.cli", "bot.platforms", "bot.script", "bot.__main__")
LAYERS = {
    "bot.domain": "domain",
    "bot.settings": "config",
    "bot.access": "config",
    "bot.extras": "config",  # which optional parts are installed: asked from any layer
    "storage": "storage",
    "bot.notify": "notify",
    "bot.commands": "commands",
    **{adapter: adapter.removeprefix("bot.") for adapter in ADAPTERS},
    **{module: "wiring" for module in WIRING},
}
ADAPTER_LAYERS = frozenset(adapter.removeprefix("bot.") for adapter in ADAPTERS)

# The decided order, as what each layer may import of ours (its own modules always): the
# domain nothing; the settings the domain; storage the domain and the settings; notify
# storage; commands notify; adapters the commands and notify, never storage, never another
# adapter, never the wiring; the wiring anything. commands may import notify, never the
# other way round.
MAY_IMPORT = {
    "domain": frozenset(),
    "config": frozenset({"domain"}),
    "storage": frozenset({"domain", "config"}),
    "notify": frozenset({"domain", "config", "storage"}),
    "commands": frozenset({"domain", "config", "storage", "notify"}),
    **{
        adapter: frozenset({"domain", "config", "notify", "commands"}) for adapter in ADAPTER_LAYERS
    },
}

# Libraries that talk to a platform or the network: only adapters (and the wiring) use them.
NETWORK = ("aiohttp", "slack_sdk", "slack_bolt", "discord", "httpx", "requests", "socket")
# The standard library's I/O (files, processes, sockets, event loops, the environment): the
# domain is pure, so none of it. Its only library is the standard library.
STDLIB_IO = (
    "asyncio",
    "concurrent",
    "ftplib",
    "getpass",
    "http",
    "imaplib",
    "io",
    "multiprocessing",
    "os",
    "pathlib",
    "poplib",
    "selectors",
    "shutil",
    "signal",
    "smtplib",
    "socket",
    "socketserver",
    "sqlite3",
    "ssl",
    "subprocess",
    "sys",
    "tempfile",
    "threading",
    "urllib.request",
    "webbrowser",
    "xmlrpc",
)
THIRD_PARTY_REFUSED = {
    "domain": ("",),  # any library outside the standard library
    "storage": NETWORK,
    "notify": NETWORK,
    "commands": NETWORK,
    **{adapter: ("sqlalchemy",) for adapter in ADAPTER_LAYERS},
}


@dataclass(frozen=True)
class Import:
    """One import a module makes: the module it names (resolved) and the line it is on."""

    name: str
    line: int


@dataclass(frozen=True)
class Module:
    """One source file: its dotted name, whether it is a package, and what it imports."""

    name: str
    path: Path
    is_package: bool
    imports: tuple[Import, ...]


def under(name: str, *prefixes: str) -> bool:
    """Say whether `name` is one of `prefixes` or inside one of them ("" is under anything)."""
    return any(not p or name == p or name.startswith(p + ".") for p in prefixes)


def module_name(root: Path, path: Path) -> tuple[str, bool]:
    """Return a file's dotted module name, and whether it is a package's __init__."""
    parts = path.relative_to(root).with_suffix("").parts
    if parts[-1] == "__init__":
        return ".".join(parts[:-1]), True
    return ".".join(parts), False


def _base(name: str, is_package: bool, level: int) -> str:
    """Return the package a relative import of `level` dots starts from."""
    package = name if is_package else name.rpartition(".")[0]
    for _ in range(level - 1):
        package = package.rpartition(".")[0]
    return package


def _literal_import(node: ast.Call) -> tuple[str, str | None] | None:
    """Return (name, package) of `import_module("x")` or `__import__("x")` with literals."""
    func = node.func
    called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
    if called not in ("import_module", "__import__") or not node.args:
        return None
    first = node.args[0]
    if not isinstance(first, ast.Constant) or not isinstance(first.value, str):
        return None
    package = None
    if called == "import_module" and len(node.args) > 1:
        second = node.args[1]
        if isinstance(second, ast.Constant) and isinstance(second.value, str):
            package = second.value
    return first.value, package


def _named(
    tree: ast.AST, name: str, is_package: bool
) -> Iterator[tuple[str, tuple[str, ...], int]]:
    """Yield (module, names imported from it, line) for every import in a parsed module."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, (), node.lineno
        elif isinstance(node, ast.ImportFrom):
            base = _base(name, is_package, node.level) if node.level else ""
            module = ".".join(part for part in (base, node.module or "") if part)
            yield module, tuple(alias.name for alias in node.names), node.lineno
        elif isinstance(node, ast.Call):
            found = _literal_import(node)
            if found is not None:
                target, package = found
                if target.startswith(".") and package is not None:
                    dots = len(target) - len(target.lstrip("."))
                    target = ".".join(
                        p for p in (_base(package, True, dots), target.lstrip(".")) if p
                    )
                yield target, (), node.lineno


@cache
def _imports_in(
    text: str, name: str, is_package: bool
) -> tuple[tuple[str, tuple[str, ...], int], ...]:
    """Return what a module's source imports (see _named), parsed once per text: the tests
    on copies of the tree change one module of about 240, and parsing them all took 1 s."""
    return tuple(_named(ast.parse(text), name, is_package))


def parse_tree(root: Path) -> dict[str, Module]:
    """Read every module of bot/ and storage/ under `root` and resolve what each imports.

    `from package import name` names the submodule `package.name` when there is one, else
    the package itself.
    """
    found: dict[str, tuple[Path, bool, str]] = {}
    for package in OURS:
        for path in sorted((root / package).rglob("*.py")):
            name, is_package = module_name(root, path)
            found[name] = (path, is_package, path.read_text(encoding="utf-8"))
    modules = {}
    for name, (path, is_package, text) in found.items():
        imports = []
        for module, names, line in _imports_in(text, name, is_package):
            submodules = [f"{module}.{n}" for n in names if f"{module}.{n}" in found]
            if len(submodules) < len(names) or not names:
                imports.append(Import(module, line))
            imports.extend(Import(sub, line) for sub in submodules)
        modules[name] = Module(name, path, is_package, tuple(imports))
    return modules


def layer_of(name: str) -> str | None:
    """Return the layer of one of our modules (None: in no layer), by its longest prefix."""
    matches = [prefix for prefix in LAYERS if under(name, prefix)]
    return LAYERS[max(matches, key=len)] if matches else None


def is_ours(name: str) -> bool:
    """Say whether a module name is of this project (bot, storage)."""
    return under(name, *OURS)


def _refusal(layer: str, target: str) -> str | None:
    """Say why `layer` may not import `target`, or None when it may."""
    if is_ours(target):
        if target in OURS:
            return None  # the bare package: every import of a module in it loads it anyway
        other = layer_of(target)
        if other is None:
            return f"{target} is in no layer"
        if other == layer or layer == "wiring" or other in MAY_IMPORT[layer]:
            return None
        return f"the {layer} layer may not import {target} ({other})"
    top = target.partition(".")[0]
    if layer == "domain" and top in sys.stdlib_module_names:
        return f"the domain is pure, and {target} does I/O" if under(target, *STDLIB_IO) else None
    if top in sys.stdlib_module_names:
        return None
    refused = THIRD_PARTY_REFUSED.get(layer, ())
    if any(under(target, library) for library in refused):
        return f"the {layer} layer may not use {target}"
    return None


def violations(modules: dict[str, Module]) -> list[str]:
    """Return every import that breaks the layers, as `module:line: why`."""
    found = []
    for module in modules.values():
        layer = layer_of(module.name)
        if layer is None:
            if module.name not in OURS:
                found.append(f"{module.name}: in no layer (add it to LAYERS)")
            continue
        for imported in module.imports:
            why = _refusal(layer, imported.name)
            if why is not None:
                found.append(f"{module.name}:{imported.line}: {why}")
    return found


def graph(modules: dict[str, Module]) -> dict[str, set[str]]:
    """Return which of our modules each of our modules imports."""
    return {
        name: {i.name for i in module.imports if i.name in modules and i.name != name}
        for name, module in modules.items()
    }


def cycles(modules: dict[str, Module]) -> list[list[str]]:
    """Return the import cycles: each strongly connected component of more than one module."""
    edges = graph(modules)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        # Tarjan's algorithm; the graph is a few hundred modules, so recursion is fine.
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for successor in sorted(edges[node]):
            if successor not in index:
                visit(successor)
                low[node] = min(low[node], low[successor])
            elif successor in on_stack:
                low[node] = min(low[node], index[successor])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found
