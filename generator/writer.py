"""The only code that touches the output folder.

A build is written into a fresh folder beside the output and swapped into place only once it
is complete (one atomic exchange on Linux), so a failed, interrupted or killed build leaves the
previous output as it was. Nothing is written outside the output folder, whatever a path says.
A folder casefolio did not create is never emptied, and neither is a file the last build did
not write: the marker file lists every file the build wrote, and anything else found in the
folder stops the next build (unless --force) instead of being deleted.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import functools
import os
import re
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path

from generator.errors import CasefolioError, Problem
from generator.render import Output

MARKER = ".casefolio-output"
MARKER_TEXT = b"This folder is written by casefolio build; it is replaced on every build.\n"
MANIFEST_HEADER = b"Files written by the last build (any other file here stops the next one):\n"
_UNSAFE = re.compile(r"[\x00-\x1f\\]")
_SITE_FILES = ("content", "static", "templates", "themes", ".casefolio", "site.yaml")


def safe_relpath(path: str) -> str:
    """Reject any output path that could land outside the output folder (or be ambiguous)."""
    parts = path.split("/")  # an absolute path starts with an empty part
    if not path or _UNSAFE.search(path) or any(part in ("", ".", "..", MARKER) for part in parts):
        raise CasefolioError([Problem(repr(path)[1:-1] or "(empty path)", None,
                                      "refusing to write outside the output folder",
                                      "a slug or file name contains `..`, `/`, `\\`, NUL or "
                                      "another control character; rename it")])
    return path


def check_output_dir(out_dir: Path, site_dir: Path, force: bool = False) -> None:
    """Refuse output folders whose replacement would destroy something that isn't ours."""
    try:
        out, site = out_dir.resolve(), site_dir.resolve()
    except (OSError, RuntimeError) as exc:  # a symlink loop, an unreadable parent...
        raise CasefolioError([Problem(str(out_dir), None, f"cannot use this output folder: "
                                      f"{exc}", "choose another folder with -o")]) from None
    reason = _danger(out, site)
    if not reason and out.exists() and not out.is_dir():
        reason = "it is a file, not a folder"
    if not reason and not force and out.is_dir():
        try:
            reason = _not_ours(out)
        except OSError as exc:
            reason = f"it cannot be read ({exc.strerror})"
    if reason:
        raise CasefolioError([Problem(str(out_dir), None,
                                      f"refusing to use this output folder: {reason}",
                                      "choose another folder with -o, e.g. -o output")])


def _danger(out: Path, site: Path) -> str:
    """Why replacing `out` would destroy the system's, the user's or the site's own files."""
    try:
        home: Path | None = Path.home().resolve()
    except (OSError, RuntimeError, KeyError):  # no HOME and no password entry
        home = None
    if out == Path(out.anchor):
        return "it is the root of the file system"
    if home is not None and out == home:
        return "it is your home folder"
    if home is not None and out in home.parents:
        return "it contains your home folder"
    if out == site or out in site.parents:
        return "it contains the site folder"
    for name in _SITE_FILES:
        source = site / name
        if out == source or source in out.parents:
            return f"it is the site's own {name}{'' if '.' in name else '/'}"
    return ""


def _not_ours(out: Path) -> str:
    """Why a non-empty folder may not be replaced without --force ('' when it is ours)."""
    if not (out / MARKER).is_file():
        if any(out.iterdir()):
            return ("it is not empty and was not created by casefolio; pass --force to "
                    "replace it anyway")
        return ""
    foreign = foreign_files(out)
    if foreign:
        shown = ", ".join(foreign[:5]) + (f" and {len(foreign) - 5} more"
                                          if len(foreign) > 5 else "")
        return (f"it holds files the last build did not write ({shown}); move them into "
                "static/ to publish them with every build, or pass --force to delete them")
    return ""


def foreign_files(out: Path) -> list[str]:
    """Files (and links) in a casefolio output folder that its last build did not write."""
    written = _manifest(out)
    if written is None:  # a marker from before manifests: everything in it was ours
        return []
    found = []
    for folder, dirs, files in os.walk(out):
        here = Path(folder)
        links = [d for d in dirs if (here / d).is_symlink()]
        for name in [*files, *links]:
            rel = (here / name).relative_to(out).as_posix()
            if rel != MARKER and rel not in written:
                found.append(rel)
    return sorted(found)


def _manifest(out: Path) -> set[str] | None:
    try:
        data = (out / MARKER).read_bytes()
    except OSError:
        return None
    _, found, listing = data.partition(MANIFEST_HEADER)
    return set(listing.decode("utf-8", "replace").splitlines()) if found else None


def _marker(paths: Iterable[str]) -> bytes:
    return MARKER_TEXT + MANIFEST_HEADER + "".join(f"{p}\n" for p in sorted(paths)).encode()


