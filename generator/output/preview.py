"""The dev server's private folder, the one the preview serves: brought up to date file by file."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterable, Mapping
from pathlib import Path

from generator.errors import CasefolioError, Problem
from generator.output.writer import MARKER, MARKER_TEXT, Output, safe_relpath


def write_changes(before: Mapping[str, Output], outputs: Iterable[Output],
                  folder: Path) -> list[str]:
    """Bring folder from holding `before` to holding `outputs`, comparing bytes in memory
    (not against the disk) and replacing each changed file atomically; the changed paths."""
    changed, now = [], set()
    for output in outputs:
        old = before.get(output.path)
        now.add(output.path)
        if old is not None and (old is output or old.data == output.data):
            continue  # (its path was checked when it was first written)
        rel = safe_relpath(output.path)
        target = folder / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{target.name}.casefolio-tmp")
        assert isinstance(output.data, bytes), "the dev server builds in memory, unspooled"
        tmp.write_bytes(output.data)
        os.replace(tmp, target)
        changed.append(rel)
    for rel in sorted(before.keys() - now):
        with contextlib.suppress(FileNotFoundError):
            (folder / rel).unlink()
        changed.append(rel)
        parent = (folder / rel).parent
        while parent != folder and not any(parent.iterdir()):
            parent.rmdir()
            parent = parent.parent
    return changed


def sync_dir(outputs: Iterable[Output], out_dir: Path) -> list[str]:
    """Make out_dir hold exactly these outputs, rewriting only files whose bytes changed.
    Used by the dev server for its private folder (which other code also writes to, so its
    marker lists no files: all of it is ours); each file is replaced atomically. A non-empty
    folder without our marker is refused, never emptied."""
    out_dir.mkdir(parents=True, exist_ok=True)
    if not (out_dir / MARKER).is_file() and any(out_dir.iterdir()):
        raise CasefolioError([Problem(str(out_dir), None, "refusing to sync into a folder "
                                      "casefolio did not create", "use an empty folder")])
    changed: list[str] = []
    wanted: set[str] = {MARKER}
    for output in outputs:
        rel = safe_relpath(output.path)
        wanted.add(rel)
        target = out_dir / rel
        assert isinstance(output.data, bytes), "the dev server builds in memory, unspooled"
        with contextlib.suppress(OSError):
            if target.stat().st_size == len(output.data) and target.read_bytes() == output.data:
                continue
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{target.name}.tmp")
        tmp.write_bytes(output.data)
        os.replace(tmp, target)
        changed.append(rel)
    (out_dir / MARKER).write_bytes(MARKER_TEXT)
    for folder, dirs, files in os.walk(out_dir, topdown=False):
        for name in files:
            rel = (Path(folder) / name).relative_to(out_dir).as_posix()
            if rel not in wanted:
                (Path(folder) / name).unlink()
                changed.append(rel)
        for name in dirs:
            with contextlib.suppress(OSError):
                (Path(folder) / name).rmdir()  # only succeeds when empty
    return changed
