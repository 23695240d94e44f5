"""The only code that touches the output folder (the dev server's own folder: preview.py).

A build's changes land all at once or not at all: a failed, interrupted or killed build leaves
the previous output as it was, or (once it has committed) the next build completes it; never
half a site. Two ways to get there:

- whole: every file is written into a fresh folder beside the output, which is then swapped
  into place (one atomic exchange on Linux: a web server reading the folder sees the old site
  or the new one). For a new folder, --force, or when most files change.
- in place: when most files are already in the folder (outputs whose data is None: the file
  there is that output), only the changed files are written into a folder beside it; then a
  journal (the renames to do, the stale files to delete) is committed atomically and applied
  (a web server may see a mix for the milliseconds the renames take). A build killed after
  committing is rolled forward by `clean_leftovers`, which every write, and `casefolio build`
  before it reads the folder, runs first. Replacing a 10,000-page folder costs seconds (one
  rmdir per page folder, to delete the old one); this costs nothing when nothing changed.

Nothing is written or deleted outside the output folder, whatever a path says, even one in
the marker file (its unsafe lines are ignored, and every deletion is checked to stay inside).
A folder casefolio did not create is never emptied, and neither is a file the last build did
not write: the marker file lists every file the build wrote, and anything else found in the
folder (every file, when an old marker lists none) stops the next build (unless --force)
instead of being deleted. A folder of the site itself, or one holding a git repository, is
never used, even with --force. A replaced output folder keeps its permissions.
"""

from __future__ import annotations

import ctypes
import errno
import functools
import os
import shutil
import stat
import sys
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path

from generator.errors import CasefolioError, Problem
from generator.output.folder import (
    IN_USE,
    MARKER,
    MARKER_TEXT,
    STAGED_MARKER,
    Output,
    Plan,
    Spooled,
    remove_ours,
    safe_relpath,
)
from generator.output.journal import Journal, apply_journal, clean_leftovers, commit_journal
from generator.output.listing import foreign_files, listed, manifest, marker_bytes

_SITE_FILES = ("content", "static", "templates", "themes", "archetypes", ".casefolio", ".git",
               ".github", "site.yaml")


def check_output_dir(out_dir: Path, site_dir: Path, force: bool = False) -> None:
    """Refuse output folders whose replacement would destroy something that isn't ours. An
    interrupted in-place write is completed first: until then its new files look foreign."""
    try:
        out, site = out_dir.resolve(), site_dir.resolve()
    except (OSError, RuntimeError) as exc:  # a symlink loop, an unreadable parent...
        raise CasefolioError([Problem(str(out_dir), None, f"cannot use this output folder: "
                                      f"{exc}", "choose another folder with -o")]) from None
    reason = _danger(out, site)
    if not reason and out.exists() and not out.is_dir():
        reason = "it is a file, not a folder"
    if not reason:
        clean_leftovers(out)
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
    if ".git" in out.parts or (out / ".git").exists():
        return "it holds a git repository (.git)"
    return ""


def _not_ours(out: Path) -> str:
    """Why a non-empty folder may not be replaced without --force ('' when it is ours)."""
    if not (out / MARKER).is_file():
        if any(out.iterdir()):
            return ("it is not empty and was not created by casefolio; pass --force to "
                    "replace it anyway")
        return ""
    foreign = foreign_files(out)
    if not foreign:
        return ""
    shown = ", ".join(foreign[:5]) + (f" and {len(foreign) - 5} more"
                                      if len(foreign) > 5 else "")
    if manifest(out) is None:
        return (f"its marker, from an older casefolio, does not list the files it wrote, so "
                f"these may be yours ({shown}); move any you want published into static/, "
                "then pass --force to replace the folder")
    return (f"it holds files the last build did not write ({shown}); move them into "
            "static/ to publish them with every build, or pass --force to delete them")


