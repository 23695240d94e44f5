"""Reading the other generator's files: front matter in YAML, TOML or none, leniently."""

from __future__ import annotations

import datetime as dt
import os
import re
import tomllib
from pathlib import Path
from typing import Any

import yaml

from generator.content.frontmatter import normalize_text
from generator.importer.model import Note, Notes

_FENCE = re.compile(r"(---|\+\+\+)[ \t]*\n")


def read_text(path: Path) -> str | None:
    try:
        return normalize_text(path.read_bytes().decode("utf-8"))
    except (OSError, UnicodeDecodeError):
        return None


def split_front(text: str, rel: str, notes: Notes,
                ) -> tuple[dict[str, Any], str, int] | None:
    """(meta, body, body line) of a file with front matter; None when it has none or it is
    unreadable (noted)."""
    opening = _FENCE.match(text)
    if opening is None:
        return None
    fence = opening.group(1)
    pattern = r"^\+\+\+[ \t]*$" if fence == "+++" else r"^(?:---|\.\.\.)[ \t]*$"
    end = re.search(pattern, text[opening.end():], flags=re.MULTILINE)
    if end is None:
        notes.warnings.append(Note(rel, 1, "front matter is never closed: file skipped"))
        return None
    raw = text[opening.end():opening.end() + end.start()]
    rest = text[opening.end() + end.end():]
    body = rest[1:] if rest.startswith("\n") else rest
    try:
        meta = tomllib.loads(raw) if fence == "+++" else yaml.safe_load(raw)
    except (tomllib.TOMLDecodeError, yaml.YAMLError) as exc:
        line = getattr(getattr(exc, "problem_mark", None), "line", None)
        notes.warnings.append(Note(rel, line + 2 if line is not None else 1,
                                   f"front matter could not be read ({exc.__class__.__name__})"
                                   ": file skipped"))
        return None
    if meta is None:
        meta = {}
    if not isinstance(meta, dict):
        notes.warnings.append(Note(rel, 2, "front matter is not a set of fields: file skipped"))
        return None
    return meta, body, 2 + raw.count("\n") + 1


def read_config(path: Path, rel: str, notes: Notes) -> dict[str, Any]:
    text = read_text(path)
    if text is None:
        return {}
    try:
        data = tomllib.loads(text) if path.suffix == ".toml" else yaml.safe_load(text)
    except (tomllib.TOMLDecodeError, yaml.YAMLError) as exc:
        notes.warnings.append(Note(rel, None, f"could not be read ({exc}); the site settings "
                                   "are defaults"))
        return {}
    return data if isinstance(data, dict) else {}


def inside(path: Path, root: Path) -> bool:
    """Whether path, symlinks resolved, is under root: files linked from elsewhere are not
    read (an import copies the site, never what a link points at outside it)."""
    try:
        return path.resolve().is_relative_to(root.resolve())
    except (OSError, RuntimeError):
        return False


def files_under(root: Path, skip_dirs: frozenset[str] = frozenset()) -> list[Path]:
    """Every regular file under root, sorted; hidden files, symlinked folders and links to
    files outside root left out."""
    found: list[Path] = []
    if not root.is_dir():
        return found
    for folder, dirs, names in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d not in skip_dirs
                         and not Path(folder, d).is_symlink())
        for name in sorted(names):
            path = Path(folder, name)
            if path.is_symlink() and not inside(path, root):
                continue  # a link to a file elsewhere: never copied out of its place
            if not name.startswith(".") and path.is_file():
                found.append(path)
    return sorted(found)


def as_date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str) and (m := re.match(r"\s*(\d{4})-(\d{2})-(\d{2})", value)):
        try:
            return dt.date(int(m[1]), int(m[2]), int(m[3]))
        except ValueError:
            return None
    return None


def host_redirects(source: Path, notes: Notes) -> tuple[tuple[str, str], ...]:
    """The old host's path redirects, (from, to), from `netlify.toml` `[[redirects]]` and a
    `_redirects` file (Netlify, Cloudflare Pages) at the root or in static/: links written
    to a redirected URL still find their page. `/*` and `:splat` are kept as written."""
    found: list[tuple[str, str]] = []
    if (source / "netlify.toml").is_file() and inside(source / "netlify.toml", source):
        data = read_config(source / "netlify.toml", "netlify.toml", notes)
        rules = data.get("redirects")
        for rule in rules if isinstance(rules, list) else []:
            if isinstance(rule, dict) and isinstance(rule.get("from"), str) \
                    and isinstance(rule.get("to"), str):
                found.append((rule["from"], rule["to"]))
    for rel in ("_redirects", "static/_redirects"):
        text = read_text(source / rel) if inside(source / rel, source) else None
        for line in (text or "").splitlines():
            parts = line.split("#")[0].split()
            if len(parts) >= 2:
                found.append((parts[0], parts[1]))
    rules = tuple((a, b) for a, b in found if a.startswith("/") and b.startswith("/"))
    if rules:
        notes.converted.append(Note("netlify.toml, _redirects", None, f"{len(rules)} "
                                    "redirects of the old host followed to resolve links; "
                                    "keep them at your host for visitors"))
    return rules
