"""Page bundles and subfolders (CONTENT-MODEL "v2: page bundles and subfolders") on real
built sites: a bundle's files beside its page, slugs from folders, URL collisions."""

from __future__ import annotations

from io import BytesIO
from pathlib import Path

import pytest
from PIL import Image

from generator.build import build_to
from generator.config import BuildOptions
from generator.errors import CasefolioError
from tests.conftest import CASE


def png(width: int = 800, height: int = 500) -> bytes:
    buffer = BytesIO()
    Image.new("RGB", (width, height), (30, 120, 160)).save(buffer, "PNG")
    return buffer.getvalue()


def case(title: str, extra: str = "", body: str = "") -> str:
    text = CASE.format(title=title)
    head, _, rest = text.partition("\n---\n")
    return f"{head}\n{extra}---\n{rest}{body}"


BUNDLE = {
    "content/case-studies/kosli/index.md": case(
        "Kosli", "cover: {src: shot.png, alt: The dashboard}\n",
        "\n![The pipeline](shot.png)\n\n[Report](report.pdf)\n"),
    "content/case-studies/kosli/shot.png": png(),
    "content/case-studies/kosli/report.pdf": b"%PDF-1.4 test\n",
}


def test_bundle_is_a_page_and_its_files_are_published_beside_it(make_site) -> None:
    site = make_site(BUNDLE)
    out = site / "output"
    result = build_to(site, out)
    assert (out / "case-studies/kosli/index.html").is_file()
    assert list((out / "case-studies/kosli").glob("shot-*w.*.webp"))  # shown: its sizes
    assert (out / "case-studies/kosli/report.pdf").read_bytes() == b"%PDF-1.4 test\n"
    assert not (out / "case-studies/kosli/index/index.html").exists()
    page = (out / "case-studies/kosli/index.html").read_text(encoding="utf-8")
    assert "/case-studies/kosli/shot" in page  # the picture's variants sit beside the page
    assert 'alt="The pipeline"' in page
    assert not any("outside the content folders" in w.message for w in result.warnings)


def test_bundle_slug_can_be_set(make_site) -> None:
    files = dict(BUNDLE)
    files["content/case-studies/kosli/index.md"] = case("Kosli", "slug: kosli-pipelines\n",
                                                        "\n![The pipeline](shot.png)\n")
    site = make_site(files)
    build_to(site, site / "output")
    assert (site / "output/case-studies/kosli-pipelines/index.html").is_file()
    assert list((site / "output/case-studies/kosli-pipelines").glob("shot-*w.*.webp"))
    assert not (site / "output/case-studies/kosli").exists()


def test_a_draft_bundle_publishes_none_of_its_files(make_site) -> None:
    files = dict(BUNDLE)
    files["content/case-studies/kosli/index.md"] = case("Kosli", "draft: true\n")
    site = make_site(files)
    build_to(site, site / "output")
    assert not (site / "output/case-studies/kosli").exists()
    assert not list((site / "output").rglob("report.pdf"))
    build_to(site, site / "drafts", BuildOptions(drafts=True))
    assert (site / "drafts/case-studies/kosli/report.pdf").is_file()


@pytest.mark.parametrize("kind,url", [("pages", "team"), ("services", "services/team"),
                                      ("practices", "practices/team")])
def test_every_kind_has_bundles(make_site, kind: str, url: str) -> None:
    front = {"pages": "---\ntitle: Team\nsummary: Us.\n---\n",
             "services": "---\ntitle: Team\nsummary: Us.\n---\n",
             "practices": "---\ntitle: Team\nsummary: Us.\n---\n## One\nx\n"}[kind]
    site = make_site({f"content/{kind}/team/index.md": front + "\n[cv](cv.txt)\n",
                      f"content/{kind}/team/cv.txt": "cv\n"})
    build_to(site, site / "output")
    assert (site / f"output/{url}/index.html").is_file()
    assert (site / f"output/{url}/cv.txt").read_text() == "cv\n"


def test_subfolder_files_take_their_url_from_their_slug(make_site) -> None:
    site = make_site({
        "content/case-studies/2024/northwind.md": case("Northwind"),
        "content/case-studies/2023/old/globex.md": case("Globex", "slug: globex-2023\n"),
    })
    result = build_to(site, site / "output")
    assert (site / "output/case-studies/northwind/index.html").is_file()
    assert (site / "output/case-studies/globex-2023/index.html").is_file()
    assert not (site / "output/case-studies/2024").exists()
    assert not result.warnings or all("outside" not in w.message for w in result.warnings)
    listing = (site / "output/case-studies/index.html").read_text(encoding="utf-8")
    assert "Northwind" in listing and "Globex" in listing


def test_two_files_wanting_one_url_is_an_error_naming_both(make_site) -> None:
    site = make_site({"content/case-studies/2024/acme.md": case("Acme again"),
                      **BUNDLE,
                      "content/case-studies/kosli.md": case("Kosli flat")})
    with pytest.raises(CasefolioError) as caught:
        build_to(site, site / "output")
    messages = [f"{p.path}: {p.message}" for p in caught.value.problems]
    assert any("content/case-studies/2024/acme.md" in m and "content/case-studies/acme.md" in m
               for m in messages), messages
    assert any("kosli/index.md" in m and "kosli.md" in m for m in messages), messages
    assert not (site / "output").exists()


def test_bundle_files_come_and_go_in_serve(make_site, tmp_path: Path) -> None:
    from generator.build import BuildState, build
    site = make_site(BUNDLE)
    state = BuildState()
    first = build(site, state=state)
    assert "case-studies/kosli/report.pdf" in {o.path for o in first.outputs}
    notes = site / "content/case-studies/kosli/notes.txt"
    notes.write_text("n\n")
    again = build(site, state=state, changed=[notes])
    assert "case-studies/kosli/notes.txt" in {o.path for o in again.outputs}
    (site / "content/case-studies/kosli/index.md").write_text(case("Kosli", "slug: k2\n"))
    third = build(site, state=state, changed=[site / "content/case-studies/kosli/index.md"])
    paths = {o.path for o in third.outputs}
    assert "case-studies/k2/notes.txt" in paths and "case-studies/kosli/notes.txt" not in paths
    notes.unlink()
    fourth = build(site, state=state, changed=[notes])
    assert "case-studies/k2/notes.txt" not in {o.path for o in fourth.outputs}
