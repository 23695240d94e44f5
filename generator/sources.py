"""Find the site's input files: content documents, assets beside them, static files, templates."""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from generator.errors import Problem

CONTENT_KINDS = ("case-studies", "practices", "services", "pages")


def is_ignored(name: str) -> bool:
    """Editor swap/backup/temp files and hidden files never count as site input."""
    return (name.startswith((".", "#", "~")) or name.endswith(("~", ".swp", ".swx", ".swo",
            ".tmp", ".bak", ".part", ".crdownload")) or name == "4913" or name == "Thumbs.db")


@dataclass(frozen=True, slots=True)
class Source:
    """One input file, read once: its site-relative path, bytes' fingerprint and text."""

    kind: str          # "case-studies" | "practices" | "services" | "pages"
    rel: str           # posix path relative to the site folder, e.g. content/pages/about.md
    text: str
    fingerprint: str


@dataclass(frozen=True, slots=True)
class Asset:
    """A file copied or processed as is (static/, images beside content)."""

    rel: str           # relative to the site folder
    out: str           # output path relative to the output folder
    fingerprint: str


def fingerprint(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def walk(root: Path) -> list[Path]:
    """Every regular file under root, sorted, skipping ignored names; symlinked folders are not
    followed, so a symlink loop cannot hang the build."""
    found: list[Path] = []
    if not root.is_dir():
        return found
    for folder, dirs, files in os.walk(root, followlinks=False):
        dirs[:] = sorted(d for d in dirs if not is_ignored(d))
        for name in files:
            if not is_ignored(name):
                found.append(Path(folder) / name)
    return sorted(found)


def read_sources(site_dir: Path) -> tuple[list[Source], list[Asset], list[Problem]]:
    """Read content/ (Markdown documents and the images beside them) and static/."""
    sources: list[Source] = []
    assets: list[Asset] = []
    problems: list[Problem] = []
    content = site_dir / "content"
    for path in walk(content):
        rel = path.relative_to(site_dir).as_posix()
        data = _read(path, rel, problems)
        if data is None:
            continue
        parts = path.relative_to(content).parts
        if path.suffix.lower() == ".md":
            if len(parts) != 2 or parts[0] not in CONTENT_KINDS:
                problems.append(Problem(rel, None, "Markdown file outside the content folders",
                                        f"move it into content/<kind>/ where kind is one of "
                                        f"{', '.join(CONTENT_KINDS)}", severity="warning"))
                continue
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError as exc:
                problems.append(Problem(rel, None, f"not UTF-8 text (invalid byte at offset "
                                        f"{exc.start})", "re-save the file as UTF-8 in your "
                                        "editor (\"Save with encoding\")"))
                continue
            sources.append(Source(parts[0], rel, text, fingerprint(data)))
        else:
            assets.append(Asset(rel, rel.removeprefix("content/"), fingerprint(data)))
    for path in walk(site_dir / "static"):
        rel = path.relative_to(site_dir).as_posix()
        data = _read(path, rel, problems)
        if data is not None:
            assets.append(Asset(rel, rel.removeprefix("static/"), fingerprint(data)))
    return sources, assets, problems


def _read(path: Path, rel: str, problems: list[Problem]) -> bytes | None:
    try:
        return path.read_bytes()
    except PermissionError:
        problems.append(Problem(rel, None, "permission denied reading this file",
                                f"make it readable: chmod u+r '{rel}'"))
    except OSError as exc:
        problems.append(Problem(rel, None, f"cannot read this file: {exc.strerror}",
                                "check that it exists and is not a broken symlink"))
    return None
