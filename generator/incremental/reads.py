"""The input files as last read: walk content/ and static/, read again only what changed."""

from __future__ import annotations

import os
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from generator.content.sources import (
    RACY_NS,
    Asset,
    Source,
    classify,
    fingerprint,
    is_ignored_path,
    outside_links,
    read_file,
    walk,
)
from generator.errors import Problem
from generator.incremental.state import BuildState, FileRead, InputsMemo


def read_inputs(site_dir: Path, state: BuildState, allowed: tuple[str, ...] = (),
                ) -> tuple[list[Source], list[Asset], list[Problem]]:
    """sources.read_sources, reading again only the files whose stat signature changed; a
    symbolic link out of the site (but into `allowed` folders) is an error."""
    sources: list[Source] = []
    assets: list[Asset] = []
    problems: list[Problem] = []
    skipped: list[Path] = []
    links: list[Path] = []
    paths = (walk(site_dir / "content", skipped, problems=problems, links=links)
             + walk(site_dir / "static", skipped, problems=problems, links=links))
    problems += outside_links(site_dir, links, allowed)
    forget_others(state, (site_dir / "content", site_dir / "static"), paths)
    for path in paths:
        read = file_read(path, state, site_dir)
        problems.extend(read.problems)
        if isinstance(read.item, Source):
            sources.append(read.item)
        elif read.item is not None:
            assets.append(read.item)
    problems += [Problem(p.relative_to(site_dir).as_posix(), None, "skipped: a symbolic link "
                         "to a folder, or not a regular file", "copy the folder or file in "
                         "instead of linking it", severity="warning") for p in skipped]
    return sources, assets, problems


def forget_others(state: BuildState, roots: Iterable[Path], paths: Iterable[Path]) -> None:
    """Drop the reads of files under these folders that are gone (deleted or renamed)."""
    prefixes = tuple(f"{root}{os.sep}" for root in roots)
    keep = {str(p) for p in paths}
    for key in [k for k in state.files if k.startswith(prefixes) and k not in keep]:
        del state.files[key]


def file_read(path: Path, state: BuildState, site_dir: Path | None = None) -> FileRead:
    """The file's last read while its stat signature is unchanged and trusted, else a new read
    (classified as a document or an asset when under site_dir)."""
    key = str(path)
    now = time.time_ns()
    last = state.files.pop(key, None)
    rel = path.relative_to(site_dir).as_posix() if site_dir else key
    try:
        st = os.stat(path)
    except OSError:
        st = None
    signature = (st.st_mtime_ns, st.st_ctime_ns, st.st_size, st.st_ino) if st else (0, 0, 0, 0)
    if last is not None and last.trusted and last.signature == signature:
        state.files[key] = last
        return last
    data, problem = read_file(path, rel)
    if data is None:  # not cached: the problem may go away without the stat changing
        return FileRead(signature, False, "", None, (problem,) if problem else ())
    digest = fingerprint(data)
    item, problems = classify(site_dir, path, data, rel, digest) if site_dir else (None, [])
    read = FileRead(signature, st is not None and st.st_mtime_ns < now - RACY_NS,
                    digest, item, tuple(problems))
    state.files[key] = read
    return read


def read_changed(site_dir: Path, state: BuildState, changed: Iterable[Path] | None,
                 ) -> tuple[list[Source], list[Asset]] | None:
    """The last build's inputs with only the files the watcher reported read again; None
    (walk everything) when it reported none, or a file that came, went or changed kind."""
    if changed is None or state.inputs is None:
        return None
    paths = [p for p in changed if _under(p, site_dir / "content", site_dir / "static")]
    if not paths:
        # a template, site.yaml or theme file: those are read anyway
        return state.inputs.sources, state.inputs.assets
    sources, assets = list(state.inputs.sources), list(state.inputs.assets)
    groups: tuple[list[Any], ...] = (sources, assets)
    where = {item.rel: (i, group) for group in groups for i, item in enumerate(group)}
    for path in paths:
        rel = path.relative_to(site_dir).as_posix()
        if rel not in where:
            if is_ignored_path(rel.split("/")) or (
                    not os.path.lexists(path) and not any(r.startswith(rel + "/")
                                                          for r in where)):
                continue  # an editor's backup or swap file, or one that came and went
            return None
        if not path.is_file() or path.is_symlink():  # a link: the full path checks where to
            return None
        state.forget([path])
        read = file_read(path, state, site_dir)
        index, group = where[rel]
        if read.problems or type(read.item) is not type(group[index]):
            return None
        group[index] = read.item  # type: ignore[assignment]
    state.inputs = InputsMemo(sources, assets)
    return sources, assets


def _under(path: Path, *roots: Path) -> bool:
    return any(root in path.parents for root in roots)


def all_files(root: Path) -> list[Path]:
    """Every file under root, hidden and backup files included: Jinja lists those too."""
    found: list[Path] = []
    for folder, dirs, files in os.walk(root):
        dirs.sort()
        found.extend(Path(folder) / name for name in sorted(files))
    return found
