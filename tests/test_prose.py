"""A one-off build after a prose-only edit renders just the edited pages (prose.py), and what it
writes is byte for byte what a cold build of the same files writes; any other edit, or an
output folder touched by hand, takes the full build."""

from __future__ import annotations

import hashlib
import os
import random
import shutil
import time
from pathlib import Path

import pytest

from generator.build import BuildResult, build_to
from generator.output.writer import MARKER

HOUR_AGO = time.time() - 3600


def tree(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file() and p.name != MARKER}


def age(*paths: Path) -> None:
    """Files (or every file of a site) written an hour ago: old enough for their stat to be
    trusted (not racy). Each one's ctime changes: that is a change of its signature too."""
    for path in paths:
        for file in path.rglob("*") if path.is_dir() else [path]:
            if file.is_file():
                os.utime(file, (HOUR_AGO, HOUR_AGO))


def cold(site: Path, tmp_path: Path) -> dict[str, str]:
    copy = tmp_path / "cold-site"
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(site, copy, ignore=shutil.ignore_patterns(".casefolio", "output"))
    shutil.rmtree(tmp_path / "cold-out", ignore_errors=True)
    build_to(copy, tmp_path / "cold-out")
    return tree(tmp_path / "cold-out")


def took_prose_path(result: BuildResult) -> bool:
    return result.site is None and not result.up_to_date


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, (path, old)
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.fixture
def site(example_site: Path) -> Path:
    age(example_site)
    build_to(example_site, example_site / "output")
    return example_site


STUDY = "content/case-studies/kiln-ceramics-product-page.md"


def test_a_prose_edit_renders_one_page_and_matches_a_cold_build(site: Path,
                                                                tmp_path: Path) -> None:
    edit(site / STUDY, "\n---\n", "\n---\nA new *opening* sentence.\n\n")
    age(site / STUDY)
    result = build_to(site, site / "output")
    assert took_prose_path(result) and result.rendered == 1
    assert "A new <em>opening</em> sentence." in (
        site / "output/case-studies/kiln-ceramics-product-page/index.html").read_text()
    assert tree(site / "output") == cold(site, tmp_path)
    again = build_to(site, site / "output")  # the cache it left vouches for the output
    assert again.up_to_date


def test_edits_that_are_not_prose_only_take_the_full_build(site: Path, tmp_path: Path) -> None:
    edits = [
        (STUDY, 'title: "', 'title: "Retitled - '),                     # metadata
        (STUDY, "\n---\n", "\n---\nSee [this](skincare-checkout.md).\n\n"),  # a new link
        ("content/practices/checkout.md", "\n## ", "\n## A new practice\n\nWhy.\n\n## "),
        ("content/services/conversion-audit.md", "\n---\n", "\n---\nMore words.\n\n"),
    ]
    for rel, old, new in edits:
        edit(site / rel, old, new)
        age(site / rel)
        result = build_to(site, site / "output")
        assert not took_prose_path(result), rel   # services also show on services/
        assert tree(site / "output") == cold(site, tmp_path), rel


def test_an_output_file_changed_by_hand_takes_the_full_build(site: Path, tmp_path: Path) -> None:
    page = site / "output/about/index.html"
    page.write_text("vandalised", encoding="utf-8")
    edit(site / STUDY, "\n---\n", "\n---\nProse.\n\n")
    age(site / STUDY)
    result = build_to(site, site / "output")
    assert not took_prose_path(result)
    assert tree(site / "output") == cold(site, tmp_path)


def test_a_fresh_edit_is_redone_but_not_vouched_for(site: Path, tmp_path: Path) -> None:
    """Saved a moment ago (its stat may still change unseen): the prose path runs, and the
    stamp it leaves says so (racy): nothing is ever up to date on its word, but the next
    prose edit is redone too, looking at that file's bytes (it was every other edit's full
    build, when an edit and a build came within 2 s)."""
    edit(site / STUDY, "\n---\n", "\n---\nJust saved.\n\n")
    result = build_to(site, site / "output")
    assert took_prose_path(result)
    assert tree(site / "output") == cold(site, tmp_path)
    same = build_to(site, site / "output")  # nothing changed, but the stamp may not say so
    assert not same.up_to_date and took_prose_path(same) and same.rendered == 0
    edit(site / STUDY, "Just saved.", "Saved again.")
    again = build_to(site, site / "output")
    assert took_prose_path(again) and again.rendered == 1
    assert tree(site / "output") == cold(site, tmp_path)
    age(site / STUDY)
    assert took_prose_path(build_to(site, site / "output"))  # (its stat changed: looked at)
    assert build_to(site, site / "output").up_to_date         # now trusted


def test_a_full_build_of_a_fresh_save_leaves_a_stamp_for_the_next_prose_edit(
        site: Path, tmp_path: Path) -> None:
    """A full build that read a file saved a moment ago keeps its read as racy: the next
    build is not up to date on its word, and a prose edit after it takes the prose path."""
    edit(site / STUDY, 'title: "', 'title: "Retitled - ')  # metadata: the full build
    assert not took_prose_path(full := build_to(site, site / "output"))
    assert full.site is not None
    assert not build_to(site, site / "output").up_to_date
    edit(site / STUDY, "\n---\n", "\n---\nA fresh line.\n\n")
    assert took_prose_path(build_to(site, site / "output"))
    assert tree(site / "output") == cold(site, tmp_path)


@pytest.mark.parametrize("seed", [1, 2] + ([int(os.environ["CASEFOLIO_SEED"])]
                                      if "CASEFOLIO_SEED" in os.environ else []))
def test_random_prose_and_other_edits_end_where_a_cold_build_ends(site: Path, tmp_path: Path,
                                                                   seed: int) -> None:
    rng = random.Random(seed)
    files = ["content/case-studies/kiln-ceramics-product-page.md",
             "content/case-studies/skincare-checkout.md", "content/pages/about.md",
             "content/practices/landing-pages.md", "content/services/conversion-retainer.md"]
    taken = 0
    for step in range(10):
        path = site / rng.choice(files)
        text = path.read_text(encoding="utf-8")
        kind = rng.choice(["prose", "prose", "prose", "summary", "touch"])
        if kind == "prose":
            at = text.find("\n## ", text.find("\n---", 4) + 1)
            insert = f"\nStep {step}: a **new** sentence.\n"
            text = text + insert if at < 0 else text[:at] + insert + text[at:]
            path.write_text(text, encoding="utf-8")
        elif kind == "summary":
            lines = text.split("\n")
            at = next(i for i, line in enumerate(lines) if line.startswith("summary:"))
            lines[at] = f"summary: Rewritten at step {step}."
            path.write_text("\n".join(lines), encoding="utf-8")
        age(path)
        result = build_to(site, site / "output")
        taken += took_prose_path(result)
        assert tree(site / "output") == cold(site, tmp_path), (seed, step, kind, path.name)
    assert taken >= 2
