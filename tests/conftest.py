"""Shared fixtures: build temp sites from dicts of files (MkDocs' tempdir(files=...) idea)."""

from __future__ import annotations

import atexit
import shutil
import tempfile
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent

SITE_YAML = """\
title: Test Consultancy
base_url: https://example.com/
niches:
  ecommerce: {name: E-commerce, pitch: We grow stores.}
  pools: {name: Pool construction}
call_to_action: {label: Book a call, url: "https://cal.com/x"}
navigation:
  - {label: Case studies, url: /case-studies/}
"""

CASE = """\
---
title: {title}
date: 2025-03-14
summary: A summary.
client: Acme
niche: ecommerce
services: [retainer]
practices: [landing#one-goal]
tags: [checkout]
metrics:
  - {{label: Conversion rate, before: 2.1, after: 2.9, unit: "%"}}
---
Body of {title}.
"""

PRACTICES = """\
---
title: Landing pages
summary: Practices.
---
Intro.

## One goal per page {#one-goal}
Why.

## Social proof next to the button
How.
"""

SERVICE = """\
---
title: Retainer
summary: Flat fee.
niches: [ecommerce]
price: {amount: 4500, currency: USD, per: month}
---
What you get.
"""


def write_files(root: Path, files: dict[str, str | bytes]) -> Path:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(textwrap.dedent(text) if text.startswith("\n") else text,
                            encoding="utf-8")
    return root


def minimal_files() -> dict[str, str | bytes]:
    return {
        "site.yaml": SITE_YAML,
        "content/case-studies/acme.md": CASE.format(title="Acme checkout"),
        "content/practices/landing.md": PRACTICES,
        "content/services/retainer.md": SERVICE,
        "content/pages/about.md": "---\ntitle: About\nsummary: Who we are.\nmenu: true\n---\nUs.\n",
    }


@pytest.fixture
def make_site(tmp_path: Path) -> Callable[..., Path]:
    """make_site({...}) -> a site folder with the minimal site plus/overridden by the files."""
    def make(files: dict[str, str | bytes | None] | None = None, *, minimal: bool = True,
             name: str = "site") -> Path:
        merged: dict[str, str | bytes | None] = {**(minimal_files() if minimal else {}),
                                                 **(files or {})}
        root = tmp_path / name
        write_files(root, {k: v for k, v in merged.items() if v is not None})
        return root
    return make


EXAMPLE_PARTS = ("content", "static", "templates")
_warm: list[Path] = []


def warm_example_cache() -> Path:
    """The `.casefolio/` of one build of the example site, made once per test session.

    Encoded images and compiled templates are content-addressed and sealed, so a warm copy
    builds the same bytes as a cold one (tests prove that elsewhere); reusing them spares every
    test that builds the example site the same seconds of image encoding. The build memo
    (`cache/`) is left out: a copied site starts with no memory of earlier builds.
    """
    if not _warm:
        from generator.build import build_to  # late: importing conftest must stay cheap

        root = Path(tempfile.mkdtemp(prefix="casefolio-warm-"))
        atexit.register(shutil.rmtree, root, ignore_errors=True)
        site = root / "site"
        site.mkdir()
        shutil.copy(REPO / "site.yaml", site / "site.yaml")
        for folder in EXAMPLE_PARTS:
            if (REPO / folder).is_dir():
                shutil.copytree(REPO / folder, site / folder)
        build_to(site, root / "out")
        _warm.append(site / ".casefolio")
    return _warm[0]


def copy_example(dest: Path, *, warm: bool = True) -> Path:
    """The repository's example site copied into dest (created), safe to edit; with warm, its
    encoded images and compiled templates come along (see warm_example_cache)."""
    dest.mkdir(parents=True)
    shutil.copy(REPO / "site.yaml", dest / "site.yaml")
    for folder in EXAMPLE_PARTS:
        if (REPO / folder).is_dir():
            shutil.copytree(REPO / folder, dest / folder)
    if warm:
        cache = warm_example_cache()
        for part in cache.iterdir():
            if part.is_dir() and part.name != "cache":
                shutil.copytree(part, dest / ".casefolio" / part.name)
    return dest


@pytest.fixture
def example_site(tmp_path: Path) -> Path:
    """A copy of the repository's example site, safe to edit (images already encoded)."""
    return copy_example(tmp_path / "example")


@pytest.fixture
def cold_example_site(tmp_path: Path) -> Path:
    """A copy of the repository's example site with nothing cached."""
    return copy_example(tmp_path / "example", warm=False)
