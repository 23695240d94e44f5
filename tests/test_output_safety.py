"""Nothing lost: the output folder is only ever a folder casefolio made, holding only files it
wrote; a failed, interrupted or killed build leaves the previous output complete; nothing is
ever written outside it, whatever a path says (issue 5)."""

from __future__ import annotations

import hashlib
import io
import os
import signal
import stat
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
from generator.output.preview import sync_dir
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
    write_site,
)
from tests.conftest import CASE, REPO, SITE_YAML


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
    (lambda site: site / ".git", "it is the site's own .git"),
    (lambda site: site / ".git/objects", "it is the site's own .git"),
    (lambda site: site / "archetypes", "it is the site's own archetypes/"),
    (lambda site: site / ".github", "it is the site's own .github"),
    (lambda site: site.parent / "other-repo", "it holds a git repository (.git)"),
    (lambda site: site.parent / "other-repo/.git", "it holds a git repository (.git)"),
])
def test_refuses_folders_holding_the_site_or_the_system(make_site, no_writing, where,
                                                        reason: str) -> None:
    site = make_site({"templates/partials/x.html": "x", "themes/mine/templates/base.html": "x",
                      ".casefolio/cache/build.pickle": b"x", ".git/HEAD": "ref: main\n",
                      ".git/objects/ab/cd": b"x", "archetypes/case-study.md": "---\n---\n",
                      ".github/workflows/pages.yml": "on: push\n"})
    (site.parent / "other-repo/.git").mkdir(parents=True, exist_ok=True)
    (site.parent / "other-repo/.git/HEAD").write_text("ref: main\n")
    (site.parent / "other-repo/README").write_text("mine")
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


def test_an_old_marker_without_a_file_list_does_not_empty_the_folder(make_site) -> None:
    """An old marker cannot tell our files from the user's (a docs/CNAME): --force only."""
    site = make_site()
    out = site / "docs"
    out.mkdir()
    (out / "CNAME").write_text("www.example.com\n")
    (out / MARKER).write_bytes(MARKER_TEXT)
    assert foreign_files(out) == ["CNAME"]
    code, output = run(str(site), "-o", str(out))
    assert code == 1 and "does not list the files it wrote" in output and "CNAME" in output
    assert "--force" in output
    assert (out / "CNAME").read_text() == "www.example.com\n"
    code, output = run(str(site), "-o", str(out), "--force")
    assert code == 0, output
    assert not (out / "CNAME").exists() and foreign_files(out) == []


def test_a_lone_old_marker_is_still_ours(make_site) -> None:
    site = make_site()
    (site / "output").mkdir()
    (site / "output" / MARKER).write_bytes(MARKER_TEXT)
    assert run(str(site))[0] == 0
    assert (site / "output/index.html").is_file()


# --- a manifest cannot delete what is not in the folder --------------------------------------

def tampered(out: Path, *lines: str) -> None:
    marker = out / MARKER
    marker.write_bytes(marker.read_bytes() + "".join(f"{line}\n" for line in lines).encode())


def test_a_tampered_manifest_deletes_nothing_outside_the_output(make_site, tmp_path) -> None:
    site = make_site({f"static/files/{i}.txt": str(i) for i in range(40)})  # kept: in place
    out = site / "output"
    assert run(str(site))[0] == 0
    notes, elsewhere = site / "NOTES.txt", tmp_path / "elsewhere.txt"
    notes.write_text("mine")
    elsewhere.write_text("mine too")
    tampered(out, "../NOTES.txt", str(elsewhere), f"..{os.sep}..{os.sep}elsewhere.txt",
             "about/../../NOTES.txt")
    (site / "content/pages/about.md").write_text("---\ntitle: Changed\n---\nNew.\n")
    code, output = run(str(site))
    assert code == 0, output
    assert notes.read_text() == "mine" and elsewhere.read_text() == "mine too"
    assert "Changed" in (out / "about/index.html").read_text(encoding="utf-8")
    assert "NOTES" not in (out / MARKER).read_text()          # repaired


def test_an_in_place_write_never_deletes_through_a_link_to_a_folder(tmp_path: Path) -> None:
    """The manifest names a file under a folder that is now a link out: it stays."""
    out, outside = tmp_path / "out", tmp_path / "outside"
    outside.mkdir()
    (outside / "NOTES.txt").write_text("mine")
    pages = [Output(f"p{i}.html", b"x", "") for i in range(4)]
    write_site(pages, out)
    (out / "sub").symlink_to(outside, target_is_directory=True)
    tampered(out, "sub/NOTES.txt")
    write_site([Output(p.path, None, "") for p in pages[:3]] + [Output("new.html", b"n", "")],
               out)
    assert (outside / "NOTES.txt").read_text() == "mine"
    assert not (out / "p3.html").exists() and (out / "new.html").is_file()


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


