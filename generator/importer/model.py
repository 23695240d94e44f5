"""What an import produces before anything is written: pages, files, site settings, notes."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass(frozen=True, slots=True)
class Note:
    """One line of the import report: where in the source, and what happened or is needed."""

    path: str           # relative to SOURCE
    line: int | None
    message: str

    def format(self) -> str:
        return f"{self.path}:{self.line}: {self.message}" if self.line else (
            f"{self.path}: {self.message}")


@dataclass(frozen=True, slots=True)
class SourcePage:
    """A content file of the other generator, read but not yet mapped."""

    rel: str                     # relative to SOURCE, e.g. content/blog/post.md
    meta: dict[str, Any]
    body: str
    body_line: int               # the body's first line in the source file
    section: str                 # the section (Hugo/Zola) or folder/collection (Jekyll)
    name: str                    # the file's slug candidate (file name, or bundle folder)
    old_url: str                 # the URL the other generator gave it, e.g. /blog/post/
    files: tuple[tuple[str, Path], ...] = ()   # (name inside the bundle, source file)
    date_from_name: str = ""     # Jekyll `_posts` and Zola date-prefixed names
    draft: bool = False
    layout: str = ""
    index: bool = False          # a section's own page (`_index.md`, a folder's index.md)
    skip: str = ""               # why the other generator never renders it, if it does not
    path: Path | None = None     # the source file


@dataclass(frozen=True, slots=True)
class ImportedPage:
    """One casefolio content file to write: content/<kind>/<slug>.md, or a bundle when it has
    files (content/<kind>/<slug>/index.md and the files beside it)."""

    kind: str                    # case-studies | articles | pages
    slug: str
    meta: dict[str, Any]
    body: str
    source: str                  # relative to SOURCE
    old_url: str
    files: tuple[tuple[str, Path], ...] = ()

    @property
    def rel(self) -> str:
        if self.files:
            return f"content/{self.kind}/{self.slug}/index.md"
        return f"content/{self.kind}/{self.slug}.md"

    @property
    def url(self) -> str:
        return f"/{self.slug}/" if self.kind == "pages" else f"/{self.kind}/{self.slug}/"


@dataclass(slots=True)
class Notes:
    """What the report lists, collected as the import goes."""

    converted: list[Note] = field(default_factory=list)
    human: list[Note] = field(default_factory=list)
    warnings: list[Note] = field(default_factory=list)
    skipped: list[Note] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class ImportedSite:
    """Everything one import writes, decided before the first byte is written."""

    generator: str
    settings: dict[str, Any]
    pages: tuple[ImportedPage, ...]
    static: tuple[tuple[str, Path], ...]      # (path under static/, source file)
    notes: Notes
    redirects: tuple[tuple[str, str], ...] = ()  # (old list URL, new list URL): a page each


@dataclass(frozen=True, slots=True)
class Discovered:
    """What a generator module reads from SOURCE, in the other generator's terms."""

    settings: dict[str, Any]                  # casefolio site.yaml fields found in the config
    navigation: tuple[tuple[str, str], ...]   # (label, old URL), in menu order
    pages: tuple[SourcePage, ...]
    static: tuple[tuple[str, Path], ...]      # (path under static/, source file)
    static_roots: tuple[Path, ...]            # where `/img/x.png` is looked up
    old_site: str = ""                        # the old base URL, to recognise absolute links
    redirects: tuple[tuple[str, str], ...] = ()  # the old host's (from, to) path redirects


def table(value: Any) -> dict[str, Any]:
    """A mapping read from an old site's configuration or front matter, or {} if it is not."""
    return value if isinstance(value, dict) else {}
