"""`casefolio check` (generator/check.py): the build's errors plus the editor's warnings, each
located; nothing written."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from generator.check import check_site
from generator.config import BuildOptions
from generator.editor import CHECKS
from generator.scaffold import init_site
from tests.conftest import CASE, SITE_YAML
from tests.test_bundles import png

MakeSite = Callable[..., Path]

EXPERIMENT = """\
---
title: Tiny test
date: 2025-01-01
summary: Too small to tell.
client: Beta
niche: ecommerce
metrics:
  - label: Add-to-cart rate
    before: 5
    after: 6
    unit: "%"
    experiment:
      control: {visitors: 200, conversions: 10}
      variant: {visitors: 200, conversions: 12}
---
Body.
"""


def found(report: object, severity: str) -> set[tuple[str, int | None, str]]:
    problems = report.errors if severity == "error" else report.warnings  # type: ignore[attr-defined]
    return {(p.path, p.line, p.message) for p in problems}


def messages(report: object) -> list[str]:
    return [f"{p.path}:{p.line}: {p.message}" for p in (*report.errors, *report.warnings)]  # type: ignore[attr-defined]


def test_a_new_site_is_clean(tmp_path: Path) -> None:
    init_site(tmp_path)
    report = check_site(tmp_path)
    assert (report.errors, report.warnings) == ((), ())
    assert report.files == 5 and report.pages > 5  # one sample of each kind
    assert not (tmp_path / "output").exists()  # nothing written


def test_the_example_site_has_only_its_deliberate_warning(example_site: Path) -> None:
    report = check_site(example_site)
    assert report.errors == ()
    assert [w.message.split(":")[0] for w in report.warnings] == ["metrics[0] `Add-to-cart rate`"]


def test_build_errors_are_errors(make_site: MakeSite) -> None:
    site = make_site({"content/pages/about.md": (
        "---\ntitle: About\nsummary: Us.\n---\n"
        "See [x](../case-studies/nope.md) and [y](../practices/landing.md#nope).\n\n"
        "![](../../static/missing.png)\n")})
    report = check_site(site)
    assert [(p.path, p.line) for p in report.errors] == [("content/pages/about.md", 5)] * 2 + [
        ("content/pages/about.md", 7)]
    assert "no such content file" in report.errors[0].message
    assert "no heading with anchor `#nope`" in report.errors[1].message
    assert "not found" in report.errors[2].message
    assert report.failed() and report.pages == 0


def test_front_matter_errors_are_errors(make_site: MakeSite) -> None:
    site = make_site({"content/services/retainer.md": "---\ntitle: Retainer\nsumary: x\n---\n"})
    report = check_site(site)
    assert {(p.line, p.message) for p in report.errors} == {
        (3, "unknown field `sumary`"), (2, "summary: required field is missing")}


def test_every_editor_warning_is_reported(make_site: MakeSite) -> None:
    long = "word " * 40
    site = make_site({
        "site.yaml": SITE_YAML.replace('call_to_action: {label: Book a call, url: "https://cal.com/x"}\n', "")
        + "organization: {name: Us, logo: static/logo.svg}\n",
        "content/case-studies/beta.md": CASE.format(title="Beta").replace(
            "metrics:\n  - {label: Conversion rate, before: 2.1, after: 2.9, unit: \"%\"}\n", ""),
        "content/case-studies/tiny.md": EXPERIMENT,
        "content/pages/about.md": "---\ntitle: About\n---\nUs. <img src=\"x.png\">\n",
        "content/pages/x.png": png(),  # the raw <img> names a real file
        "content/pages/long.md": f"---\ntitle: Long\nsummary: {long}\n---\nTODO: write this.\n",
        "content/services/audit.md": "---\ntitle: Audit\nsummary: \"TODO: summary\"\n---\nText.\n",
    })
    report = check_site(site)
    assert report.errors == ()
    assert found(report, "warning") == {
        ("site.yaml", None, "no `call_to_action`: visitors who are convinced have nowhere to go"),
        ("site.yaml", None, "organization.logo `static/logo.svg` not found"),
        ("content/case-studies/beta.md", 2, "no metrics: a case study without numbers reads "
         "as an anecdote"),
        ("content/case-studies/tiny.md", 12, "metrics[0] `Add-to-cart rate`: the experiment does "
         "not support the claimed lift (+20% (95% CI −47% to +171%, n = 400), p = 0.66)"),
        ("content/pages/about.md", 2, "no summary: search results and link previews will show "
         "the site's tagline instead"),
        ("content/pages/about.md", 4, '`<img src="x.png">` has no alt text'),
        ("content/pages/long.md", 3, "summary is 199 characters; search engines cut meta "
         "descriptions at about 160"),
        ("content/pages/long.md", 5, "the text still has TODO placeholders"),
        ("content/practices/landing.md", 10, "practice `Social proof next to the button` is not "
         "backed by any case study"),
        ("content/services/audit.md", 2, "no price: a productized service sells on a visible, "
         "flat fee"),
        ("content/services/audit.md", 3, "`summary` still says TODO"),
    }, "\n".join(messages(report))
    assert all(w.hint for w in report.warnings)
    assert not report.failed() and report.failed(strict=True)


def test_editor_warnings_still_come_when_the_build_fails(make_site: MakeSite) -> None:
    site = make_site({"content/case-studies/beta.md": CASE.format(title="Beta").replace(
        "metrics:\n  - {label: Conversion rate, before: 2.1, after: 2.9, unit: \"%\"}\n",
        "cover: {src: cover.png, alt: The cover}\n")})
    report = check_site(site)
    assert found(report, "error") == {
        ("content/case-studies/beta.md", 10, "image `cover.png` not found")}
    assert ("content/case-studies/beta.md", 2, "no metrics: a case study without numbers "
            "reads as an anecdote") in found(report, "warning")


def test_checks_are_documented() -> None:
    assert set(CHECKS) == {"call-to-action", "logo", "summary", "metrics", "price", "backing",
                           "images", "placeholders"}


def test_a_whole_collection_citation_backs_every_practice(make_site: MakeSite) -> None:
    site = make_site({"content/case-studies/acme.md": CASE.format(title="Acme").replace(
        "practices: [landing#one-goal]", "practices: [landing]")})
    assert check_site(site).warnings == ()


def test_drafts_are_checked_only_with_drafts(make_site: MakeSite) -> None:
    site = make_site({"content/pages/draft.md": "---\ntitle: D\nsummary: TODO\ndraft: true\n---\n"})
    warnings = {w.path for w in check_site(site).warnings}
    assert "content/pages/draft.md" not in warnings
    warnings = {w.path for w in check_site(site, BuildOptions(drafts=True)).warnings}
    assert "content/pages/draft.md" in warnings


def test_a_broken_site_yaml_still_reports_content_errors(make_site: MakeSite) -> None:
    site = make_site({"site.yaml": "title: X\n",
                      "content/pages/bad.md": "---\ntitle: Bad\nmenu: maybe\n---\n"})
    report = check_site(site)
    assert found(report, "error") == {
        ("site.yaml", 1, "base_url: required field is missing"),
        ("content/pages/bad.md", 3, 'menu: expected true or false, got "maybe"')}


def test_not_a_site(tmp_path: Path) -> None:
    report = check_site(tmp_path)
    assert [p.message for p in report.errors] == ["site.yaml not found"]


@pytest.mark.parametrize("strict", [False, True])
def test_json_shape(make_site: MakeSite, strict: bool) -> None:
    data = check_site(make_site()).as_json(strict)
    assert set(data) == {"errors", "warnings", "summary"}
    assert data["errors"] == []
    assert data["warnings"] == [{
        "path": "content/practices/landing.md", "line": 10,
        "message": "practice `Social proof next to the button` is not backed by any case study",
        "hint": "cite it from a case study: `practices: [landing#social-proof-next-to-the-button]`"}]
    assert data["summary"] == {"errors": 0, "warnings": 1, "files": 4, "pages": data["summary"]["pages"],
                               "strict": strict, "ok": not strict}


def _cache_files(site: Path) -> dict[str, tuple[int, int]]:
    root = site / ".casefolio"
    return {str(p.relative_to(root)): (p.stat().st_size, p.stat().st_mtime_ns)
            for p in root.rglob("*") if p.is_file()}


def test_after_a_build_check_reads_the_cache_and_parses_nothing(make_site: MakeSite,
                                                                 monkeypatch) -> None:
    from generator import parallel
    from generator.build import build_to

    site = make_site()
    build_to(site, site / "output")
    expected = check_site(site)
    before = _cache_files(site)
    calls: list[object] = []
    real = parallel.load_document
    monkeypatch.setenv("CASEFOLIO_PROCESSES", "1")             # parse here, where it is counted
    monkeypatch.setattr(parallel, "load_document",
                        lambda *a, **k: calls.append(a) or real(*a, **k))
    report = check_site(site)
    assert calls == [] and report == expected and report.pages > 0
    assert _cache_files(site) == before                         # read, never written


def test_check_after_an_edit_uses_the_cache_and_writes_none_of_it(make_site: MakeSite) -> None:
    from generator.build import build_to

    site = make_site()
    build_to(site, site / "output")
    path = next((site / "content/case-studies").glob("*.md"))
    path.write_text(path.read_text(encoding="utf-8") + "\nTODO: more\n", encoding="utf-8")
    stamp = site / ".casefolio/cache/stamp.pickle"
    stamp.write_bytes(b"garbage")                               # a damaged file is not removed
    before = _cache_files(site)
    report = check_site(site)
    assert (f"content/case-studies/{path.name}", "the text still has TODO placeholders") in {
        (p.path, p.message) for p in report.warnings}
    assert _cache_files(site) == before and stamp.read_bytes() == b"garbage"


def _age(site: Path) -> None:
    import os
    import time

    then = time.time() - 3600
    for path in [site, *site.rglob("*")]:
        os.utime(path, (then, then))


def test_after_a_build_into_another_folder_check_still_stands_on_its_stamp(
        make_site: MakeSite, tmp_path: Path, monkeypatch) -> None:
    """`casefolio build -o public` then `casefolio check`: the stamp vouches for the inputs
    whatever the output folder, so check builds nothing; a build into a third folder still
    writes it in full (there the stamp does not hold)."""
    import subprocess
    import sys

    from generator import build as build_module
    from generator.build import build_to

    site = make_site()
    _age(site)  # else too fresh to vouch for (a file saved within 2 s of a build)
    build_to(site, tmp_path / "public")
    expected = check_site(site)
    monkeypatch.setattr(build_module, "build",
                        lambda *a, **k: pytest.fail("check built the site"))
    assert check_site(site) == expected and expected.pages > 0
    monkeypatch.undo()
    # standing on the stamp, check imports neither the build nor the parser (half the time
    # of `casefolio check` of an unchanged site was importing them)
    loaded = subprocess.run(
        [sys.executable, "-c", "import sys; from pathlib import Path; "
         "from generator.check import check_site; report = check_site(Path(sys.argv[1])); "
         "print(report.pages, sorted(m for m in ('generator.build', 'markdown_it', 'jinja2') "
         "if m in sys.modules))", str(site)],
        capture_output=True, text=True, check=True).stdout.strip().split(maxsplit=1)
    assert loaded == [str(expected.pages), "[]"]
    build_to(site, tmp_path / "elsewhere")
    assert (tmp_path / "elsewhere" / "index.html").is_file()


def test_check_after_an_edit_draws_no_image_and_compiles_no_template_again(
        make_site: MakeSite, tmp_path: Path, monkeypatch) -> None:
    """After `build -o public` and a prose edit, check reads the encoded images, share cards
    and compiled templates the build cached: none is made again (the output folder it would
    reuse them from is not SITE_DIR/output), and none is written."""
    from generator.build import build_to
    from generator.images import cards, encode

    site = make_site({"content/case-studies/shot.png": png(900, 600)})
    study = site / "content/case-studies/acme.md"
    study.write_text(study.read_text(encoding="utf-8") + "\n![A screenshot](shot.png)\n",
                     encoding="utf-8")
    build_to(site, tmp_path / "public")
    study.write_text(study.read_text(encoding="utf-8") + "\nOne more paragraph.\n",
                     encoding="utf-8")
    before = _cache_files(site)
    made: list[str] = []
    real_card, real_variant = cards.draw_card, encode.encode_variant
    monkeypatch.setenv("CASEFOLIO_PROCESSES", "1")  # made here, where it is counted
    monkeypatch.setattr(cards, "draw_card", lambda *a, **k: made.append("card") or
                        real_card(*a, **k))
    monkeypatch.setattr(encode, "encode_variant", lambda *a, **k: made.append("variant") or
                        real_variant(*a, **k))
    compiled: list[str] = []
    import jinja2

    real_compile = jinja2.Environment.compile
    monkeypatch.setattr(jinja2.Environment, "compile", lambda self, *a, **k: compiled.append(
        "t") or real_compile(self, *a, **k))
    report = check_site(site)
    assert not report.errors and report.pages > 0
    assert made == [] and compiled == []
    assert _cache_files(site) == before


def test_check_of_an_unchanged_site_loads_no_document(make_site: MakeSite, tmp_path: Path,
                                                      monkeypatch) -> None:
    """The build records the editor's warnings for the inputs its stamp vouches for: check of
    the same files reports them, and the build's, without loading a document; once a file
    changes, the record is not used (a new TODO is found)."""
    from generator.build import build_to
    from generator.incremental import cache

    site = make_site({"content/pages/draft-note.md": "---\ntitle: Note\n---\nTODO: write\n"})
    _age(site)
    build_to(site, tmp_path / "public")
    real_load = cache.load
    monkeypatch.setattr(cache, "load", lambda *a, **k: pytest.fail("documents were loaded"))
    report = check_site(site)
    monkeypatch.setattr(cache, "load", real_load)
    assert ("content/pages/draft-note.md", "the text still has TODO placeholders") in {
        (p.path, p.message) for p in report.warnings}
    (site / ".casefolio/cache/record-editor.pickle").unlink()  # worked out from the documents
    assert check_site(site) == report and report.pages > 0 and report.files > 0
    study = site / "content/case-studies/acme.md"
    study.write_text(study.read_text(encoding="utf-8") + "\nTODO: a figure\n", encoding="utf-8")
    again = check_site(site)
    assert ("content/case-studies/acme.md", "the text still has TODO placeholders") in {
        (p.path, p.message) for p in again.warnings}