# --- issue 17: what is published, what is kept --------------------------------------------

def test_the_output_folder_keeps_its_mode_and_a_new_one_follows_the_umask(make_site) -> None:
    """mkdtemp's 0700 would lock out a web server running as another user."""
    site = make_site()
    out = site / "output"
    out.mkdir()
    out.chmod(0o751)
    assert run(str(site))[0] == 0
    assert (out / "index.html").is_file() and stat.S_IMODE(out.stat().st_mode) == 0o751
    assert run(str(site), "--force")[0] == 0
    assert stat.S_IMODE(out.stat().st_mode) == 0o751
    umask = os.umask(0o027)
    try:
        assert run(str(site), "-o", str(site.parent / "fresh"))[0] == 0
    finally:
        os.umask(umask)
    assert stat.S_IMODE((site.parent / "fresh").stat().st_mode) == 0o750


KILL_AFTER_SWAP = textwrap.dedent("""\
    import os, signal, sys
    import generator.output.writer as w
    swapped, unlinked = [False], [0]
    real_exchange, real_unlink = w._exchange, os.unlink
    def exchange(a, b):
        done = real_exchange(a, b)
        swapped[0] = True
        return done
    def unlink(path, *args, **kwargs):  # removing the previous output, swapped out
        real_unlink(path, *args, **kwargs)
        if swapped[0]:
            unlinked[0] += 1
            name = os.path.basename(os.fsdecode(path))
            if name == w.MARKER if os.environ["KILL_ON"] == "marker" else (
                    unlinked[0] == int(os.environ["KILL_ON"])):
                os.kill(os.getpid(), signal.SIGKILL)
    w._exchange, os.unlink = exchange, unlink
    from generator.cli import main
    main(["build", sys.argv[1], "--force"])
""")


@pytest.mark.parametrize("kill_on", ["marker", "3"])
def test_sigkill_while_removing_the_previous_output_is_tidied_by_the_next_build(
        make_site, kill_on: str) -> None:
    site, _ = changed_site(make_site)
    done = subprocess.run([sys.executable, "-c", KILL_AFTER_SWAP, str(site)], cwd=REPO,
                          env={**os.environ, "KILL_ON": kill_on}, capture_output=True)
    assert done.returncode == -signal.SIGKILL, done.stderr.decode()
    assert "Changed" in (site / "output/about/index.html").read_text(encoding="utf-8")
    assert [p for p in site.iterdir() if p.name.startswith(".output.casefolio-")]
    assert run(str(site))[0] == 0
    assert not [p for p in site.iterdir() if p.name.startswith(".output.casefolio-")]


def test_links_out_of_the_site_are_refused_unless_allowed(make_site, tmp_path: Path) -> None:
    brand = tmp_path / "brand"
    brand.mkdir()
    (brand / "secret.txt").write_text("API_KEY=hunter2")
    site = make_site({"static/inside.txt": "fine"})
    (site / "static/env.txt").symlink_to(brand / "secret.txt")
    (site / "content/case-studies/contract.txt").symlink_to(brand / "secret.txt")
    (site / "static/also-inside.txt").symlink_to(site / "static/inside.txt")
    if Path("/proc/self/environ").exists():
        (site / "static/environ").symlink_to("/proc/self/environ")
    code, output = run(str(site))
    assert code == 1
    assert "static/env.txt: a symbolic link to a file outside the site" in output
    assert "content/case-studies/contract.txt: a symbolic link to a file outside" in output
    assert ("static/environ: a symbolic link" in output) == (site / "static/environ").exists()
    assert "allow_links_to" in output and "also-inside" not in output
    assert not (site / "output").exists()
    (site / "static/environ").unlink(missing_ok=True)
    (site / "site.yaml").write_text(SITE_YAML + "allow_links_to: [../brand]\n")
    code, output = run(str(site))
    assert code == 0, output
    assert (site / "output/env.txt").read_text() == "API_KEY=hunter2"
    assert (site / "output/also-inside.txt").read_text() == "fine"


def png() -> bytes:
    from PIL import Image
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), "red").save(buffer, "PNG")
    return buffer.getvalue()