def write_site(outputs: Iterable[Output], out_dir: Path, in_place: bool = True) -> int:
    """Make out_dir hold exactly these outputs (an output without data is the file already
    there); returns how many files were written. in_place=False replaces the folder whole,
    removing whatever else it held (--force)."""
    plan = _plan(list(outputs))
    out_dir = out_dir.resolve()
    try:
        out_dir.parent.mkdir(parents=True, exist_ok=True)
        clean_leftovers(out_dir)
        previous, clean = listed(out_dir) if in_place else (None, True)
        kept = sum(1 for data in plan.values() if data is None)
        if previous is not None and kept * 2 > len(plan):
            return _update(plan, out_dir, previous, rewrite=not clean)
        _replace(plan, out_dir)
        return len(plan)
    except OSError as exc:
        raise CasefolioError([Problem(str(out_dir), None, "cannot write the output: "
                                      f"{exc.strerror or exc} ({exc.filename or out_dir})",
                                      "check the free disk space and that you may write to "
                                      f"{out_dir.parent}")]) from None


def _staging(out_dir: Path, public: bool = False) -> Path:
    """A new folder beside out_dir, ours from its first byte (see clean_leftovers). `public`:
    it will become the output folder, so it gets out_dir's permissions (a new folder's follow
    the umask) instead of mkdtemp's 0700, which a web server running as another user could
    not read."""
    staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.casefolio-{os.getpid()}-",
                                    dir=out_dir.parent))
    try:
        if public:
            os.chmod(staging, _mode_for(out_dir))
        (staging / MARKER).write_bytes(MARKER_TEXT)
    except BaseException:
        remove_ours(staging)
        raise
    return staging


def _mode_for(out_dir: Path) -> int:
    """The permissions of out_dir, or those a new folder gets (0777 less the umask)."""
    try:
        return stat.S_IMODE(os.stat(out_dir).st_mode)
    except OSError:
        umask = os.umask(0o022)  # the only way to read it; set back at once
        os.umask(umask)
        return 0o777 & ~umask


def _replace(plan: Plan, out_dir: Path) -> None:
    """Write every output into a new folder, then swap it in place of out_dir."""
    staging = _staging(out_dir, public=True)
    try:
        for rel, data in plan.items():
            target = staging / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            if data is None:
                _link(out_dir / rel, target)
            else:
                _put(data, target)
        (staging / MARKER).write_bytes(marker_bytes(plan))
        _swap(staging, out_dir)
    except BaseException:
        remove_ours(staging)
        raise


def _link(source: Path, target: Path) -> None:
    """The file already written, into the new folder: a hard link (no copy) where possible."""
    try:
        os.link(source, target, follow_symlinks=False)
    except OSError as exc:
        if exc.errno not in (errno.EXDEV, errno.EPERM, errno.EMLINK, errno.ENOTSUP,
                             errno.EOPNOTSUPP):
            raise
        shutil.copyfile(source, target, follow_symlinks=False)


def _update(plan: Plan, out_dir: Path, previous: set[str], rewrite: bool = False) -> int:
    """Write only the changed files beside out_dir, commit a journal, apply it (`rewrite`:
    the marker too, even when it lists these very files)."""
    root = str(out_dir)
    changed = [rel for rel, data in plan.items() if data is not None
               and not (rel in previous and _holds(os.path.join(root, rel), data))]
    stale = sorted(previous - plan.keys())
    if not changed and not stale and previous == plan.keys() and not rewrite:
        return 0  # nothing to do: not even the marker is rewritten
    staging = _staging(out_dir)
    try:
        for rel in changed:
            target = staging / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            _put(plan[rel], target)  # type: ignore[arg-type]
        if rewrite or previous != plan.keys():  # rewritten when the files change
            (staging / STAGED_MARKER).write_bytes(marker_bytes(plan))
        journal = Journal(tuple(stale), tuple(changed))
        commit_journal(staging, journal)
    except BaseException:
        remove_ours(staging)
        raise
    try:
        apply_journal(staging, out_dir, journal)
    except BaseException as exc:
        try:  # finish what was committed (after a Ctrl-C, say)
            apply_journal(staging, out_dir, journal)
        except OSError as again:  # the journal stays: the next build completes it
            raise CasefolioError([Problem(str(out_dir), None, "the output is only partly "
                                          f"updated: {again.strerror or again} "
                                          f"({again.filename or out_dir})", "fix that and "
                                          "build again: it completes the update first")]
                                 ) from None
        if not isinstance(exc, OSError):
            remove_ours(staging)
            raise
    remove_ours(staging)
    return len(changed)


