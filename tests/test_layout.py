"""The package keeps the layout the architecture page describes, read from its source."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import pytest

import pytest_perfgate

ROOT = Path(pytest_perfgate.__file__).parent
TOP = "pytest_perfgate"
#: The packages of the layout; "top" is the top-level modules (plugin, hooks, cli, quantities, record).
PACKAGES = (
    "top",
    "commands",
    "config",
    "gates",
    "history",
    "measure",
    "reports",
    "runtest",
    "stats",
    "verdict",
    "xdist",
)
MAX_FUNCTION_LINES = 60
MAX_DOCSTRING_LINES = 3
MUTABLE_CALLS = frozenset(
    {"list", "dict", "set", "bytearray", "defaultdict", "deque", "Counter", "OrderedDict"}
)


@dataclass
class Module:
    name: str
    path: Path
    tree: ast.Module
    #: Modules of the package imported when this one runs (``if TYPE_CHECKING:`` blocks left out).
    runtime: set[str] = field(default_factory=set)
    #: Every module of the package this one names in an import, annotations included.
    imports: set[str] = field(default_factory=set)

    @property
    def package(self) -> str:
        parts = self.name.split(".")
        in_subpackage = len(parts) > 2 or (len(parts) == 2 and self.path.name == "__init__.py")
        return parts[1] if in_subpackage else "top"

    @property
    def where(self) -> str:
        return str(self.path.relative_to(ROOT.parent))


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def type_checking_nodes(tree: ast.Module) -> set[ast.AST]:
    """The statements under ``if TYPE_CHECKING:``, which never run."""
    hidden: set[ast.AST] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for statement in node.body:
                hidden.update(ast.walk(statement))
    return hidden


def imported(module: Module, node: ast.Import | ast.ImportFrom, known: set[str]) -> set[str]:
    """The package's modules an import statement names (``from . import x`` names ``x``)."""
    if isinstance(node, ast.Import):
        return {alias.name for alias in node.names if alias.name in known}
    base = module.name.split(".")
    if node.level:
        base = base[: len(base) - node.level + (module.path.name == "__init__.py")]
        prefix = ".".join([*base, node.module] if node.module else base)
    else:
        prefix = node.module or ""
    names = set()
    for alias in node.names:
        full = f"{prefix}.{alias.name}"
        names.add(full if full in known else prefix)
    return names & known


@cache
def modules() -> dict[str, Module]:
    found = {}
    for path in sorted(ROOT.rglob("*.py")):
        name = module_name(path)
        found[name] = Module(name, path, ast.parse(path.read_text(encoding="utf-8"), str(path)))
    known = set(found)
    for module in found.values():
        hidden = type_checking_nodes(module.tree)
        for node in ast.walk(module.tree):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                names = imported(module, node, known) - {module.name}
                module.imports |= names
                if node not in hidden:
                    module.runtime |= names
    return found


def in_package(package: str) -> list[Module]:
    return [module for module in modules().values() if module.package == package]


def cycles() -> list[list[str]]:
    """Strongly connected groups of modules that import each other at run time (Tarjan)."""
    graph = {name: sorted(module.runtime) for name, module in modules().items()}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(name: str) -> None:
        index[name] = low[name] = len(index)
        stack.append(name)
        for other in graph[name]:
            if other not in index:
                visit(other)
                low[name] = min(low[name], low[other])
            elif other in stack:
                low[name] = min(low[name], index[other])
        if low[name] == index[name]:
            group = [stack.pop()]
            while group[-1] != name:
                group.append(stack.pop())
            if len(group) > 1:
                found.append(sorted(group))

    for name in graph:
        if name not in index:
            visit(name)
    return found


def packages() -> list[str]:
    """One case per package."""
    return list(PACKAGES)


def first_party(module: Module, imports: set[str]) -> list[str]:
    return sorted(name for name in imports if name.startswith(f"{TOP}.") or name == TOP)


def package_of(name: str) -> str:
    return modules()[name].package


# -- imports ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("package", packages())
def test_no_import_cycles(package: str) -> None:
    mine = {module.name for module in in_package(package)}
    assert [group for group in cycles() if mine.intersection(group)] == []


def test_record_imports_nothing_from_the_package() -> None:
    assert modules()[f"{TOP}.record"].imports == set()


def test_stats_import_only_stats() -> None:
    wrong = {
        module.where: sorted(name for name in module.imports if package_of(name) != "stats")
        for module in in_package("stats")
    }
    assert {where: names for where, names in wrong.items() if names} == {}


FORBIDDEN_BELOW = {
    # measure/ and verdict/ never reach up to the code that runs a test or wires the hooks.
    "measure": {"runtest", "plugin"},
    "verdict": {"runtest", "plugin"},
    # reports/ read records only: none of the code that measures a test or decides its verdict.
    "reports": {"runtest", "verdict"},
}


def layer(name: str) -> str:
    return "plugin" if name == f"{TOP}.plugin" else package_of(name)


@pytest.mark.parametrize(
    "package",
    [
        pytest.param("measure"),
        pytest.param("verdict"),
        pytest.param("reports"),
    ],
)
def test_arrows_point_down(package: str) -> None:
    wrong = {
        module.where: sorted(name for name in module.imports if layer(name) in FORBIDDEN_BELOW[package])
        for module in in_package(package)
    }
    assert {where: names for where, names in wrong.items() if names} == {}


