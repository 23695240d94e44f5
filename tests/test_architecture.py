"""Data flows one way: a module never imports one from a later stage (STYLE.md).

The stages are the folders (and the few top-level modules) of generator/, in pipeline order.
"""

from __future__ import annotations

import ast
import functools
import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO

PACKAGE = REPO / "generator"

# Earlier stages first. A module may import its own part and the parts of earlier levels only;
# parts on one level do not import each other.
LAYERS: list[tuple[str, ...]] = [
    ("errors", "pickling"), ("workers", "seal"), ("console",), ("content",), ("brand",), ("config",), ("model",),
    ("images",), ("kinds",), ("published_files",), ("site",), ("output",), ("parallel",),
    ("incremental",), ("editor",), ("cache_saver",), ("build",),
    ("check", "serve", "scaffold", "importer", "deploy"), ("cli",),
]
# The longest chain of imports between generator's modules, counted in modules (at run time).
# 15 since kinds/: site -> kinds.registry -> kinds.<kind> -> kinds.index -> images (was 13,
# with site -> images directly); 16 since the records' modules import generator/pickling.py,
# a leaf with nothing below it.
MAX_DEPTH = 16


def module_name(path: Path) -> str:
    parts = path.relative_to(REPO).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def is_module(name: str) -> bool:
    path = REPO.joinpath(*name.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def imports_of(path: Path, typing_only: bool = True) -> set[str]:
    """The generator modules `path` imports, anywhere in it (functions too); without
    `typing_only`, not those under `if TYPE_CHECKING:` (never imported when running)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip = set() if typing_only else {
        id(inner) for node in ast.walk(tree) if isinstance(node, ast.If)
        and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING"
        for inner in ast.walk(node)}
    found = set()
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.ImportFrom) and node.module and (
                node.module == "generator" or node.module.startswith("generator.")):
            for alias in node.names:
                sub = f"{node.module}.{alias.name}"
                found.add(sub if is_module(sub) else node.module)
        elif isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("generator.")}
    return found - {"generator"}


@functools.cache
def graph(typing_only: bool = True) -> dict[str, frozenset[str]]:
    return {module_name(path): frozenset(imports_of(path, typing_only))
            for path in sorted(PACKAGE.rglob("*.py")) if path.name != "__main__.py"}


def part(module: str) -> str:
    return module.split(".")[1]


def test_lower_layers_never_import_higher_ones() -> None:
    level = {name: i for i, names in enumerate(LAYERS) for name in names}
    for module, imported in graph().items():
        if module == "generator":
            continue
        assert part(module) in level, f"add {part(module)} to LAYERS in this test"
        for other in imported:
            if part(other) == part(module):
                continue
            assert level.get(part(other), -1) < level[part(module)], (
                f"{module} imports {other}, a later (or parallel) stage")


def test_no_import_cycles_and_a_ceiling_on_depth() -> None:
    edges = graph(typing_only=False)  # what runs: type-only imports make no chain
    depth: dict[str, int] = {}

    def walk(module: str, stack: tuple[str, ...]) -> int:
        assert module not in stack, "import cycle: " + " -> ".join((*stack, module))
        if module not in depth:
            depth[module] = 1 + max((walk(m, (*stack, module)) for m in edges.get(module, ())),
                                    default=0)
        return depth[module]

    deepest = max(walk(module, ()) for module in edges)
    assert deepest <= MAX_DEPTH, f"the import chain is {deepest} modules deep"


def test_help_does_not_import_heavy_machinery() -> None:
    code = ("import sys; from click.testing import CliRunner; from generator.cli import main; "
            "CliRunner().invoke(main, ['--help']); "
            "print(','.join(m for m in ('jinja2', 'markdown_it', 'pydantic', 'yaml', 'PIL') "
            "if m in sys.modules))")
    heavy = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                           check=True).stdout.strip()
    assert heavy == ""
