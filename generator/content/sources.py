"""Find the site's input files: content documents, assets beside them, static files, templates."""

from __future__ import annotations

import errno
import hashlib
import os
import posixpath
import re
import stat
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from generator.errors import CasefolioError, Problem

# A file modified this close to the moment it was read may be modified again without its
# stat signature changing (coarse timestamps), so its read is not trusted (git's "racy clean").
RACY_NS = 2_000_000_000
_UNUSABLE_NAME = re.compile(r"[\\\x00-\x1f\x7f]")


# The one hidden folder that is published: static/.well-known/ (security.txt, domain checks).
WELL_KNOWN = ".well-known"
# Hidden files left out without a word: nobody means to publish these.
_QUIET = {".DS_Store", ".gitkeep", ".gitignore", ".gitattributes", ".keep", ".directory"}


def is_ignored(name: str) -> bool:
    """Editor swap/backup/temp files and hidden files never count as site input."""
    return (name.startswith((".", "#", "~")) or name.endswith(("~", ".swp", ".swx", ".swo",
            ".tmp", ".bak", ".part", ".crdownload")) or name == "4913" or name == "Thumbs.db")


def is_ignored_path(parts: tuple[str, ...] | list[str]) -> bool:
    """is_ignored for a site-relative path's parts, where static/.well-known/ is not hidden."""
    return any(is_ignored(part) and not (i == 1 and part == WELL_KNOWN and parts[0] == "static")
               for i, part in enumerate(parts))


def _left_out(name: str, rel: str) -> Problem | None:
    """The warning for a hidden file or folder in static/ that is not published, if it is
    one a person may have meant to publish (not an editor's or a system's own file)."""
    if (not name.startswith(".") or name in _QUIET or name.startswith(("._", ".#"))
            or name.endswith(("~", ".swp", ".swx", ".swo", ".tmp"))):
        return None
    return Problem(rel, None, "not published: names starting with a dot are left out of the "
                   "site (they are usually settings of an editor, git or a web server, which "
                   "must not be served)", f"only static/{WELL_KNOWN}/ is published; rename "
                   "the file if it is meant to be", severity="warning")


@dataclass(frozen=True, slots=True)
class Source:
    """One input file, read once: its site-relative path, bytes' fingerprint and text. A file
    known from the build cache is not read at all: its text is None, and `text_of` reads it
    from `path` only if its document must be parsed again."""

    kind: str          # its folder under content/: "case-studies", "pages"... (kinds/)
    rel: str           # posix path relative to the site folder, e.g. content/pages/about.md
    text: str | None
    fingerprint: str
    path: str = ""     # where to read the text when it is None


def text_of(source: Source) -> str:
    """The source's text, read now if it was known by fingerprint only. The file must still
    have those bytes: else it changed during the build, and the next build will see it."""
    if source.text is not None:
        return source.text
    try:
        data = Path(source.path).read_bytes()
    except OSError as exc:
        raise CasefolioError([Problem(source.rel, None, f"cannot read this file: {exc.strerror}",
                                      "build again")]) from None
    if fingerprint(data) != source.fingerprint:
        raise CasefolioError([Problem(source.rel, None, "changed while the build was reading "
                                      "it", "build again")])
    return data.decode("utf-8")  # it decoded when its fingerprint was taken


@dataclass(frozen=True, slots=True)
class Asset:
    """A file copied or processed as is (static/, images beside content)."""

    rel: str           # relative to the site folder
    out: str           # output path relative to the output folder
    fingerprint: str


