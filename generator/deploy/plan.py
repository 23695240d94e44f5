"""What a deploy does, worked out before it does anything: pure functions of the output
folder's files and the destination's listing, both as path -> content hash."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from generator.errors import CasefolioError, Problem
from generator.output.writer import MARKER

PAGE_SUFFIXES = (".html", ".xml", ".txt")


@dataclass(frozen=True, slots=True)
class LocalFile:
    """One file of the output folder: its path there (with /), size and content hash."""

    path: str
    size: int
    digest: str


@dataclass(frozen=True, slots=True)
class Plan:
    """Uploads in a safe order (assets first, pages last), deletions, and what is left."""

    uploads: tuple[LocalFile, ...]
    deletions: tuple[str, ...]
    unchanged: int
    kept: tuple[str, ...] = ()  # on the destination, not in the site, kept (no --delete)

    @property
    def bytes(self) -> int:
        return sum(f.size for f in self.uploads)

    @property
    def empty(self) -> bool:
        return not self.uploads and not self.deletions


def md5_file(path: Path) -> str:
    """The hash S3 reports as the ETag of an object uploaded in one part."""
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "md5").hexdigest()


def local_files(out_dir: Path, digest: Callable[[Path], str] = md5_file,
                skip: Iterable[str] = ()) -> list[LocalFile]:
    """Every file of the output folder but casefolio's marker, sorted; symlinks are not
    followed (the build writes none)."""
    skipped = {MARKER, *skip}
    found: list[LocalFile] = []
    for root, dirs, files in os.walk(out_dir):
        dirs.sort()
        for name in files:
            path = Path(root, name)
            rel = path.relative_to(out_dir).as_posix()
            if rel in skipped or path.is_symlink():
                continue
            found.append(LocalFile(rel, path.stat().st_size, digest(path)))
    return sorted(found, key=lambda f: f.path)


def is_page(path: str) -> bool:
    """Pages (and feed, sitemap) link to the assets: they go up last, after what they use."""
    return path.endswith(PAGE_SUFFIXES) or "." not in path.rsplit("/", 1)[-1]


def upload_order(files: Iterable[LocalFile]) -> tuple[LocalFile, ...]:
    """Assets first, then pages, the home page very last."""
    return tuple(sorted(files, key=lambda f: (is_page(f.path), f.path == "index.html",
                                              f.path)))


def make_plan(local: Iterable[LocalFile], remote: Mapping[str, str | None], *,
              delete: bool, force: bool = False) -> Plan:
    """Upload what is missing or whose hash differs (everything with force); delete what the
    destination has and the site does not, only when asked. A remote hash of None is unknown
    (e.g. a multipart ETag): that file is uploaded again."""
    local = list(local)
    names = {f.path for f in local}
    changed = [f for f in local if force or remote.get(f.path) != f.digest]
    extra = tuple(sorted(p for p in remote if p not in names))
    return Plan(upload_order(changed), extra if delete else (), len(local) - len(changed),
                () if delete else extra)


def describe(plan: Plan, limit: int = 0) -> list[str]:
    """The plan as lines for the terminal: every upload and deletion (or the first `limit`)."""
    lines = [f"  upload  {f.path} ({human(f.size)})" for f in plan.uploads]
    lines += [f"  delete  {p}" for p in plan.deletions]
    if limit and len(lines) > limit:
        lines = [*lines[:limit], f"  ... and {len(lines) - limit} more"]
    return lines


def summary(plan: Plan) -> str:
    text = (f"{_count(len(plan.uploads), 'upload')} ({human(plan.bytes)}), "
            f"{_count(len(plan.deletions), 'deletion')}, {plan.unchanged} unchanged")
    if plan.kept:
        text += f", {_count(len(plan.kept), 'old file')} kept (--delete removes them)"
    return text


def human(size: int) -> str:
    value = float(size)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{size} B"


def _count(n: int, word: str) -> str:
    return f"{n} {word}{'s' if n != 1 else ''}"


@dataclass(frozen=True, slots=True)
class Outcome:
    """What a target did (or, in a dry run, would do), for the summary the CLI prints."""

    where: str          # e.g. s3://bucket/prefix/, the gh-pages branch of origin
    plan: Plan
    done: bool          # False: a dry run, nothing was changed
    url: str            # where the site is live
    notes: tuple[str, ...] = ()


def failure(what: str, left: str, hint: str = "") -> CasefolioError:
    """A deploy that stopped: what happened, what was left as it was, how to finish."""
    return CasefolioError([Problem("deploy", None, f"{what}; {left}",
                                   hint or "fix that and run the same command again: it "
                                   "picks up where this one stopped")])
