"""Nothing lost: the output folder is only ever a folder casefolio made, holding only files it
wrote; a failed, interrupted or killed build leaves the previous output complete; nothing is
ever written outside it, whatever a path says (issue 5)."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

import generator.build
from generator.cli import main
from generator.errors import CasefolioError
from generator.output.writer import (
    MARKER,
    MARKER_TEXT,
    Output,
    Spool,
    Spooled,
    check_output_dir,
    clean_leftovers,
    foreign_files,
    safe_relpath,
    sync_dir,
    write_site,
)
from tests.conftest import REPO


def tree(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file() and not p.is_symlink()}


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["build", *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        result.exception)
    assert "Traceback" not in result.output
    return result.exit_code, result.output


@pytest.fixture
def no_writing(monkeypatch):
    """For the most dangerous folders: had the check failed, nothing would be written."""
    def refuse(outputs, out_dir):  # pragma: no cover - only runs if the check is broken
        raise AssertionError(f"write_site was called for {out_dir}")
    monkeypatch.setattr(generator.build, "write_site", refuse)


# --- which folders may be replaced ---------------------------------------------------------

@pytest.mark.parametrize(("where", "reason"), [
    (lambda site: site, "it contains the site folder"),
    (lambda site: site.parent, "it contains the site folder"),
    (lambda site: site / "content", "it is the site's own content/"),
    (lambda site: site / "content/case-studies", "it is the site's own content/"),
    (lambda site: site / "static", "it is the site's own static/"),
    (lambda site: site / "templates", "it is the site's own templates/"),
    (lambda site: site / "themes", "it is the site's own themes/"),
    (lambda site: site / "site.yaml", "it is the site's own site.yaml"),
    (lambda site: site / ".casefolio/cache", "it is the site's own .casefolio"),
    (lambda site: Path("/"), "it is the root of the file system"),
])
def test_refuses_folders_holding_the_site_or_the_system(make_site, no_writing, where,
                                                        reason: str) -> None:
    site = make_site({"templates/partials/x.html": "x", "themes/mine/templates/base.html": "x",
                      ".casefolio/cache/build.pickle": b"x"})
    before = tree(site)
    code, output = run(str(site), "-o", str(where(site)), "--force")
    assert code == 1
    assert f"refusing to use this output folder: {reason}" in output
    assert "hint: choose another folder with -o" in output
    assert tree(site) == before


@pytest.mark.parametrize(("where", "reason"), [
    (lambda home: home, "it is your home folder"),
    (lambda home: home.parent, "it contains your home folder"),
])
def test_refuses_home_and_its_parents(make_site, tmp_path: Path, monkeypatch, no_writing,
                                      where, reason: str) -> None:
    home = tmp_path / "users" / "me"
    (home / "Documents").mkdir(parents=True)
    (home / "Documents/thesis.txt").write_text("precious")
    monkeypatch.setenv("HOME", str(home))
    site = make_site()
    code, output = run(str(site), "-o", str(where(home)), "--force")
    assert code == 1 and f"refusing to use this output folder: {reason}" in output
    assert (home / "Documents/thesis.txt").read_text() == "precious"


def test_refuses_a_folder_it_did_not_create_unless_forced(make_site, tmp_path: Path) -> None:
    site = make_site()
    other = tmp_path / "photos"
    other.mkdir()
    (other / "holiday.jpg").write_bytes(b"jpeg")
    code, output = run(str(site), "-o", str(other))
    assert code == 1
    assert "it is not empty and was not created by casefolio; pass --force" in output
    assert (other / "holiday.jpg").read_bytes() == b"jpeg"
    code, output = run(str(site), "-o", str(other), "--force")
    assert code == 0, output
    assert (other / MARKER).is_file() and not (other / "holiday.jpg").exists()


def test_refuses_a_file_as_output(make_site, tmp_path: Path) -> None:
    site = make_site()
    target = tmp_path / "notes.txt"
    target.write_text("mine")
    code, output = run(str(site), "-o", str(target), "--force")
    assert code == 1 and "it is a file, not a folder" in output
    assert target.read_text() == "mine"


def test_an_output_path_that_loops_is_an_error(make_site, tmp_path: Path) -> None:
    site = make_site()
    (tmp_path / "loop").symlink_to(tmp_path / "loop")
    code, output = run(str(site), "-o", str(tmp_path / "loop"))
    assert code == 1 and "cannot use this output folder" in output


def test_empty_and_missing_folders_are_fine(make_site, tmp_path: Path) -> None:
    site = make_site()
    (tmp_path / "empty").mkdir()
    assert run(str(site), "-o", str(tmp_path / "empty"))[0] == 0
    assert run(str(site), "-o", str(tmp_path / "new/deeper"))[0] == 0
    assert (tmp_path / "new/deeper/index.html").is_file()


# --- stale files, foreign files ------------------------------------------------------------

def test_stale_files_go_but_foreign_files_stop_the_build(make_site) -> None:
    site = make_site()
    out = site / "output"
    assert run(str(site))[0] == 0
    (site / "content/pages/about.md").unlink()
    assert run(str(site))[0] == 0
    assert not (out / "about").exists()                     # ours and stale: removed
    (out / "CNAME").write_text("www.example.com\n")          # the user's
    (out / "notes").mkdir()
    (out / "notes/todo.txt").write_text("call Acme")
    (out / "link").symlink_to("/etc", target_is_directory=True)
    before = tree(out)
    assert foreign_files(out) == ["CNAME", "link", "notes/todo.txt"]
    code, output = run(str(site))
    assert code == 1
    assert "it holds files the last build did not write (CNAME, link, notes/todo.txt)" in output
    assert "move them into static/" in output and "--force" in output
    assert tree(out) == before and (out / "link").is_symlink()
    code, output = run(str(site), "--force")                 # the user said so
    assert code == 0 and not (out / "CNAME").exists()
    assert Path("/etc").is_dir()                             # a link is removed, not followed


def test_a_marker_without_a_file_list_still_counts_as_ours(make_site) -> None:
    """Output folders written before the marker listed its files keep working."""
    site = make_site()
    out = site / "output"
    out.mkdir()
    (out / "old-page.html").write_text("old")
    (out / MARKER).write_bytes(MARKER_TEXT)
    assert run(str(site))[0] == 0
    assert not (out / "old-page.html").exists()
    assert foreign_files(out) == []


def test_sync_dir_refuses_a_foreign_folder(tmp_path: Path) -> None:
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "keep.txt").write_text("keep")
    with pytest.raises(CasefolioError, match="did not create"):
        sync_dir([Output("index.html", b"x", "")], folder)
    assert (folder / "keep.txt").read_text() == "keep"
    fresh = tmp_path / "fresh"
    assert sync_dir([Output("a/index.html", b"x", "")], fresh) == ["a/index.html"]
    assert sync_dir([Output("b.html", b"y", "")], fresh) == ["b.html", "a/index.html"]
    assert sorted(p.name for p in fresh.iterdir()) == [MARKER, "b.html"]


# --- nothing outside the output folder -----------------------------------------------------

@pytest.mark.parametrize("path", [
    "..", "../x.html", "a/../../x.html", "a/..", "/etc/passwd", "//server/share", "a\\b.html",
    "..\\..\\x", "a\x00b", "a\nb.html", "", ".", "./a", "a//b", "a/", "a/./b", MARKER,
    f"{MARKER}/index.html", f"a/{MARKER}",
])
def test_safe_relpath_rejects(path: str) -> None:
    with pytest.raises(CasefolioError, match="refusing to write outside the output folder"):
        safe_relpath(path)


@pytest.mark.parametrize("path", ["index.html", "a/b/c.html", "a..b.html", "café/x.html",
                                  ".well-known/security.txt", "..a", "a.."])
def test_safe_relpath_allows(path: str) -> None:
    assert safe_relpath(path) == path


def test_write_site_writes_nothing_outside_even_if_validation_were_bypassed(
        tmp_path: Path) -> None:
    out = tmp_path / "out"
    write_site([Output("index.html", b"v1", "")], out)
    before = tree(tmp_path)
    for bad in ("../escape.html", "../../escape.html", str(tmp_path / "abs.html"),
                "sub/../../escape.html", "a\\..\\..\\escape.html"):
        with pytest.raises(CasefolioError):
            write_site([Output("index.html", b"v2", ""), Output(bad, b"evil", "")], out)
    assert tree(tmp_path) == before
    assert [p.name for p in tmp_path.iterdir()] == ["out"]   # no staging folder left either


def test_slugs_that_slip_past_validation_still_cannot_escape(make_site, monkeypatch) -> None:
    """Switch the slug check off everywhere: the writer alone still holds the line."""
    import generator.content.document
    import generator.content.schema
    monkeypatch.setattr(generator.content.schema, "check_slug", lambda value: value)
    monkeypatch.setattr(generator.content.document, "check_slug", lambda value: value)
    site = make_site({"content/pages/about.md": "---\ntitle: A\nslug: ../../../escaped\n---\n"})
    before = tree(site.parent)
    code, output = run(str(site))
    assert code == 1 and "refusing to write outside the output folder" in output
    assert "escaped" in output
    # The image cache (.casefolio/, keyed by content) may fill; nothing else may change.
    assert {k: v for k, v in tree(site.parent).items() if "/.casefolio/" not in k} == before
    assert not list(site.parent.parent.rglob("escaped"))


def test_a_file_and_a_folder_with_the_same_path_are_reported_together() -> None:
    with pytest.raises(CasefolioError) as info:
        write_site([Output("feed.xml", b"x", ""), Output("feed.xml/index.html", b"y", ""),
                    Output("../x", b"", "")], Path("/nonexistent/never-made"))
    text = str(info.value)
    assert "feed.xml: two things want this path" in text and "../x: refusing" in text
    assert not Path("/nonexistent").exists()


def test_write_errors_are_reported_and_leave_the_output(make_site, monkeypatch) -> None:
    site = make_site()
    assert run(str(site))[0] == 0
    before = tree(site / "output")
    real = Path.write_bytes

    def full_disk(self: Path, data: bytes) -> int:
        if self.name == "index.html" and "about" in str(self):
            raise OSError(28, "No space left on device", str(self))
        return real(self, data)
    monkeypatch.setattr(Path, "write_bytes", full_disk)
    real_put = Spool._put

    def full_spool(self: Spool, data: bytes) -> Spooled:  # where a one-off build puts pages
        if b"<p>New.</p>" in data:
            raise OSError(28, "No space left on device", self.folder)
        return real_put(self, data)
    monkeypatch.setattr(Spool, "_put", full_spool)
    (site / "content/pages/about.md").write_text("---\ntitle: About us\n---\nNew.\n")
    code, output = run(str(site))
    assert code == 1 and "cannot write the output: No space left on device" in output
    assert "hint: check the free disk space" in output
    assert tree(site / "output") == before
    assert not [p for p in site.iterdir() if p.name.startswith(".output.casefolio-")]


# --- interrupted builds ----------------------------------------------------------------------

KILL_AFTER_WRITES = textwrap.dedent("""\
    import os, signal, sys
    from pathlib import Path
    import generator.output.writer as writer
    count = [0]
    def counted():  # every file written: to the output, staging, or the build's spool
        count[0] += 1
        if count[0] == int(os.environ["KILL_AT"]):
            os.kill(os.getpid(), getattr(signal, os.environ.get("SIGNAL", "SIGKILL")))
    real, real_put = Path.write_bytes, writer.Spool._put
    def write_bytes(self, data):
        counted()
        return real(self, data)
    def put(self, data):
        counted()
        return real_put(self, data)
    Path.write_bytes, writer.Spool._put = write_bytes, put
    if os.environ.get("NO_EXCHANGE"):
        import generator.output.writer as w
        w._exchange = lambda a, b: False
        real_replace = os.replace
        def replace(a, b):
            real_replace(a, b)
            if os.path.basename(os.fspath(a)) == "output":  # the old output moved aside
                os.kill(os.getpid(), signal.SIGKILL)
        os.replace = replace
    from generator.cli import main
    main(["build", sys.argv[1]])