def _holds(file: str, data: bytes | Spooled) -> bool:
    """Whether the file there already has exactly these bytes (then it is left alone)."""
    try:
        with open(file, "rb") as f:
            if os.fstat(f.fileno()).st_size != len(data):
                return False
            if isinstance(data, Spooled):
                with open(data.file, "rb") as spooled:
                    return f.read() == spooled.read()
            return f.read() == data
    except OSError:
        return False


def _put(data: bytes | Spooled, target: Path) -> None:
    """Write an output's bytes to target; spooled ones are moved there (same file system)."""
    if isinstance(data, Spooled):
        try:
            os.replace(data.file, target)
            return
        except OSError as exc:
            if exc.errno != errno.EXDEV:
                raise
        shutil.copyfile(data.file, target)
    else:
        target.write_bytes(data)


class Spool:
    """Where a one-off build puts the bytes of new pages and images as they are made, so that
    it never holds them all in memory (~500 MB at 10,000 pages): a folder beside the output,
    made and cleaned up like a staging folder (a killed build's is removed by the next one),
    whose files write_site moves into place. Worker processes put files in it too."""

    def __init__(self, out_dir: Path) -> None:
        out_dir = out_dir.resolve()
        try:
            out_dir.parent.mkdir(parents=True, exist_ok=True)
            self.folder = str(_staging(out_dir))
        except OSError as exc:
            raise CasefolioError([Problem(str(out_dir), None, "cannot write the output: "
                                          f"{exc.strerror or exc} ({exc.filename or out_dir})",
                                          "check that the folder above it exists, is a folder "
                                          "and that you may write to it")]) from None
        IN_USE.add(self.folder)  # not a leftover, though it has our pid
        self._count = 0

    def put(self, data: bytes) -> Spooled:
        try:
            return self._put(data)
        except OSError as exc:
            raise CasefolioError([Problem(self.folder, None, "cannot write the output: "
                                          f"{exc.strerror or exc} ({exc.filename or self.folder})",
                                          "check the free disk space and that you may write "
                                          f"to {os.path.dirname(self.folder)}")]) from None

    def _put(self, data: bytes) -> Spooled:
        self._count += 1
        file = os.path.join(self.folder, f"{os.getpid()}-{self._count}")
        with open(file, "wb") as f:
            f.write(data)
        return Spooled(file, len(data))

    def discard(self) -> None:
        remove_ours(self.folder)
        IN_USE.discard(self.folder)


def _plan(outputs: list[Output]) -> Plan:
    """Each output's checked path and bytes; every unusable path reported at once."""
    plan: Plan = {}
    problems: list[Problem] = []
    for output in outputs:
        try:
            plan.setdefault(safe_relpath(output.path), output.data)
        except CasefolioError as exc:
            problems += exc.problems
    folders = set()
    for rel in plan:
        at = rel.find("/")
        while at >= 0:
            folders.add(rel[:at])
            at = rel.find("/", at + 1)
    problems += [Problem(rel, None, "two things want this path, one as a file and one as a "
                         f"folder (e.g. {next(p for p in plan if p.startswith(rel + '/'))})",
                         "rename the page's slug or the static file") for rel in plan
                 if rel in folders]
    if problems:
        raise CasefolioError(problems)
    return plan


def _swap(staging: Path, out_dir: Path) -> None:
    """Put staging where out_dir is; the old output is removed only after the swap."""
    if not out_dir.exists():
        os.replace(staging, out_dir)
        return
    if _exchange(staging, out_dir):  # one atomic step: there is always a complete output
        remove_ours(staging)  # now holds the previous output
        return
    old = out_dir.with_name(f".{out_dir.name}.casefolio-{os.getpid()}-old")
    if old.exists():
        remove_ours(old)
    os.replace(out_dir, old)
    try:
        os.replace(staging, out_dir)
    except BaseException:
        os.replace(old, out_dir)
        raise
    remove_ours(old)


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
