"""The in-place writer (issue 8): when most files are already in the output folder, a build
writes only what changed, deletes what it no longer produces, and leaves every other file
alone (same inode, same mtime); killed or failing at any step, the folder ends up holding
exactly the old site or exactly the new one once the next build (or clean_leftovers) ran."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import generator.output.writer
from generator.build import BuildState, build, build_to
from generator.errors import CasefolioError
from generator.incremental import cache
from generator.output.folder import JOURNAL
from generator.output.writer import MARKER, Output, clean_leftovers, write_site
from tests.conftest import REPO

STATIC = 40  # files that no edit touches: most of the site stays in place


def tree(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def stamps(root: Path) -> dict[str, tuple[int, int]]:
    return {p.relative_to(root).as_posix(): (p.stat().st_ino, p.stat().st_mtime_ns)
            for p in root.rglob("*") if p.is_file()}


def leftovers(site: Path) -> list[str]:
    return [p.name for p in site.iterdir() if p.name.startswith(".output.casefolio-")]


FILES: dict[str, str | bytes | None] = {
    **{f"static/files/{i:03}.txt": f"file {i}\n" for i in range(STATIC)},
    "static/gone/old.txt": "a file the edit deletes, alone in its folder\n",
}


def edit(site: Path) -> None:
    """One page's body, one static file changed; one deleted; one added in new folders."""
    (site / "content/pages/about.md").write_text(
        "---\ntitle: About\nsummary: Who we are.\nmenu: true\n---\nUs, and more.\n")
    (site / "static/files/001.txt").write_text("file 1, edited\n")
    (site / "static/gone/old.txt").unlink()
    (site / "static/gone").rmdir()
    (site / "static/new/deep").mkdir(parents=True)
    (site / "static/new/deep/added.txt").write_text("added\n")


def cold_tree(site: Path, tmp_path: Path) -> dict[str, str]:
    """The output of a cold build of a copy of the site: no cache, a fresh folder."""
    copy = tmp_path / "cold"
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(site, copy, ignore=shutil.ignore_patterns(".casefolio", "output",
                                                              ".output.*"))
    build_to(copy, copy / "output")
    return tree(copy / "output")


@pytest.fixture
def built(make_site) -> Path:
    """A site built twice (a warm cache), then edited."""
    site = make_site(FILES)
    build_to(site, site / "output")
    build_to(site, site / "output")
    return site


def test_only_changed_files_are_written_and_stale_ones_deleted(built: Path,
                                                               tmp_path: Path) -> None:
    out = built / "output"
    before = stamps(out)
    edit(built)
    build_to(built, out)
    after = stamps(out)
    assert tree(out) == cold_tree(built, tmp_path)
    assert not (out / "gone").exists()                       # the file and its folder
    rewritten = {rel for rel in after if before.get(rel) != after[rel]}
    assert rewritten == {"about/index.html", "files/001.txt", "new/deep/added.txt", MARKER}
    assert leftovers(built) == []


def test_a_body_edit_rewrites_one_file_and_not_the_marker(built: Path) -> None:
    out = built / "output"
    before = stamps(out)
    (built / "content/pages/about.md").write_text(
        "---\ntitle: About\nsummary: Who we are.\nmenu: true\n---\nUs, and more.\n")
    build_to(built, out)
    after = stamps(out)
    assert {rel for rel in after if before.get(rel) != after[rel]} == {"about/index.html"}


def cached_outputs(site: Path) -> list[Output]:
    documents, outputs = cache.load(site, site / "output")
    assert outputs and all(o.data is None for o in outputs.values())
    return list(build(site, state=BuildState(documents=documents, outputs=outputs)).outputs)


def test_nothing_changed_writes_nothing_not_even_the_marker(built: Path, monkeypatch) -> None:
    out = built / "output"
    before = stamps(out)
    outputs = cached_outputs(built)
    monkeypatch.setattr(generator.output.writer.tempfile, "mkdtemp", None)  # no staging either
    assert write_site(outputs, out) == 0
    assert stamps(out) == before


def test_a_file_whose_bytes_did_not_change_is_left_alone(built: Path) -> None:
    out = built / "output"
    before = stamps(out)
    page = (out / "about/index.html").read_bytes()
    outputs = [Output(o.path, page, "another key") if o.path == "about/index.html" else o
               for o in cached_outputs(built)]
    assert write_site(outputs, out) == 0
    assert stamps(out) == before