def pytest_objects(tree: ast.Module, names: frozenset[str]) -> Iterator[int]:
    """Lines naming ``pytest.Config``/``pytest.Item`` (or importing them from pytest)."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr in names and ast.unparse(node.value) == "pytest":
            yield node.lineno
        elif isinstance(node, ast.ImportFrom) and node.module == "pytest":
            yield from (node.lineno for alias in node.names if alias.name in names)


@pytest.mark.parametrize(
    "package",
    [
        pytest.param("measure"),
        pytest.param("verdict"),
    ],
)
def test_no_config_or_item_below_runtest(package: str) -> None:
    wrong = {
        module.where: list(pytest_objects(module.tree, frozenset({"Config", "Item"})))
        for module in in_package(package)
    }
    assert {where: lines for where, lines in wrong.items() if lines} == {}


def private_pytest(tree: ast.Module) -> Iterator[str]:
    """``_pytest`` imports and ``config._...`` attributes, by line."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (
                f"{node.lineno}: import {a.name}" for a in node.names if a.name.split(".")[0] == "_pytest"
            )
        elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "_pytest":
            yield f"{node.lineno}: from {node.module}"
        elif isinstance(node, ast.Attribute) and node.attr.startswith("_") and not node.attr.startswith("__"):
            owner = ast.unparse(node.value)
            if owner == "config" or owner.endswith(".config"):
                yield f"{node.lineno}: {owner}.{node.attr}"


@pytest.mark.parametrize("package", packages())
def test_no_private_pytest_api(package: str) -> None:
    wrong = {module.where: list(private_pytest(module.tree)) for module in in_package(package)}
    assert {where: uses for where, uses in wrong.items() if uses} == {}


# -- size and words --------------------------------------------------------------------------------


def long_functions(tree: ast.Module) -> Iterator[str]:
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            lines = (node.end_lineno or node.lineno) - node.lineno + 1
            if lines > MAX_FUNCTION_LINES:
                yield f"{node.name} ({lines} lines)"


@pytest.mark.parametrize("package", packages())
def test_functions_under_60_lines(package: str) -> None:
    wrong = {module.where: list(long_functions(module.tree)) for module in in_package(package)}
    assert {where: names for where, names in wrong.items() if names} == {}


def docstring_lines(tree: ast.Module) -> int:
    docstring = ast.get_docstring(tree)
    return len(docstring.strip().splitlines()) if docstring else 0


@pytest.mark.parametrize(
    "package",
    packages(),
)
def test_module_docstrings_of_one_to_three_lines(package: str) -> None:
    wrong = {module.where: docstring_lines(module.tree) for module in in_package(package)}
    assert {where: lines for where, lines in wrong.items() if not 1 <= lines <= MAX_DOCSTRING_LINES} == {}


# -- state -----------------------------------------------------------------------------------------


MUTATING_METHODS = frozenset(
    {
        "append",
        "extend",
        "insert",
        "remove",
        "pop",
        "clear",
        "update",
        "setdefault",
        "add",
        "discard",
        "popitem",
    }
)


def mutated_names(tree: ast.Module) -> set[str]:
    """Names whose object the module changes in place (``x[k] = v``, ``x.append(v)``, ``x += v``, ...)."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Subscript) and isinstance(node.ctx, (ast.Store, ast.Del)):
            names.add(ast.unparse(node.value))
        elif isinstance(node, ast.AugAssign):
            names.add(ast.unparse(node.target))
        elif isinstance(node, ast.Call) and ast.unparse(node.func).rpartition(".")[2] in MUTATING_METHODS:
            names.add(ast.unparse(node.func).rpartition(".")[0])
    return names


def stateful_classes(tree: ast.Module) -> set[str]:
    """Classes of the module whose instances can change (all but frozen dataclasses)."""
    return {
        node.name
        for node in tree.body
        if isinstance(node, ast.ClassDef)
        and not any("frozen=True" in ast.unparse(decorator) for decorator in node.decorator_list)
    }


def mutable_state(tree: ast.Module) -> Iterator[str]:
    """Module-level objects the module changes, objects of its own stateful classes, ``global``
    statements and unbounded caches, by line."""
    mutated, stateful = mutated_names(tree), stateful_classes(tree)
    for statement in tree.body:
        if not isinstance(statement, (ast.Assign, ast.AnnAssign)) or statement.value is None:
            continue
        targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target]
        names = {ast.unparse(target) for target in targets}
        value = statement.value
        called = ast.unparse(value.func) if isinstance(value, ast.Call) else ""
        if names & mutated and (
            isinstance(value, (ast.List, ast.Dict, ast.Set, ast.ListComp, ast.DictComp, ast.SetComp))
            or called.split(".")[-1] in MUTABLE_CALLS
        ):
            yield f"{statement.lineno}: {', '.join(sorted(names & mutated))}, changed in place"
        elif called in stateful:
            yield f"{statement.lineno}: {', '.join(sorted(names))}, an instance of {called}"
    for node in ast.walk(tree):
        if isinstance(node, ast.Global):
            yield f"{node.lineno}: global {', '.join(node.names)}"
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for decorator in node.decorator_list:
                text = ast.unparse(decorator)
                name = ast.unparse(decorator.func if isinstance(decorator, ast.Call) else decorator)
                short = name.split(".")[-1]
                if short == "cache" or (short == "lru_cache" and "None" in text):
                    yield f"{node.lineno}: an unbounded cache on {node.name}"


@pytest.mark.parametrize(
    "package",
    packages(),
)
def test_no_module_level_mutable_state(package: str) -> None:
    wrong = {module.where: list(mutable_state(module.tree)) for module in in_package(package)}
    assert {where: found for where, found in wrong.items() if found} == {}
