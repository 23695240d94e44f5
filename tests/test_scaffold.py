"""`init` and `new` (generator/scaffold.py): a new site builds at once, every archetype builds,
and neither ever overwrites the author's files."""

from __future__ import annotations

import datetime as dt
import re
import shutil
from pathlib import Path

import pytest
import yaml

from generator.build import build
from generator.config import BuildOptions, SiteSettings
from generator.errors import CasefolioError
from generator.kinds.registry import MODELS as KIND_MODELS
from generator.scaffold import (
    ARCHETYPES,
    KINDS,
    init_site,
    make_slug,
    new_document,
    scaffold_files,
)

TODAY = dt.date(2025, 6, 1)


@pytest.fixture
def site(tmp_path: Path) -> Path:
    init_site(tmp_path / "site")
    return tmp_path / "site"


def test_init_writes_a_site_that_builds(site: Path) -> None:
    result = build(site)
    assert result.warnings == ()
    kinds = {s.id.split("/")[0] for group in result.site.views.values() for s in group}
    assert kinds == set(KIND_MODELS)  # one sample of each content type
    assert (site / ".gitignore").read_text().splitlines()[1:] == ["output/", ".casefolio/"]
    assert (site / "README.md").is_file() and (site / "static").is_dir()
    assert not (site / ".github").exists()