def test_most_files_changed_replaces_the_folder_whole(built: Path) -> None:
    out = built / "output"
    outputs = [Output(o.path, b"new", "") for o in cached_outputs(built)]
    inode = out.stat().st_ino
    write_site(outputs, out)
    assert out.stat().st_ino != inode                        # a new folder, swapped in
    assert set(tree(out).values()) == {hashlib.sha256(b"new").hexdigest(),
                                       hashlib.sha256((out / MARKER).read_bytes()).hexdigest()}


def test_reused_files_are_linked_into_a_whole_replacement(built: Path) -> None:
    """--force (or most files changed) with outputs reused from the cache (data None): the
    files already there go into the new folder as they are."""
    out = built / "output"
    before = tree(out)
    (out / "CNAME").write_text("foreign")
    write_site(cached_outputs(built), out, in_place=False)
    assert tree(out) == before


# --- killed at every step ----------------------------------------------------------------------

KILLER = textwrap.dedent("""\
    import atexit, json, os, shutil, signal, sys
    from pathlib import Path
    site = sys.argv[1]
    out, staging = os.path.join(site, "output"), os.path.join(site, ".output.casefolio-")
    op, at = os.environ["KILL_OP"], int(os.environ["KILL_AT"])
    counts = {}

    def ours(*paths):
        return any(os.fspath(p).startswith((out + os.sep, staging)) for p in paths)

    def patch(owner, name):
        real = getattr(owner, name)
        def wrapper(*args, **kwargs):
            if ours(*args[:2]):
                counts[name] = counts.get(name, 0) + 1
                if name == op and counts[name] == at:
                    os.kill(os.getpid(), signal.SIGKILL)
            return real(*args, **kwargs)
        setattr(owner, name, wrapper)

    patch(Path, "write_bytes")
    patch(os, "replace")
    patch(os, "unlink")
    patch(shutil, "rmtree")
    atexit.register(lambda: print(json.dumps(counts), file=sys.stderr))
    from generator.cli import main
    main(["build", site, "-q"])
""")


def killed(site: Path, op: str, at: int) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", KILLER, str(site)], cwd=REPO, text=True,
                          env={**os.environ, "KILL_OP": op, "KILL_AT": str(at),
                               "CASEFOLIO_PROCESSES": "1"}, capture_output=True)


@pytest.mark.timeout(240)
def test_sigkill_at_every_step_leaves_the_old_or_the_new_site(built: Path,
                                                              tmp_path: Path) -> None:
    out = built / "output"
    old = tree(out)
    edit(built)
    new = cold_tree(built, tmp_path)
    pristine = tmp_path / "pristine"
    shutil.copytree(built, pristine)  # copy2: mtimes kept, so the cache still vouches

    dry = killed(built, "none", 0)
    assert dry.returncode == 0, dry.stderr
    counts = json.loads(dry.stderr.strip().splitlines()[-1])
    assert tree(out) == new
    # Writes: the spool's and the staging folder's markers, the 2 changed static files, the
    # next marker, the journal. Renames: the changed page from the spool into staging, the
    # journal (the commit), the 3 files, the marker. Deleted: 1 stale file; then the staging
    # folder (its journal first, its marker last, the emptied folders below) and the spool
    # (its marker last, after any spooled file that was not moved: bytes unchanged).
    assert counts["write_bytes"] == 2 + 2 + 1 + 1
    assert counts["replace"] == 1 + 1 + 3 + 1
    assert counts["unlink"] >= 1 + 2 + 1 and counts["rmtree"] >= 1
    steps = ([("write_bytes", n, old) for n in range(1, counts["write_bytes"] + 1)]
             + [("replace", 1, old), ("replace", 2, old)]
             + [("replace", n, new) for n in range(3, counts["replace"] + 1)]
             + [("unlink", n, new) for n in range(1, counts["unlink"] + 1)]
             + [("rmtree", n, new) for n in range(1, counts["rmtree"] + 1)])
    for op, at, expected in steps:
        shutil.rmtree(built)
        shutil.copytree(pristine, built)
        done = killed(built, op, at)
        assert done.returncode == -signal.SIGKILL, (op, at, done.stderr)
        if expected is old:
            assert tree(out) == old, (op, at)                # never touched before the commit
        assert 1 <= len(leftovers(built)) <= 2, (op, at)  # the staging folder, the spool
        clean_leftovers(out)
        assert tree(out) == expected, (op, at)
        assert leftovers(built) == []
        build_to(built, out)                                 # and the next build: the new one
        assert tree(out) == new, (op, at)