def test_files_only_a_draft_refers_to_are_not_published(make_site) -> None:
    draft = CASE.format(title="Secret deal").replace("---\nBody", "draft: true\n---\nBody") + (
        "\n![The new checkout](deal-shot.png)\n\n[The contract](contract%20v2.pdf)\n"
        "\n![Shared](shared.png)\n")
    published = CASE.format(title="Acme checkout") + "\n![Shared](shared.png)\n"
    site = make_site({"content/case-studies/secret.md": draft,
                      "content/case-studies/acme.md": published,
                      "content/case-studies/deal-shot.png": png(),
                      "content/case-studies/contract v2.pdf": b"%PDF-1.4 signed",
                      "content/case-studies/shared.png": png(),
                      "content/case-studies/loose.pdf": b"%PDF-1.4 linked by hand"})
    code, output = run(str(site))
    assert code == 0, output
    names = {p.relative_to(site / "output").as_posix()
             for p in (site / "output").rglob("*") if p.is_file()}
    assert not [n for n in names if "deal-shot" in n or "contract" in n]
    assert [n for n in names if "shared" in n] and "case-studies/loose.pdf" in names
    code, output = run(str(site), "--drafts")
    assert code == 0, output
    assert (site / "output/case-studies/contract v2.pdf").read_bytes() == b"%PDF-1.4 signed"


def test_a_draft_bundle_keeps_all_its_files_unpublished() -> None:
    """content/<kind>/<slug>/index.md and its files: the files go only with the page."""
    from types import SimpleNamespace

    from generator.content.sources import Asset
    from generator.published_files import public_assets

    def doc(rel: str) -> SimpleNamespace:
        rendered = SimpleNamespace(images=(), html="<p>No links.</p>")
        return SimpleNamespace(rel=rel, meta=SimpleNamespace(), rendered=rendered)
    bundle, flat = doc("content/case-studies/deal/index.md"), doc("content/pages/about.md")
    assets = [Asset(rel, rel.removeprefix("content/"), "f") for rel in (
        "content/case-studies/deal/shot.png", "content/case-studies/deal/docs/contract.pdf",
        "content/case-studies/dealer.png", "content/pages/team.jpg", "static/deal/x.txt")]
    kept = public_assets([bundle, flat], [flat], assets)  # type: ignore[list-item]
    assert [a.rel for a in kept] == ["content/case-studies/dealer.png",
                                     "content/pages/team.jpg", "static/deal/x.txt"]
    assert public_assets([bundle, flat], [bundle, flat], assets) is assets  # type: ignore


def test_an_unreadable_content_folder_is_an_error(make_site, monkeypatch) -> None:
    """chmod 000 does not stop root, so the folder's listing is made to fail as it would."""
    site = make_site({"content/pages/team.md": "---\ntitle: Team\n---\nUs.\n"})
    assert run(str(site))[0] == 0
    before = tree(site / "output")
    unreadable = str(site / "content/pages")
    real = os.scandir

    def scandir(path=".", *args):
        if os.fspath(path) == unreadable:
            raise PermissionError(13, "Permission denied", os.fspath(path))
        return real(path, *args)
    monkeypatch.setattr(os, "scandir", scandir)
    (site / "content/case-studies/acme.md").write_text(CASE.format(title="Changed"))
    code, output = run(str(site))
    assert code == 1
    assert "content/pages: cannot read this folder: Permission denied" in output
    assert "chmod" in output and tree(site / "output") == before


def test_well_known_is_published_and_left_out_dotfiles_are_named(make_site) -> None:
    site = make_site({"static/.well-known/security.txt": "Contact: mailto:s@example.com\n",
                      "static/.well-known/acme-challenge/token": "abc",
                      "static/.htaccess": "Deny from all\n", "static/css/.env": "SECRET=1\n",
                      "static/.DS_Store": b"\0", "static/.gitkeep": "",
                      "content/case-studies/.hidden.txt": "x"})
    code, output = run(str(site))
    assert code == 0, output
    out = site / "output"
    assert (out / ".well-known/security.txt").read_text() == "Contact: mailto:s@example.com\n"
    assert (out / ".well-known/acme-challenge/token").read_text() == "abc"
    assert not (out / ".htaccess").exists() and not (out / "css/.env").exists()
    assert "static/.htaccess: warning: not published: names starting with a dot" in output
    assert "static/css/.env: warning: not published" in output
    assert ".DS_Store" not in output and ".gitkeep" not in output
    assert run(str(site))[0] == 0                               # up to date: still there
    assert (out / ".well-known/security.txt").is_file()
