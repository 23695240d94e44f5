"""Data flows one way: a module never imports one from a later stage (STYLE.md)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO

# Earlier stages first. A module may import only modules listed before it.
LAYERS = [
    "errors", "frontmatter", "schema", "config", "sources", "markdown", "content", "metrics",
    "views", "images", "site", "theme", "render", "writer", "cache", "parallel", "prose", "build",
    "check", "scaffold", "watch", "server", "cli",
]


def imports_of(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith(
                "generator."):
            found.add(node.module.split(".")[1])
        elif isinstance(node, ast.Import):
            found |= {a.name.split(".")[1] for a in node.names
                      if a.name.startswith("generator.")}
    return found


def test_lower_layers_never_import_higher_ones() -> None:
    order = {name: i for i, name in enumerate(LAYERS)}
    for path in sorted((REPO / "generator").glob("*.py")):
        name = path.stem
        if name.startswith("__"):
            continue
        assert name in order, f"add generator/{name}.py to LAYERS in this test"
        for imported in imports_of(path):
            assert order.get(imported, -1) < order[name], (
                f"generator/{name}.py imports generator.{imported}, a later stage")


def test_help_does_not_import_heavy_machinery() -> None:
    code = ("import sys; from click.testing import CliRunner; from generator.cli import main; "
            "CliRunner().invoke(main, ['--help']); "
            "print(','.join(m for m in ('jinja2', 'markdown_it', 'pydantic', 'yaml', 'PIL') "
            "if m in sys.modules))")
    heavy = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                           check=True).stdout.strip()
    assert heavy == ""
