"""The watcher on real files: each editor's way of saving makes one batch naming the target;
temp, swap and backup files never make one."""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from generator.serve.watch import EventCheck, Watcher

CASE = Path("content/case-studies/acme.md")


def start(site: Path, poll: bool = False) -> Watcher:
    watcher = Watcher(site, poll=poll)
    watcher.start()
    if poll:
        time.sleep(0.6)  # the polling observer's first snapshot
    return watcher


@pytest.fixture
def watcher(make_site) -> Iterator[Watcher]:
    watcher = start(make_site())
    yield watcher
    watcher.stop()


@pytest.fixture(params=[False, True], ids=["inotify", "poll"])
def any_watcher(request, make_site) -> Iterator[Watcher]:
    watcher = start(make_site(), poll=request.param)
    yield watcher
    watcher.stop()


def batches(watcher: Watcher, expect: set[Path] | frozenset[Path] = frozenset()) -> set[Path]:
    """Site-relative paths of every batch until `expect` was seen (5 s at most), then until the
    watcher has been quiet for a while."""
    seen: set[Path] = set()
    deadline = time.monotonic() + 5
    while not expect <= seen and (left := deadline - time.monotonic()) > 0:
        seen |= {p.relative_to(watcher.site_dir) for p in watcher.next_batch(left) or ()}
    while (batch := watcher.next_batch(timeout=0.8 if watcher.poll else 0.3)) is not None:
        seen |= {p.relative_to(watcher.site_dir) for p in batch}
    return seen


def test_plain_save(any_watcher: Watcher) -> None:
    (any_watcher.site_dir / CASE).write_text("---\ntitle: x\n---\nnew\n")
    assert batches(any_watcher, {CASE}) == {CASE}


def test_atomic_rename_over_the_target_counts_as_the_target(any_watcher: Watcher) -> None:
    target = any_watcher.site_dir / CASE
    for temp in (".acme.md.tmp", "acme.md~", ".#acme.md", "acme.md.swp", "4913"):
        (target.parent / temp).write_text("new body")
        os.replace(target.parent / temp, target)
    assert batches(any_watcher, {CASE}) == {CASE}


def test_vim_backup_dance_is_one_batch(watcher: Watcher) -> None:
    target = watcher.site_dir / CASE
    folder = target.parent
    (folder / "4913").write_text("")
    (folder / "4913").unlink()
    os.replace(target, folder / "acme.md~")
    target.write_text("---\ntitle: vim\n---\n")
    (folder / "acme.md~").unlink()
    assert watcher.next_batch(timeout=3) is not None
    assert batches(watcher) == set()  # nothing left over: it all came as one batch


def test_delete_then_create_is_one_batch(watcher: Watcher) -> None:
    target = watcher.site_dir / CASE
    text = target.read_text()
    target.unlink()
    target.write_text(text + "more\n")
    batch = watcher.next_batch(timeout=3)
    assert batch is not None and {p.relative_to(watcher.site_dir) for p in batch} == {CASE}
    assert batches(watcher) == set()


def test_a_slow_write_is_waited_for_until_the_file_is_closed(watcher: Watcher) -> None:
    with (watcher.site_dir / CASE).open("w") as file:  # truncated: empty for a moment
        file.write("---\ntitle: half")
        file.flush()
        time.sleep(0.1)  # longer than the quiet time between a save's events
        file.write(" and the rest\n---\n")
    assert watcher.next_batch(timeout=3) is not None
    assert watcher.next_batch(timeout=0.5) is None  # all of it in that one batch


def test_swap_and_backup_files_never_trigger(watcher: Watcher) -> None:
    folder = watcher.site_dir / CASE.parent
    for name in (".acme.md.swp", ".acme.md.swx", "acme.md~", "#acme.md#", ".#acme.md", "4913",
                 "acme.md.tmp", "acme.md.bak"):
        (folder / name).write_text("junk")
        (folder / name).unlink()
    (watcher.site_dir / ".git").mkdir()
    (watcher.site_dir / ".git" / "index").write_text("x")
    (watcher.site_dir / "output").mkdir()
    (watcher.site_dir / "output" / "index.html").write_text("x")
    (watcher.site_dir / "notes.txt").write_text("not an input")
    assert batches(watcher) == set()


def test_reading_files_is_not_a_change(watcher: Watcher) -> None:
    for path in (watcher.site_dir / "content").rglob("*.md"):
        path.read_bytes()
    assert batches(watcher) == set()


def test_new_folders_renames_and_site_yaml(watcher: Watcher) -> None:
    site = watcher.site_dir
    (site / "templates" / "partials").mkdir(parents=True)
    assert Path("templates") in batches(watcher, {Path("templates")})  # now watched too
    (site / "templates" / "partials" / "x.html").write_text("{{ 1 }}")
    (site / "site.yaml").write_text((site / "site.yaml").read_text() + "\n")
    os.rename(site / CASE, site / "content/case-studies/renamed.md")
    expected = {Path("templates/partials/x.html"), Path("site.yaml"), CASE,
            Path("content/case-studies/renamed.md")}
    assert expected <= batches(watcher, expected)


def test_a_site_folder_deleted_and_created_again_is_watched_again(watcher: Watcher) -> None:
    content = watcher.site_dir / "content"
    backup = watcher.site_dir.parent / "content-backup"
    shutil.copytree(content, backup)
    shutil.rmtree(content)           # e.g. a restore from a copy
    assert Path("content") in batches(watcher, {Path("content")})
    shutil.copytree(backup, content)
    assert Path("content") in batches(watcher, {Path("content")})
    (watcher.site_dir / CASE).write_text("again")
    assert batches(watcher, {CASE}) == {CASE}


def test_builtin_theme_is_followed(tmp_path: Path, make_site) -> None:
    theme = tmp_path / "theme"
    (theme / "static").mkdir(parents=True)
    watcher = Watcher(make_site())
    watcher.start()
    try:
        watcher.follow_theme(theme)
        (theme / "static" / ".style.css.swp").write_text("x")
        (theme / "static" / "style.css").write_text("body{}")
        assert watcher.next_batch(timeout=3) == {theme.resolve() / "static" / "style.css"}
    finally:
        watcher.stop()


def test_event_check_notices_a_change_without_event(make_site) -> None:
    site = make_site()
    watcher = Watcher(site)   # never started: no event will ever arrive, like on a network drive
    check = EventCheck(watcher)
    target = site / CASE
    check.sample({target: target.stat().st_mtime_ns}, time.monotonic())
    assert check.missed() == []
    target.write_text("changed")
    old = time.time() - 5
    os.utime(target, (old, old))  # changed "a while ago"
    assert check.missed() == [target]
