"""The only code that touches the output folder.

A build is written into a fresh folder beside the output and swapped into place only once it
is complete, so a failed or interrupted build leaves the previous output as it was. Nothing is
written outside the output folder, whatever a path says, and a folder casefolio did not create
is never emptied.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterable
from pathlib import Path, PurePosixPath

from generator.errors import CasefolioError, Problem
from generator.render import Output

MARKER = ".casefolio-output"
MARKER_TEXT = b"This folder is written by casefolio build; it is replaced on every build.\n"


def safe_relpath(path: str) -> str:
    """Reject any output path that could land outside the output folder."""
    pure = PurePosixPath(path)
    if (not path or "\x00" in path or "\\" in path or pure.is_absolute()
            or any(part in ("..", "") for part in path.split("/")[:-1])
            or ".." in pure.parts or path.endswith("/")):
        raise CasefolioError([Problem(path, None, "refusing to write outside the output folder",
                                      "a slug or file name contains `..`, `/`, `\\` or NUL")])
    return path


def check_output_dir(out_dir: Path, site_dir: Path, force: bool = False) -> None:
    """Refuse output folders whose replacement would destroy something that isn't ours."""
    out = out_dir.resolve()
    site = site_dir.resolve()
    home = Path.home().resolve()
    reason = ""
    if out == Path(out.anchor):
        reason = "it is the root of the file system"
    elif out == home:
        reason = "it is your home folder"
    elif out == site or out in site.parents:
        reason = "it contains the site folder"
    elif out in (site / "content").parents or out == site / "content" or out == site / "static":
        reason = "it holds the site's own files"
    elif any(out == p or p in out.parents for p in (site / "content", site / "static",
                                                      site / "templates")):
        reason = "it is inside the site's sources"
    elif (out.is_dir() and not (out / MARKER).is_file() and any(out.iterdir()) and not force):
        reason = ("it is not empty and was not created by casefolio; pass --force to "
                  "replace it anyway")
    elif out.exists() and not out.is_dir():
        reason = "it is a file, not a folder"
    if reason:
        raise CasefolioError([Problem(str(out_dir), None,
                                      f"refusing to use this output folder: {reason}",
                                      "choose another folder with -o, e.g. -o output")])


def write_site(outputs: Iterable[Output], out_dir: Path) -> int:
    """Write every output into a new folder, then swap it in place of out_dir; returns count."""
    out_dir = out_dir.resolve()
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.casefolio-", dir=out_dir.parent))
    count = 0
    try:
        written: set[str] = set()
        for output in outputs:
            rel = safe_relpath(output.path)
            if rel in written:
                continue
            written.add(rel)
            target = staging / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(output.data)
            count += 1
        (staging / MARKER).write_bytes(MARKER_TEXT)
        _swap(staging, out_dir)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return count


def sync_dir(outputs: Iterable[Output], out_dir: Path) -> list[str]:
    """Make out_dir hold exactly these outputs, rewriting only files whose bytes changed.
    Used by the dev server for its private folder; each file is replaced atomically."""
    out_dir.mkdir(parents=True, exist_ok=True)
    changed: list[str] = []
    wanted: set[str] = {MARKER}
    for output in outputs:
        rel = safe_relpath(output.path)
        wanted.add(rel)
        target = out_dir / rel
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


def _swap(staging: Path, out_dir: Path) -> None:
    """Put staging where out_dir is; the old output is removed only after the swap."""
    if not out_dir.exists():
        os.replace(staging, out_dir)
        return
    old = out_dir.with_name(f".{out_dir.name}.casefolio-old-{os.getpid()}")
    if old.exists():
        shutil.rmtree(old)
    os.replace(out_dir, old)
    try:
        os.replace(staging, out_dir)
    except BaseException:
        os.replace(old, out_dir)
        raise
    shutil.rmtree(old, ignore_errors=True)
