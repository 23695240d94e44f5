"""An in-place write's journal (committed atomically, applied idempotently), and completing or
removing what killed builds left beside the output. writer.py has the rules."""

from __future__ import annotations

import contextlib
import errno
import os
import re
import zlib
from dataclasses import dataclass
from pathlib import Path

from generator.errors import CasefolioError, Problem
from generator.output.folder import (
    IN_USE,
    JOURNAL,
    JOURNAL_MAGIC,
    MARKER,
    STAGED_MARKER,
    remove_ours,
    safe_relpath,
)


@dataclass(frozen=True, slots=True)
class Journal:
    """An in-place write, committed: apply it (again) and the folder holds the new site."""

    deletes: tuple[str, ...]   # files of the last build that this one does not produce
    renames: tuple[str, ...]   # staged files, each moved to the same path in the output


def commit_journal(staging: Path, journal: Journal) -> None:
    """Write the journal atomically: from this moment on, the write is done (rolled forward)."""
    payload = "".join([*(f"D\t{rel}\n" for rel in journal.deletes),
                       *(f"R\t{rel}\n" for rel in journal.renames)]).encode()
    header = b"%s %08x %d\n" % (JOURNAL_MAGIC, zlib.crc32(payload), len(payload))
    tmp = staging / f"{JOURNAL}.tmp"
    tmp.write_bytes(header + payload)
    os.replace(tmp, staging / JOURNAL)


def _journal(staging: Path) -> Journal | None:
    """The committed journal in a staging folder, or None (not committed, or damaged)."""
    try:
        data = (staging / JOURNAL).read_bytes()
    except OSError:
        return None
    line, _, payload = data.partition(b"\n")
    fields = line.split()
    try:
        if (len(fields) != 3 or fields[0] != JOURNAL_MAGIC or int(fields[2]) != len(payload)
                or int(fields[1], 16) != zlib.crc32(payload)):
            return None
        steps = [step.split("\t", 1) for step in payload.decode("utf-8").splitlines()]
        deletes = tuple(safe_relpath(rel) for kind, rel in steps if kind == "D")
        renames = tuple(safe_relpath(rel) for kind, rel in steps if kind == "R")
    except (ValueError, CasefolioError):
        return None
    return Journal(deletes, renames) if len(deletes) + len(renames) == len(steps) else None


def apply_journal(staging: Path, out_dir: Path, journal: Journal) -> None:
    """Do what the journal says. Every step may already have been done (by an apply that was
    killed), so each one is skipped when so: applying twice is applying once."""
    root, stage = str(out_dir), str(staging)
    real = os.path.realpath(root)
    inside = real + os.sep
    for rel in journal.deletes:
        target = os.path.join(root, rel)
        folder = os.path.realpath(os.path.dirname(target))
        if folder != real and not folder.startswith(inside):
            continue  # through a link to a folder elsewhere: not ours to delete
        try:
            os.unlink(target)
        except FileNotFoundError:
            pass
        except IsADirectoryError:
            with contextlib.suppress(OSError):
                os.rmdir(target)  # an empty folder where our file was; a full one stays
        _prune(os.path.dirname(target), root)
    for rel in journal.renames:
        source = os.path.join(stage, rel)
        if not os.path.lexists(source):
            continue  # moved before the interruption
        target = os.path.join(root, rel)
        folder = os.path.dirname(target)
        os.makedirs(folder, exist_ok=True)
        if folder != root and not os.path.realpath(folder).startswith(inside):
            raise OSError(errno.EXDEV, "a folder in the output is now a link", folder)
        os.replace(source, target)
    marker = os.path.join(stage, STAGED_MARKER)
    if os.path.lexists(marker):
        os.replace(marker, os.path.join(root, MARKER))


def _prune(folder: str, root: str) -> None:
    """Remove folder and its parents up to root while they are empty."""
    while folder != root and folder.startswith(root + os.sep):
        try:
            os.rmdir(folder)
        except OSError:
            return
        folder = os.path.dirname(folder)


def clean_leftovers(out_dir: Path) -> list[Path]:
    """Deal with what killed builds left beside out_dir (their staging folders): complete an
    in-place write that had committed its journal (roll forward), discard any other staging
    folder, and restore the previous output if a build died between the two renames of a
    non-atomic swap. Only folders with our name pattern, our marker inside and no live
    process behind them. Returns the folders removed."""
    pattern = re.compile(rf"\.{re.escape(out_dir.name)}\.casefolio-(\d+)-")
    removed = []
    with contextlib.suppress(OSError):
        for path in sorted(out_dir.parent.iterdir()):
            found = pattern.match(path.name)
            if (not found or not path.is_dir() or path.is_symlink() or _alive(int(found[1]))
                    or str(path) in IN_USE):
                continue
            if not (path / MARKER).is_file():  # killed before its first file: empty, or not ours
                with contextlib.suppress(OSError):
                    path.rmdir()
                    removed.append(path)
                continue
            if path.name.endswith("-old") and not out_dir.exists():
                os.replace(path, out_dir)
                continue
            _roll_forward(path, out_dir)
            remove_ours(path)
            removed.append(path)
    return removed


def _roll_forward(staging: Path, out_dir: Path) -> None:
    """Complete the in-place write whose journal is in staging, if it committed one."""
    journal = _journal(staging)
    if journal is None or not out_dir.is_dir():  # nothing committed, or no folder to complete
        return
    try:
        apply_journal(staging, out_dir, journal)
    except OSError as exc:  # the journal stays: the next build tries again
        raise CasefolioError([Problem(str(out_dir), None, "cannot complete the interrupted "
                                      f"last build: {exc.strerror or exc} "
                                      f"({exc.filename or out_dir})", "check that you may "
                                      f"write to {out_dir}, then build again")]) from None


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
