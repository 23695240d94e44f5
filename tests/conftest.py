"""Shared fixtures: build temp sites from dicts of files (MkDocs' tempdir(files=...) idea)."""

from __future__ import annotations

import shutil
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


@pytest.fixture
def example_site(tmp_path: Path) -> Path:
    """A copy of the repository's example site, safe to edit."""
    root = tmp_path / "example"
    root.mkdir()
    shutil.copy(REPO / "site.yaml", root / "site.yaml")
    for folder in ("content", "static", "templates"):
        if (REPO / folder).is_dir():
            shutil.copytree(REPO / folder, root / folder)
    return root
