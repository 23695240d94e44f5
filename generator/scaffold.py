"""Files written for the author: a whole new site (`casefolio init`) and one new content file
from an archetype (`casefolio new`).

Light on purpose: no pydantic, Markdown or templates are imported, so `casefolio new` starts
instantly. The site's own `archetypes/<kind>.md` overrides the built-in one.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import re
import zoneinfo
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from slugify import slugify

from generator import __version__
from generator.errors import CasefolioError, Problem, did_you_mean
from generator.kinds import BUILTIN

SCAFFOLD = Path(__file__).parent / "scaffold"
ARCHETYPES = Path(__file__).parent / "archetypes"

# `casefolio new KIND` -> the content folder it writes into (a site's plugins may add kinds)
KINDS = {k.name: k.folder for k in BUILTIN}
# Package data cannot reliably hold dot-files, so they ship under plain names.
RENAMES = {"gitignore": ".gitignore"}
GITHUB_PAGES = ("github-pages.yml", ".github/workflows/pages.yml")
MAX_SLUG = 60
_PLAIN_ID = re.compile(r"^[a-z][a-z0-9_-]*$")
_PLACEHOLDER = re.compile(r"\{\{(\w+)\}\}")
# What YAML may not hold as it is (its printable set), and lone surrogates: bytes that were
# not UTF-8 in the command line.
_NOT_YAML = re.compile("[^\t\n\r\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_NOT_TEXT = re.compile("[\ud800-\udfff\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@dataclass(frozen=True, slots=True)
class NewFile:
    """What `new` wrote, and what the author should know about it."""

    path: Path
    notes: tuple[str, ...] = ()


def init_site(dest: Path, *, force: bool = False, github_pages: bool = False,
              ) -> tuple[list[Path], list[Path]]:
    """Write a site that builds at once into dest; refuse a non-empty folder unless forced,
    and even then never replace a file. Returns (written, kept)."""
    if dest.exists() and not dest.is_dir():
        raise CasefolioError([Problem(str(dest), None, "is a file, not a folder",
                                      "choose a new folder name: casefolio init my-site")])
    with _writing(dest, "choose a new folder name: casefolio init my-site"):
        full = dest.is_dir() and any(dest.iterdir())
    if full and not force:
        raise CasefolioError([Problem(str(dest), None, "the folder is not empty",
                                      "choose a new folder, or pass --force to add the "
                                      "files that are missing (existing files are kept)")])
    written, kept = [], []
    for rel, text in scaffold_files(github_pages).items():
        path = dest / rel
        if _write_new(path, text, "choose another folder: casefolio init my-site"):
            written.append(path)
        else:
            kept.append(path)
    with _writing(dest / "static", "choose another folder: casefolio init my-site"):
        (dest / "static").mkdir(exist_ok=True)
    return written, kept


def _write_new(path: Path, text: str, hint: str) -> bool:
    """Write a new file (and its folders); False when one is already there. A file in the
    way of a folder, a folder that may not be written, a name too long: a Problem."""
    with _writing(path, hint):
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            with path.open("x", encoding="utf-8") as out:
                out.write(text)
        except FileExistsError:
            return False
    return True


@contextlib.contextmanager
def _writing(path: Path, hint: str) -> Iterator[None]:
    try:
        yield
    except OSError as exc:
        where = Path(exc.filename) if isinstance(exc.filename, str) else path
        blocked = next((p for p in (where, *where.parents) if p.exists() and not p.is_dir()),
                       None)
        if isinstance(exc, FileExistsError | NotADirectoryError) and blocked is not None:
            message = f"cannot write {path}: {blocked} is a file, not a folder"
        else:
            message = f"cannot write {where}: {exc.strerror or exc}"
        raise CasefolioError([Problem(str(path), None, message, hint)]) from None


def scaffold_files(github_pages: bool = False) -> dict[str, str]:
    """The files `init` writes, by path relative to the new site, in a stable order."""
    files: dict[str, str] = {}
    for path in sorted(SCAFFOLD.rglob("*")):
        rel = path.relative_to(SCAFFOLD).as_posix()
        if not path.is_file() or "__pycache__" in rel:
            continue
        if rel == GITHUB_PAGES[0]:
            if github_pages:
                files[GITHUB_PAGES[1]] = path.read_text("utf-8").replace("{{version}}",
                                                                         __version__)
            continue
        files[RENAMES.get(rel, rel)] = path.read_text("utf-8")
    return files


def new_document(site_dir: Path, kind: str, title: str, *, niche: str | None = None,
                 slug: str | None = None, today: dt.date | None = None) -> NewFile:
    """Write content/<folder>/<slug>.md from the kind's archetype; never overwrite."""
    kinds = {name: (folder, "") for name, folder in KINDS.items()}
    if kind not in kinds and (site_dir / "site.yaml").is_file():
        kinds = site_kinds(site_dir, read_settings(site_dir))
    if kind not in kinds:
        hint = did_you_mean(kind, kinds) or f"use one of {', '.join(kinds)}"
        raise CasefolioError([Problem(kind, None, f"unknown kind `{kind}`", hint)])
    settings = read_settings(site_dir)
    title = " ".join(title.split())
    if _NOT_TEXT.search(title):
        raise CasefolioError([Problem(kind, None, "the title is not valid text (bytes that "
                                      "are not UTF-8, or control characters)",
                                      "type the title again in a UTF-8 terminal")])
    if not title:
        raise CasefolioError([Problem(kind, None, "the title is empty",
                                      'give the title in quotes: casefolio new '
                                      f'{kind} "Checkout redesign for Acme"')])
    slug = make_slug(slug if slug is not None else title)
    if not slug:
        raise CasefolioError([Problem(kind, None, f"cannot make a file name from `{title}`",
                                      "pass one with --slug, e.g. --slug acme-checkout")])
    notes: list[str] = []
    values = {"title": _yaml_string(title), "slug": slug,
              "date": (today or site_today(settings)).isoformat(), "kind": kind,
              "niche": _yaml_id(_niche_for(kind, niche, settings, notes)),
              "niches": f"[{_yaml_id(niche)}]" if niche else "[]"}
    text = fill(archetype(site_dir, kind, kinds[kind][1]), values)
    folder = site_dir / "content" / kinds[kind][0]
    path = folder / f"{slug}.md"
    if not _write_new(path, text, f"make {folder} a folder you may write to"):
        raise CasefolioError([Problem(str(path), None, "already exists; not overwritten",
                                      "edit that file, or choose another title or --slug"),
                              ])
    return NewFile(path, tuple(notes))