""")


def changed_site(make_site, files: dict[str, str | bytes | None] | None = None,
                 ) -> tuple[Path, dict[str, str]]:
    """A site built once, then edited: a completed build would change the output."""
    site = make_site(files)
    assert run(str(site))[0] == 0
    before = tree(site / "output")
    (site / "content/pages/about.md").write_text("---\ntitle: Changed\n---\nNew body.\n")
    return site, before


@pytest.mark.parametrize("kill_at", [1, 2, 15])
def test_sigkill_while_writing_leaves_the_previous_output(make_site, kill_at: int) -> None:
    site, before = changed_site(make_site)
    done = subprocess.run([sys.executable, "-c", KILL_AFTER_WRITES, str(site)], cwd=REPO,
                          env={**os.environ, "KILL_AT": str(kill_at)}, capture_output=True)
    assert done.returncode == -signal.SIGKILL
    assert tree(site / "output") == before
    leftovers = [p for p in site.iterdir() if p.name.startswith(".output.casefolio-")]
    assert 1 <= len(leftovers) <= 2  # the spool of new pages, the staging folder
    assert all((p / MARKER).is_file() for p in leftovers) or kill_at <= 2  # at a marker
    code, _ = run(str(site))                                  # the next build tidies up
    assert code == 0
    assert not [p for p in site.iterdir() if p.name.startswith(".output.casefolio-")]
    assert "Changed" in (site / "output/about/index.html").read_text(encoding="utf-8")


def test_ctrl_c_while_writing_leaves_the_previous_output_and_no_leftovers(make_site) -> None:
    site, before = changed_site(make_site)
    done = subprocess.run([sys.executable, "-c", KILL_AFTER_WRITES, str(site)], cwd=REPO,
                          env={**os.environ, "KILL_AT": "7", "SIGNAL": "SIGINT"},
                          capture_output=True)
    assert done.returncode != 0
    assert tree(site / "output") == before
    assert not [p for p in site.iterdir() if p.name.startswith(".output.casefolio-")]


def test_sigkill_inside_a_two_step_swap_is_recovered(make_site) -> None:
    """Where the file system cannot exchange two folders atomically, a build killed between
    the two renames leaves the previous output aside; the next build puts it back first."""
    site, before = changed_site(make_site)
    done = subprocess.run([sys.executable, "-c", KILL_AFTER_WRITES, str(site)], cwd=REPO,
                          env={**os.environ, "KILL_AT": "0", "NO_EXCHANGE": "1"},
                          capture_output=True)
    assert done.returncode == -signal.SIGKILL
    assert not (site / "output").exists()
    clean_leftovers(site / "output")
    assert tree(site / "output") == before
    assert not [p for p in site.iterdir() if p.name.startswith(".output.casefolio-")]


def test_leftovers_of_live_builds_and_foreign_folders_are_not_touched(tmp_path: Path) -> None:
    out = tmp_path / "output"
    live = tmp_path / f".output.casefolio-{os.getppid()}-abc"   # a running process's
    foreign = tmp_path / ".output.casefolio-999999999-xyz"     # no marker: not ours
    dead = tmp_path / ".output.casefolio-999999998-def"        # ours, its process gone
    empty = tmp_path / ".output.casefolio-999999997-ghi"       # killed before its marker
    for folder in (live, foreign, dead):
        folder.mkdir()
        (folder / "file").write_text("x")
    empty.mkdir()
    (live / MARKER).write_bytes(MARKER_TEXT)
    (dead / MARKER).write_bytes(MARKER_TEXT)
    assert clean_leftovers(out) == [empty, dead]
    assert live.is_dir() and foreign.is_dir() and not dead.exists() and not empty.exists()


@pytest.mark.timeout(120)
def test_sigkill_from_outside_during_a_big_build(make_site) -> None:
    """The real thing: a build of a few thousand files killed as soon as its staging folder
    appears; the previous output is complete and unchanged."""
    files: dict[str, str | bytes | None] = {f"static/files/{i:05}.txt": f"file {i}\n" * 20
                                            for i in range(1500)}
    site, before = changed_site(make_site, files)
    process = subprocess.Popen([sys.executable, "-m", "generator", "build", str(site), "-q"],
                               cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    try:
        while time.monotonic() < deadline and process.poll() is None:
            if any(p.name.startswith(".output.casefolio-") for p in site.iterdir()):
                process.send_signal(signal.SIGKILL)
                break
            time.sleep(0.0005)
    finally:
        process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL, "the build finished before it was killed"
    assert tree(site / "output") == before
    assert check_output_dir(site / "output", site) is None   # still recognised as ours
    assert run(str(site), "-q")[0] == 0


def test_an_output_folder_under_a_file_is_a_clear_error(make_site, tmp_path: Path) -> None:
    """The folder above the output is a file: exit 1, the path and a hint, no traceback."""
    site = make_site()
    (tmp_path / "a-file").write_text("not a folder", encoding="utf-8")
    code, output = run(str(site), "-o", str(tmp_path / "a-file/out"))
    assert code == 1 and "cannot write the output" in output
    assert "hint: check that the folder above it exists" in output