def fingerprint(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def walk(root: Path, skipped: list[Path] | None = None, *,
         problems: list[Problem] | None = None, links: list[Path] | None = None) -> list[Path]:
    """Every file under root, sorted, skipping ignored names. Symlinked folders are not
    followed (so a symlink loop cannot hang the build) and named pipes, sockets and devices
    are left out (reading one would block or never end); both go to `skipped` when given.
    Broken or looping file symlinks are kept, so reading them reports the problem; file
    symlinks also go to `links`. With `problems`, a folder that cannot be read is an error
    there (not a skipped folder: its pages would silently be missing) and a hidden file left
    out of static/ a warning. Under a static/ root, its .well-known/ folder is walked."""
    found: list[Path] = []
    todo = [root] if root.is_dir() else []
    base = root.parent
    while todo:
        folder = todo.pop()
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError as exc:
            if problems is not None:
                rel = folder.relative_to(base).as_posix()
                problems.append(Problem(rel, None, f"cannot read this folder: {exc.strerror}",
                                        f"make it readable: chmod u+rx '{rel}'"))
            elif skipped is not None:
                skipped.append(folder)
            continue
        for entry in entries:
            if is_ignored(entry.name):
                if (entry.name == WELL_KNOWN and folder == root and root.name == "static"
                        and entry.is_dir(follow_symlinks=False)):
                    todo.append(Path(entry.path))
                elif problems is not None and root.name == "static":
                    left_out = _left_out(entry.name, f"{folder.relative_to(base).as_posix()}/"
                                         f"{entry.name}")
                    if left_out is not None:
                        problems.append(left_out)
                continue
            path = Path(entry.path)
            if entry.is_dir(follow_symlinks=False):
                todo.append(path)
            elif _is_file_or_broken_link(entry):
                found.append(path)
                if links is not None and entry.is_symlink():
                    links.append(path)
            elif skipped is not None:
                skipped.append(path)
    return sorted(found)


def outside_links(site_dir: Path, links: list[Path], allowed: tuple[str, ...] = ()
                  ) -> list[Problem]:
    """An error for each symbolic link that leads out of the site (a link to
    /proc/self/environ would publish the build's secrets), unless into an allowed folder
    (real paths, from site.yaml `allow_links_to`)."""
    site = os.path.realpath(site_dir)
    roots = tuple(root.rstrip(os.sep) + os.sep for root in (site, *allowed))
    problems = []
    for link in links:
        target = os.path.realpath(link)
        if not target.startswith(roots):
            rel = link.relative_to(site_dir).as_posix()
            problems.append(Problem(rel, None, f"a symbolic link to a file outside the site "
                                    f"({target}): refusing to publish it", "copy the file "
                                    "into the site, or name the folder it is in under "
                                    "`allow_links_to:` in site.yaml"))
    return problems


def _is_file_or_broken_link(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_file() or (entry.is_symlink() and not os.path.exists(entry.path))
    except OSError:
        return True  # let reading it say what is wrong


def read_file(path: Path, rel: str) -> tuple[bytes | None, Problem | None]:
    """A file's bytes, or the problem that kept us from reading it."""
    try:
        if not stat.S_ISREG(path.stat().st_mode):
            return None, Problem(rel, None, "not a regular file (a named pipe, socket or "
                                 "device?)", "remove it from the site folder")
        return path.read_bytes(), None
    except PermissionError:
        return None, Problem(rel, None, "permission denied reading this file",
                             f"make it readable: chmod u+r '{rel}'")
    except OSError as exc:
        hint = ("a symbolic link points at itself, directly or through others; remove it"
                if exc.errno == errno.ELOOP else
                "check that it exists and is not a broken symbolic link")
        return None, Problem(rel, None, f"cannot read this file: {exc.strerror}", hint)


def classify(site_dir: Path, path: Path, data: bytes, rel: str = "", digest: str = "",
             ) -> tuple[Source | Asset | None, list[Problem]]:
    """What one file under content/ or static/ is to the build: a document, an asset, or a
    problem (a Markdown file in the wrong place, text that is not UTF-8, an unusable name).
    `rel` and `digest`, when the caller has them: the path from site_dir, the fingerprint."""
    rel = rel or path.relative_to(site_dir).as_posix()
    digest = digest or fingerprint(data)
    top, *parts = rel.split("/")
    if _UNUSABLE_NAME.search(rel):
        shown = rel.encode("unicode_escape").decode("ascii")  # make the invisible visible
        return None, [Problem(shown, None, "this file name cannot become part of a URL (it holds "
                              "a backslash or a control character)", "rename the file")]
    if top == "static":
        return Asset(rel, rel.removeprefix("static/"), digest), []
    if path.suffix.lower() != ".md":
        return Asset(rel, rel.removeprefix("content/"), digest), []
    if len(parts) < 2:
        return None, [_outside(rel, ())]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        return None, [Problem(rel, line, f"not UTF-8 text (invalid byte 0x{data[exc.start]:02x} "
                              f"at offset {exc.start})", "re-save the file as UTF-8 in your "
                              "editor (\"Save with encoding\")")]
    return Source(parts[0], rel, text, digest), []


def _outside(rel: str, folders: Iterable[str]) -> Problem:
    return Problem(rel, None, "Markdown file outside the content folders",
                   f"move it into content/<kind>/ where kind is one of {', '.join(folders)}"
                   if folders else "move it into content/<kind>/", severity="warning")


def bundle_of(rel: str) -> str | None:
    """The folder of a page bundle, when this content file is one's `index.md`:
    content/case-studies/kosli/index.md -> content/case-studies/kosli (its files sit beside)."""
    if not rel.endswith("/index.md"):
        return None
    parts = rel.split("/")
    return "/".join(parts[:-1]) if len(parts) >= 4 and parts[-1] == "index.md" else None


def in_bundles(assets: list[Asset], folders: Mapping[str, str | None]) -> list[Asset]:
    """The assets, those in a page bundle's folder published under the page's URL instead
    (`folders`: bundle folder -> the page's output folder, e.g. case-studies/kosli/; None
    when the page is not published, e.g. a draft: then neither are its files). A file in
    nested bundles belongs to the innermost."""
    if not folders:
        return assets
    kept = []
    for asset in assets:
        folder = posixpath.dirname(asset.rel)
        while folder not in folders and folder.count("/") > 1:
            folder = posixpath.dirname(folder)
        if folder not in folders:
            kept.append(asset)
        elif (out := folders[folder]) is not None:
            kept.append(replace(asset, out=out + asset.rel[len(folder) + 1:]))
    return kept


def of_kinds(sources: Iterable[Source], folders: Sequence[str],
             ) -> tuple[list[Source], list[Problem]]:
    """The sources in a content kind's folder; a warning for each Markdown file elsewhere
    (which folders are kinds is the registry's to say: kinds/, plugins)."""
    kept, problems = [], []
    for source in sources:
        if source.kind in folders:  # subfolders and bundles too (v2)
            kept.append(source)
        else:
            problems.append(_outside(source.rel, folders))
    return kept, problems


def read_sources(site_dir: Path, folders: Sequence[str],
                 ) -> tuple[list[Source], list[Asset], list[Problem]]:
    """Read content/ (Markdown documents of these kinds' folders, the images beside them)
    and static/."""
    sources: list[Source] = []
    assets: list[Asset] = []
    problems: list[Problem] = []
    skipped: list[Path] = []
    for path in walk(site_dir / "content", skipped) + walk(site_dir / "static", skipped):
        rel = path.relative_to(site_dir).as_posix()
        data, problem = read_file(path, rel)
        if data is None:
            problems.append(problem)  # type: ignore[arg-type]
            continue
        item, found = classify(site_dir, path, data)
        problems += found
        if isinstance(item, Source):
            sources.append(item)
        elif item is not None:
            assets.append(item)
    problems += [Problem(p.relative_to(site_dir).as_posix(), None, "skipped: a symbolic link "
                         "to a folder, or not a regular file", "copy the folder or file in "
                         "instead of linking it", severity="warning") for p in skipped]
    sources, outside = of_kinds(sources, folders)
    return sources, assets, problems + outside