def make_slug(text: str, max_length: int = MAX_SLUG) -> str:
    """A URL-safe, transliterated slug cut at a word boundary: 'Café für Zürich' ->
    'cafe-fur-zurich'."""
    out = ""
    for word in slugify(text).split("-"):
        if out and len(out) + 1 + len(word) > max_length:
            break
        out = f"{out}-{word}" if out else word
    return out[:max_length].strip("-")


def archetype(site_dir: Path, kind: str, default: str = "") -> str:
    """The site's archetypes/<kind>.md if it has one, else the plugin's or the built-in one."""
    own = site_dir / "archetypes" / f"{kind}.md"
    if not os.path.lexists(own):
        return default or (ARCHETYPES / f"{kind}.md").read_text("utf-8")
    try:
        return own.read_text("utf-8")
    except UnicodeDecodeError as exc:
        problem = f"is not UTF-8 text (byte {exc.start})"
    except IsADirectoryError:
        problem = "is a folder, not a file"
    except OSError as exc:
        problem = f"cannot be read: {exc.strerror or exc}"
    raise CasefolioError([Problem(str(own), None, f"the archetype {problem}",
                                  f"fix or remove it to use the built-in {kind} archetype")])


def site_kinds(site_dir: Path, settings: dict[str, Any]) -> dict[str, tuple[str, str]]:
    """`new` NAME -> (content folder, a plugin's archetype text or ''): the built-in kinds,
    and those of the site's plugins (only then are the registry and pydantic imported)."""
    found = {k.name: (k.folder, "") for k in BUILTIN}
    plugins = settings.get("plugins")
    names = tuple(str(p) for p in plugins) if isinstance(plugins, list) else ()
    if names or _installed_plugins():
        from generator.kinds.registry import load
        for kind in load(site_dir.resolve(), names).kinds:
            found.setdefault(kind.name.name, (kind.folder, kind.archetype))
    return found


def _installed_plugins() -> bool:
    from importlib.metadata import entry_points
    return bool(entry_points(group="casefolio.plugins"))


def fill(template: str, values: dict[str, str]) -> str:
    """Replace exactly `{{name}}` for each known name, in one pass (a value that holds
    `{{slug}}` stays as it is); anything else is left as written."""
    return _PLACEHOLDER.sub(lambda m: values.get(m[1], m[0]), template)


def read_settings(site_dir: Path) -> dict[str, Any]:
    """site.yaml as plain data: `new` needs only the niches and the time zone."""
    from generator.content.frontmatter import load_yaml, normalize_text

    path = site_dir / "site.yaml"
    if not path.is_file():
        raise CasefolioError([Problem(str(path), None, "site.yaml not found",
                                      f"is {site_dir} a casefolio site? pass its folder with "
                                      "--site, or create one with `casefolio init DIR`")])
    try:
        text = path.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CasefolioError([Problem(str(path), None, f"cannot be read: {exc}",
                                      "save it as UTF-8 text")]) from None
    data, _ = load_yaml(normalize_text(text), "site.yaml")
    return data if isinstance(data, dict) else {}


def site_today(settings: dict[str, Any]) -> dt.date:
    """Today where the site lives, so a new case study is never dated 'in the future'."""
    try:
        zone = zoneinfo.ZoneInfo(str(settings.get("timezone") or "UTC"))
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        zone = zoneinfo.ZoneInfo("UTC")
    return dt.datetime.now(zone).date()


def _niche_for(kind: str, niche: str | None, settings: dict[str, Any],
               notes: list[str]) -> str:
    niches = settings.get("niches")
    known = [str(k) for k in niches] if isinstance(niches, dict) else []
    if niche is not None:
        if kind not in ("case-study", "service"):
            raise CasefolioError([Problem(kind, None, "--niche applies to case studies and "
                                          "services only", "leave out --niche")])
        if niche not in known:
            hint = did_you_mean(niche, known) or (
                f"known niches: {', '.join(known)}" if known else
                f"add it to site.yaml first:\n  niches:\n    {niche}:\n      name: ...")
            raise CasefolioError([Problem("site.yaml", None, f"unknown niche `{niche}`", hint)])
        return niche
    if kind != "case-study":
        return "TODO"
    if not known:
        notes.append("site.yaml has no `niches:` yet: add one, then set `niche:` in the file")
        return "TODO"
    if len(known) > 1:
        notes.append(f"niche set to `{known[0]}`; change it if needed "
                     f"(known: {', '.join(known)}), or pass --niche")
    return known[0]


def _yaml_string(text: str) -> str:
    """A YAML double-quoted scalar for any text (JSON's escapes are YAML's, but YAML also
    refuses some characters written as they are)."""
    return _NOT_YAML.sub(lambda m: f"\\u{ord(m[0]):04x}", json.dumps(text, ensure_ascii=False))


def _yaml_id(value: str | None) -> str:
    if value is None:
        return "TODO"
    return value if _PLAIN_ID.match(value) else _yaml_string(value)