def test_the_next_build_completes_an_interrupted_write_before_checking_the_folder(
        built: Path, tmp_path: Path) -> None:
    """Until the journal is applied, the new files are not in the marker: they must not be
    taken for foreign files (which would stop the build)."""
    edit(built)
    new = cold_tree(built, tmp_path)
    done = killed(built, "replace", 3)
    assert done.returncode == -signal.SIGKILL
    assert any((built / name / JOURNAL).is_file() for name in leftovers(built))
    build_to(built, built / "output")
    assert tree(built / "output") == new and leftovers(built) == []


# --- failing at a step ---------------------------------------------------------------------

def test_a_write_error_before_the_commit_leaves_the_old_site(built: Path, monkeypatch) -> None:
    old = tree(built / "output")
    edit(built)
    real = Path.write_bytes

    def full_disk(self: Path, data: bytes) -> int:
        if self.name == "added.txt":
            raise OSError(28, "No space left on device", str(self))
        return real(self, data)
    monkeypatch.setattr(Path, "write_bytes", full_disk)
    with pytest.raises(CasefolioError, match="No space left on device"):
        build_to(built, built / "output")
    assert tree(built / "output") == old and leftovers(built) == []


def test_an_error_while_applying_is_completed_by_the_next_build(built: Path, tmp_path: Path,
                                                               monkeypatch) -> None:
    edit(built)
    new = cold_tree(built, tmp_path)
    real = os.replace

    def refuse(a, b) -> None:
        if os.fspath(b).endswith("added.txt"):
            raise OSError(13, "Permission denied", os.fspath(b))
        real(a, b)
    monkeypatch.setattr(generator.output.writer.os, "replace", refuse)
    with pytest.raises(CasefolioError, match="Permission denied"):
        build_to(built, built / "output")
    assert len(leftovers(built)) == 1                        # the journal is kept
    monkeypatch.setattr(generator.output.writer.os, "replace", real)
    build_to(built, built / "output")
    assert tree(built / "output") == new and leftovers(built) == []


def test_ctrl_c_while_applying_finishes_the_write(built: Path, tmp_path: Path,
                                                  monkeypatch) -> None:
    edit(built)
    new = cold_tree(built, tmp_path)
    real, calls = os.replace, []

    def interrupt(a, b) -> None:
        if ".output.casefolio-" in os.fspath(a):
            calls.append(b)
            if len(calls) == 3:  # the journal, one file, then Ctrl-C
                raise KeyboardInterrupt
        real(a, b)
    monkeypatch.setattr(generator.output.writer.os, "replace", interrupt)
    with pytest.raises(KeyboardInterrupt):
        build_to(built, built / "output")
    assert tree(built / "output") == new and leftovers(built) == []


def test_a_damaged_journal_is_never_applied(built: Path) -> None:
    """A journal that fails its checksum is not a commit: the staging folder is discarded."""
    out = built / "output"
    old = tree(out)
    staging = built / ".output.casefolio-999999999-abc"
    staging.mkdir()
    (staging / MARKER).write_text("ours")
    (staging / "index.html").write_text("never")
    (staging / JOURNAL).write_bytes(b"casefolio-journal-1 00000000 14\nR\tindex.html\n")
    assert clean_leftovers(out) == [staging]
    assert tree(out) == old


def test_a_journal_cannot_reach_outside_the_output(built: Path) -> None:
    out = built / "output"
    old = tree(built)
    staging = built / ".output.casefolio-999999999-abc"
    staging.mkdir()
    (staging / MARKER).write_text("ours")
    payload = b"D\t../site.yaml\nR\t../escaped\n"
    (staging / JOURNAL).write_bytes(b"casefolio-journal-1 %08x %d\n" % (
        __import__("zlib").crc32(payload), len(payload)) + payload)
    clean_leftovers(out)
    assert {k: v for k, v in tree(built).items() if not k.startswith(".output")} == old
