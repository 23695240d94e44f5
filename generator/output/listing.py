"""What the output folder holds: the files the last build wrote (the marker's list), the
files it did not, and a signature of the folder's listing."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable, Iterator
from pathlib import Path

from generator.errors import CasefolioError
from generator.output.folder import MANIFEST_HEADER, MARKER, MARKER_TEXT, safe_relpath
from generator.output.journal import clean_leftovers


def foreign_files(out: Path) -> list[str]:
    """Files (and links) in a casefolio output folder that its last build did not write (all
    of them when its marker lists none: an old marker cannot tell ours from the user's)."""
    written = manifest(out) or set()
    return sorted(rel for rel, _ in _entries(str(out)) if rel != MARKER and rel not in written)


def _entries(root: str) -> Iterator[tuple[str, os.DirEntry[str]]]:
    """Everything under root but folders (files, links, links to folders: not followed), with
    its path relative to root. os.scandir, no pathlib: this runs on every build, per file."""
    todo = [("", root)]
    while todo:
        prefix, folder = todo.pop()
        with os.scandir(folder) as found:
            for entry in found:
                if entry.is_dir(follow_symlinks=False):
                    todo.append((f"{prefix}{entry.name}/", entry.path))
                else:
                    yield prefix + entry.name, entry


def output_signature(out_dir: Path, paths: Iterable[str] | None = None) -> str:
    """A digest of the files in the output folder with their sizes and modification times:
    equal digests mean the folder still holds exactly what it held. With `paths` (what was
    just written, the marker aside), only those files are looked at; without, the whole folder
    is listed (so a foreign file changes the digest), an interrupted write completed first."""
    found = output_listing(out_dir, paths)
    return listing_signature(found) if found is not None else ""


Listing = dict[str, tuple[int, int]]  # output path -> size, mtime


def output_listing(out_dir: Path, paths: Iterable[str] | None = None) -> Listing | None:
    """output_signature's files, sizes and mtimes; None when the folder cannot be read."""
    root = str(out_dir.resolve())
    found: Listing = {}
    try:
        if paths is None:
            clean_leftovers(Path(root))
            for rel, entry in _entries(root):
                st = entry.stat(follow_symlinks=False)
                found[rel] = (st.st_size, st.st_mtime_ns)
        else:
            for rel in [*paths, MARKER]:
                st = os.lstat(os.path.join(root, rel))
                found[rel] = (st.st_size, st.st_mtime_ns)
    except OSError:
        return None  # no folder, or one that cannot be read: matches nothing
    return found


def listing_signature(found: Listing) -> str:
    return hashlib.blake2b("\n".join(f"{r}\0{s}\0{m}" for r, (s, m) in sorted(
        found.items())).encode(), digest_size=16).hexdigest()


def manifest(out: Path) -> set[str] | None:
    return listed(out)[0]


def listed(out: Path) -> tuple[set[str] | None, bool]:
    """The files the marker lists (None: it lists none), and whether every line was a path
    inside the folder. One that is not (`../NOTES.txt`, `/home/me/x`) is not ours to delete,
    whoever wrote it there: it is ignored, and the next marker written leaves it out."""
    try:
        data = (out / MARKER).read_bytes()
    except OSError:
        return None, True
    _, found, listing = data.partition(MANIFEST_HEADER)
    if not found:
        return None, True
    lines = listing.decode("utf-8", "replace").splitlines()
    inside = {rel for rel in lines if _inside(rel)}
    return inside, len(inside) == len(lines)


def _inside(rel: str) -> bool:
    try:
        safe_relpath(rel)
    except CasefolioError:
        return False
    return True


def marker_bytes(paths: Iterable[str]) -> bytes:
    return MARKER_TEXT + MANIFEST_HEADER + "".join(f"{p}\n" for p in sorted(paths)).encode()