def write_site(outputs: Iterable[Output], out_dir: Path) -> int:
    """Write every output into a new folder, then swap it in place of out_dir; returns count."""
    outputs = list(outputs)
    plan = _plan(outputs)
    out_dir = out_dir.resolve()
    staging: Path | None = None
    try:
        out_dir.parent.mkdir(parents=True, exist_ok=True)
        clean_leftovers(out_dir)
        staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.casefolio-{os.getpid()}-",
                                        dir=out_dir.parent))
        (staging / MARKER).write_bytes(MARKER_TEXT)  # ours from the first byte (see leftovers)
        for rel, data in plan.items():
            target = staging / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        (staging / MARKER).write_bytes(_marker(plan))
        _swap(staging, out_dir)
    except OSError as exc:
        if staging is not None:
            shutil.rmtree(staging, ignore_errors=True)
        raise CasefolioError([Problem(str(out_dir), None, "cannot write the output: "
                                      f"{exc.strerror or exc} ({exc.filename or out_dir})",
                                      "check the free disk space and that you may write to "
                                      f"{out_dir.parent}")]) from None
    except BaseException:
        if staging is not None:
            shutil.rmtree(staging, ignore_errors=True)
        raise
    return len(plan)


def _plan(outputs: list[Output]) -> dict[str, bytes]:
    """Each output's checked path and bytes; every unusable path reported at once."""
    plan: dict[str, bytes] = {}
    problems: list[Problem] = []
    for output in outputs:
        try:
            plan.setdefault(safe_relpath(output.path), output.data)
        except CasefolioError as exc:
            problems += exc.problems
    folders = {rel[:at] for rel in plan for at in _slashes(rel)}
    problems += [Problem(rel, None, "two things want this path, one as a file and one as a "
                         f"folder (e.g. {next(p for p in plan if p.startswith(rel + '/'))})",
                         "rename the page's slug or the static file") for rel in plan
                 if rel in folders]
    if problems:
        raise CasefolioError(problems)
    return plan


def _slashes(rel: str) -> list[int]:
    return [i for i, char in enumerate(rel) if char == "/"]


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


def clean_leftovers(out_dir: Path) -> list[Path]:
    """Remove what killed builds left beside out_dir (their staging folders), restoring the
    previous output if a build died between the two renames of a non-atomic swap. Only
    folders with our name pattern, our marker inside and no live process behind them."""
    pattern = re.compile(rf"\.{re.escape(out_dir.name)}\.casefolio-(\d+)-")
    removed = []
    with contextlib.suppress(OSError):
        for path in sorted(out_dir.parent.iterdir()):
            found = pattern.match(path.name)
            if not found or not path.is_dir() or path.is_symlink() or _alive(int(found[1])):
                continue
            if not (path / MARKER).is_file():  # killed before its first file: empty, or not ours
                with contextlib.suppress(OSError):
                    path.rmdir()
                    removed.append(path)
                continue
            if path.name.endswith("-old") and not out_dir.exists():
                os.replace(path, out_dir)
                continue
            shutil.rmtree(path, ignore_errors=True)
            removed.append(path)
    return removed


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return False  # a leftover of an earlier process that had our pid
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, OSError):
        return True
    return True


def _swap(staging: Path, out_dir: Path) -> None:
    """Put staging where out_dir is; the old output is removed only after the swap."""
    if not out_dir.exists():
        os.replace(staging, out_dir)
        return
    if _exchange(staging, out_dir):  # one atomic step: there is always a complete output
        shutil.rmtree(staging, ignore_errors=True)  # now holds the previous output
        return
    old = out_dir.with_name(f".{out_dir.name}.casefolio-{os.getpid()}-old")
    if old.exists():
        shutil.rmtree(old)
    os.replace(out_dir, old)
    try:
        os.replace(staging, out_dir)
    except BaseException:
        os.replace(old, out_dir)
        raise
    shutil.rmtree(old, ignore_errors=True)


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths atomically (Linux renameat2 RENAME_EXCHANGE); False where unsupported."""
    renameat2 = _renameat2()
    if renameat2 is None:
        return False
    if renameat2(-100, os.fsencode(a), -100, os.fsencode(b), 2) == 0:  # AT_FDCWD, EXCHANGE
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP, errno.EPERM):
        return False  # this file system cannot exchange: fall back to two renames
    raise OSError(code, os.strerror(code), str(b))


@functools.cache
def _renameat2() -> Callable[..., int] | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        function = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):  # musl or an old glibc
        return None
    function.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p,
                         ctypes.c_uint]
    function.restype = ctypes.c_int
    return function  # type: ignore[no-any-return]
