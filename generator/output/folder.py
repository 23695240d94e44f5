"""What an output folder is made of: the records written there (Output), casefolio's own names
in it, the path check, and removing a folder of ours. writer.py has the rules."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

from generator.errors import CasefolioError, Problem


@dataclass(frozen=True, slots=True)
class Spooled:
    """An output's bytes, already in a file of the writer's spool (see writer.Spool), so
    that a big build does not hold every page and image in memory until it is written."""

    file: str
    size: int

    def __len__(self) -> int:
        return self.size


@dataclass(frozen=True, slots=True)
class Output:
    """A file to write: its bytes, and the key of everything that produced them."""

    path: str
    data: bytes | Spooled | None  # None: the file in the output folder is exactly this (cache.load)
    key: str


MARKER = ".casefolio-output"


MARKER_TEXT = b"This folder is written by casefolio build; it is replaced on every build.\n"


MANIFEST_HEADER = b"Files written by the last build (any other file here stops the next one):\n"


# In a staging folder, beside the output files: casefolio's own names (no output may use one).
OWN_PREFIX = ".casefolio-"


STAGED_MARKER = ".casefolio-next-marker"  # what an in-place write puts in MARKER's place last


JOURNAL = ".casefolio-journal"            # an in-place write's commit: its renames and deletions


JOURNAL_MAGIC = b"casefolio-journal-1"


_UNSAFE = re.compile(r"[\x00-\x1f\\]")


Plan = dict[str, bytes | Spooled | None]  # output path -> its bytes (None: the file there)


def safe_relpath(path: str) -> str:
    """Reject any output path that could land outside the output folder (or be ambiguous, or
    take one of casefolio's own names)."""
    parts = path.split("/")  # an absolute path starts with an empty part
    if not path or _UNSAFE.search(path) or any(part in ("", ".", "..") or part.startswith(
            OWN_PREFIX) for part in parts):
        raise CasefolioError([Problem(repr(path)[1:-1] or "(empty path)", None,
                                      "refusing to write outside the output folder",
                                      "a slug or file name contains `..`, `/`, `\\`, NUL or "
                                      "another control character; rename it")])
    return path


def remove_ours(folder: str | Path) -> None:
    """Delete one of our folders (staging, spool, a swapped-out output) so that a kill at any
    moment leaves it recognisable as ours for clean_leftovers: a committed journal goes
    first (a half-deleted folder must never be rolled forward), our marker last."""
    with contextlib.suppress(OSError):
        os.unlink(os.path.join(folder, JOURNAL))
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return
    for entry in entries:
        if entry.name == MARKER:
            continue
        if entry.is_dir(follow_symlinks=False):
            shutil.rmtree(entry.path, ignore_errors=True)
        else:
            with contextlib.suppress(OSError):
                os.unlink(entry.path)
    with contextlib.suppress(OSError):
        os.unlink(os.path.join(folder, MARKER))
    with contextlib.suppress(OSError):
        os.rmdir(folder)


IN_USE: set[str] = set()  # spool folders of this process's running build