def test_init_refuses_a_non_empty_folder_unless_forced(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine")
    (tmp_path / "site.yaml").write_text("title: Mine\n")
    with pytest.raises(CasefolioError, match="not empty"):
        init_site(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt", "site.yaml"]
    written, kept = init_site(tmp_path, force=True, github_pages=True)
    assert kept == [tmp_path / "site.yaml"]
    assert tmp_path / ".github" / "workflows" / "pages.yml" in written
    assert (tmp_path / "notes.txt").read_text() == "mine"
    assert (tmp_path / "site.yaml").read_text() == "title: Mine\n"  # never replaced


def test_init_refuses_a_file(tmp_path: Path) -> None:
    (tmp_path / "f").write_text("")
    with pytest.raises(CasefolioError, match="not a folder"):
        init_site(tmp_path / "f")


def test_github_pages_workflow(tmp_path: Path) -> None:
    init_site(tmp_path / "s", github_pages=True)
    text = (tmp_path / "s" / ".github" / "workflows" / "pages.yml").read_text()
    workflow = yaml.safe_load(text)
    steps = workflow["jobs"]["build"]["steps"]
    runs = [s.get("run", "") for s in steps]
    from generator import __version__
    assert f'pip install "casefolio=={__version__}"' in runs
    assert any(r.startswith("casefolio build --base-url") for r in runs)
    assert "{{" not in text.replace("${{", "")  # only GitHub's own expressions remain
    assert workflow["jobs"]["deploy"]["steps"][0]["uses"].startswith("actions/deploy-pages@")


def test_scaffold_site_yaml_lists_every_setting() -> None:
    text = scaffold_files()["site.yaml"]
    for name in SiteSettings.model_fields:
        assert re.search(rf"^#? ?{name}:", text, re.M), f"site.yaml does not mention {name}"


@pytest.mark.parametrize("kind", list(KINDS))
def test_new_builds_as_a_draft_and_with_drafts(site: Path, kind: str) -> None:
    niche = "ecommerce" if kind in ("case-study", "service") else None
    created = new_document(site, kind, "Checkout: the fix", niche=niche, today=TODAY)
    assert created.path == site / "content" / KINDS[kind] / "checkout-the-fix.md"
    build(site)  # a draft: skipped
    result = build(site, BuildOptions(drafts=True, future=True))
    ids = {s.id for group in result.site.views.values() for s in group}
    assert f"{KINDS[kind]}/checkout-the-fix" in ids
    front = yaml.safe_load(created.path.read_text().split("---")[1])
    assert front["title"] == "Checkout: the fix"
    assert front["draft"] is True


@pytest.mark.parametrize("kind", list(KINDS))
def test_archetypes_have_every_field(kind: str) -> None:
    """Every field of the content type is present (and so documented) in its archetype."""
    text = (ARCHETYPES / f"{kind}.md").read_text()
    front = text.split("\n---\n")[0]
    model = KIND_MODELS[KINDS[kind]]
    for name in model.model_fields:
        assert re.search(rf"^{name}:.*#", front, re.M), f"{kind}.md lacks a commented `{name}:`"


def test_new_fills_in_title_date_niche(site: Path) -> None:
    path = new_document(site, "case-study", "Café rebrand für Zürich", niche="ecommerce",
                        today=TODAY).path
    assert path.name == "cafe-rebrand-fur-zurich.md"
    front = yaml.safe_load(path.read_text().split("---")[1])
    assert (front["title"], front["date"], front["niche"]) == (
        "Café rebrand für Zürich", TODAY, "ecommerce")


@pytest.mark.parametrize("zone", ["Pacific/Kiritimati", "Pacific/Pago_Pago"])
def test_new_dates_today_in_the_site_time_zone(site: Path, zone: str) -> None:
    """UTC+14 and UTC-11: the date is the site's today, so the build never hides it as
    "in the future"."""
    import zoneinfo

    text = (site / "site.yaml").read_text().replace("timezone: UTC", f"timezone: {zone}")
    (site / "site.yaml").write_text(text)
    path = new_document(site, "case-study", "Today").path
    today = dt.datetime.now(zoneinfo.ZoneInfo(zone)).date()
    assert f"date: {today.isoformat()}" in path.read_text()
    result = build(site, BuildOptions(drafts=True))
    assert "case-studies/today" in {c.id for c in result.site.case_studies}


def test_new_refuses_to_overwrite(site: Path) -> None:
    path = new_document(site, "page", "Contact").path
    path.write_text(path.read_text() + "my edits\n")
    with pytest.raises(CasefolioError, match="already exists"):
        new_document(site, "page", "Contact")
    assert path.read_text().endswith("my edits\n")


def test_new_slug_option_and_unusable_titles(site: Path) -> None:
    assert new_document(site, "page", "Kontakt", slug="Contact Us").path.name == "contact-us.md"
    with pytest.raises(CasefolioError, match="--slug"):
        new_document(site, "page", "!!!")
    with pytest.raises(CasefolioError, match="empty"):
        new_document(site, "page", "   ")


def test_make_slug() -> None:
    assert make_slug("Café rebrand für Zürich") == "cafe-rebrand-fur-zurich"
    assert make_slug("Checkout redesign for Acme") == "checkout-redesign-for-acme"
    long = make_slug("word " * 40)
    assert len(long) <= 60 and not long.endswith("-") and set(long.split("-")) == {"word"}


def test_new_niche_checks(site: Path) -> None:
    with pytest.raises(CasefolioError, match="unknown niche `ecomerce`") as exc:
        new_document(site, "case-study", "X", niche="ecomerce")
    assert "did you mean `ecommerce`" in exc.value.problems[0].hint
    with pytest.raises(CasefolioError, match="case studies and services only"):
        new_document(site, "practice", "X", niche="ecommerce")
    # no --niche: the only niche is used; with several, the first, and a note says so
    assert "niche: ecommerce" in new_document(site, "case-study", "Y").path.read_text()
    text = (site / "site.yaml").read_text().replace(
        "niches:", "niches:\n  pools: {name: Pool construction}", 1)
    (site / "site.yaml").write_text(text)
    created = new_document(site, "case-study", "Z")
    assert "niche: pools" in created.path.read_text()
    assert created.notes and "pass --niche" in created.notes[0]


def test_new_outside_a_site(tmp_path: Path) -> None:
    with pytest.raises(CasefolioError, match=r"site\.yaml not found"):
        new_document(tmp_path, "page", "About")


def test_site_archetype_overrides_the_builtin(site: Path) -> None:
    (site / "archetypes").mkdir()
    (site / "archetypes" / "page.md").write_text(
        "---\ntitle: {{title}}\nsummary: Ours, {{date}}.\ndraft: true\n---\n{{unknown}} stays\n")
    text = new_document(site, "page", "Terms", today=TODAY).path.read_text()
    assert text == '---\ntitle: "Terms"\nsummary: Ours, 2025-06-01.\ndraft: true\n---\n' \
                   "{{unknown}} stays\n"


# --- hostile titles and targets: an error naming the path, never a traceback -----------------


def cli(*args: str) -> tuple[int, str]:
    from click.testing import CliRunner

    from generator.cli import main

    result = CliRunner().invoke(main, list(args))
    assert isinstance(result.exception, SystemExit | None), result.exception
    assert "Traceback" not in result.output
    return result.exit_code, result.output


@pytest.mark.parametrize("title", [
    "{{slug}} and {{niche}}", "{{title}}: {{date}} {{niches}}", "a: b", "# not a comment",
    "It's \"quoted\" 'twice'", "two\nlines: {{x}}", "{{", "}} ]", "- dash", "@at `tick` %TAG",
    "back\\slash \\n", "Café für Zürich", "odd \x80\u2028 chars", "tab\there", "& *alias !tag |",
])
def test_new_writes_any_title_as_yaml_that_parses_back(site: Path, title: str) -> None:
    path = new_document(site, "case-study", title, slug="t", today=TODAY).path
    front = yaml.safe_load(path.read_text(encoding="utf-8").split("---\n")[1])
    assert front["title"] == " ".join(title.split())
    assert build(site, BuildOptions(drafts=True)).site is not None


def test_new_refuses_a_title_that_is_not_text(site: Path) -> None:
    code, output = cli("new", "page", "caf\udce9", "-s", str(site))
    assert code == 1 and "title" in output and not (site / "content/pages/caf.md").exists()


def test_init_and_new_name_what_is_in_the_way(tmp_path: Path, site: Path) -> None:
    (tmp_path / "afile").write_text("mine")
    code, output = cli("init", str(tmp_path / "afile" / "site"))
    assert code == 1 and f"{tmp_path / 'afile'} is a file" in output
    shutil.rmtree(site / "content" / "pages")
    (site / "content" / "pages").write_text("mine")
    code, output = cli("new", "page", "About", "-s", str(site))
    assert code == 1 and f"{site / 'content' / 'pages'} is a file" in output


def test_init_and_new_report_a_folder_they_may_not_write(tmp_path: Path, site: Path,
                                                          monkeypatch) -> None:
    """Root writes anywhere, so the refusal is simulated where folders are made."""
    def refuse(self: Path, *args: object, **kwargs: object) -> None:
        raise PermissionError(13, "Permission denied", str(self))
    monkeypatch.setattr(Path, "mkdir", refuse)
    code, output = cli("init", str(tmp_path / "new-site"))
    assert code == 1 and "Permission denied" in output and str(tmp_path / "new-site") in output
    code, output = cli("new", "service", "Audit", "-s", str(site))
    assert code == 1 and "Permission denied" in output and "audit.md" in output


@pytest.mark.parametrize("make", [
    lambda p: p.write_bytes(b"\xff\xfe---\ntitle: {{title}}\n---\n"),
    lambda p: p.mkdir(),
    lambda p: p.symlink_to("/proc/self/mem"),
], ids=["not-utf8", "a-folder", "unreadable"])
def test_an_unreadable_archetype_is_an_error_naming_it(site: Path, make) -> None:
    own = site / "archetypes" / "page.md"
    own.parent.mkdir(exist_ok=True)
    make(own)
    code, output = cli("new", "page", "About", "-s", str(site))
    assert code == 1 and str(own) in output


@pytest.mark.parametrize("command", [["build", "{site}", "-o", "{bad}"], ["build", "{bad}"],
                                     ["init", "{bad}"], ["new", "page", "x", "-s", "{bad}"]])
def test_path_arguments_that_are_not_utf8_are_refused(site: Path, tmp_path: Path,
                                                      command: list[str]) -> None:
    bad = str(tmp_path / "out\udcff\udcfe")
    code, output = cli(*(a.format(site=site, bad=bad) for a in command))
    assert code in (1, 2) and "\\xff\\xfe" in output
def test_github_pages_workflow_keeps_the_cache_per_casefolio_version(tmp_path: Path) -> None:
    from generator import __version__

    init_site(tmp_path / "s", github_pages=True)
    steps = yaml.safe_load((tmp_path / "s" / ".github/workflows/pages.yml").read_text())[
        "jobs"]["build"]["steps"]
    uses = [s.get("uses", "").split("@")[0] for s in steps]
    runs = [s.get("run", "") for s in steps]
    cached = steps[uses.index("actions/cache")]
    assert cached["with"]["path"].split() == [".casefolio", "~/.cache/casefolio"]  # + seal key
    key, restore = cached["with"]["key"], cached["with"]["restore-keys"]
    assert key.startswith(f"casefolio-{__version__}-") and "hashFiles('site.yaml'" in key
    assert key.startswith(restore) and restore.startswith(f"casefolio-{__version__}-")
    assert uses.index("actions/cache") < runs.index("casefolio check")  # before any build
