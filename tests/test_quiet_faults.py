"""Issue 17 §6-8: output that was wrong without a word (stale pages, merged tags, raw URLs,
live `javascript:` links, unsandboxed themes, dead anchors, unused originals published)."""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from generator.build import build_to
from generator.cli import main
from generator.config import BuildOptions
from generator.errors import CasefolioError
from generator.incremental import cache

Site = Callable[..., Path]


def problems_of(site: Path, options: BuildOptions = BuildOptions()) -> list[str]:
    with pytest.raises(CasefolioError) as caught:
        build_to(site, site / "output", options)
    return [f"{p.path}:{p.line}: {p.message} | {p.hint}" for p in caught.value.problems]


def listing(root: Path) -> dict[str, tuple[int, int]]:
    return {str(p.relative_to(root)): (p.stat().st_size, p.stat().st_mtime_ns)
            for p in sorted(root.rglob("*"))}


# --- §6: stale output -----------------------------------------------------------------------


def test_editing_a_hidden_template_that_is_included_rebuilds_the_pages(make_site: Site) -> None:
    site = make_site({"templates/.note.html": "<p>first note</p>\n",
                      "templates/page.html": '{% extends "base.html" %}{% block main %}'
                                             '{% include ".note.html" %}{% endblock %}\n'})
    build_to(site, site / "output")
    assert "first note" in (site / "output/about/index.html").read_text()
    note = site / "templates/.note.html"
    note.write_text("<p>second note</p>\n")
    os.utime(note, ns=(note.stat().st_mtime_ns + 5_000_000_000,) * 2)
    result = build_to(site, site / "output")
    assert not result.up_to_date
    assert "second note" in (site / "output/about/index.html").read_text()


def test_a_new_version_of_the_transliteration_behind_slugs_makes_the_cache_stale(
        monkeypatch) -> None:
    before = cache.environment()
    real = cache.metadata.version
    monkeypatch.setattr(cache.metadata, "version",
                        lambda name: "99.0" if name == "text-unidecode" else real(name))
    cache.environment.cache_clear()
    try:
        assert cache.environment() != before
    finally:
        monkeypatch.undo()
        cache.environment.cache_clear()


def test_check_writes_nothing_at_all(make_site: Site) -> None:
    site = make_site()
    before = listing(site)
    result = CliRunner().invoke(main, ["check", str(site)])
    assert result.exit_code == 0, result.output
    assert listing(site) == before


# --- §6: wrong output ------------------------------------------------------------------------


def test_an_empty_base_url_option_is_an_error_not_site_yaml(make_site: Site) -> None:
    site = make_site()
    result = CliRunner().invoke(main, ["build", str(site), "-o", str(site / "output"),
                                       "--base-url", ""])
    assert result.exit_code == 1
    assert "--base-url" in result.output and "Traceback" not in result.output
    assert not (site / "output").exists()


def test_explicit_heading_ids_keep_letters_of_any_script(make_site: Site) -> None:
    site = make_site({"content/pages/about.md": "---\ntitle: About\n---\n## Über uns {#über}\n"})
    build_to(site, site / "output")
    assert '<h2 id="über">' in (site / "output/about/index.html").read_text()


def study(tags: str = "[checkout]", extra: str = "", body: str = "Body.") -> str:
    return ("---\ntitle: A study\ndate: 2025-03-14\nsummary: S.\nclient: Acme\nniche: ecommerce\n"
            f"services: [retainer]\ntags: {tags}\n{extra}---\n{body}\n")


def test_tags_that_slugify_alike_get_their_own_pages_or_an_error_naming_both(
        make_site: Site) -> None:
    site = make_site({"content/case-studies/a.md": study("[C++, C#, C, Go]"),
                      "content/case-studies/b.md": study("[go]")})
    build_to(site, site / "output")
    pages = {p.parent.name for p in (site / "output/tags").glob("*/index.html")}
    assert {"c-plus-plus", "c-sharp", "c", "go"} <= pages
    site = make_site({"content/case-studies/b.md": study("[Node.js, node-js]")}, name="two")
    found = problems_of(site)
    assert any("content/case-studies/b.md:8:" in p and "`Node.js`" in p and "`node-js`" in p
               for p in found), found


def test_a_link_to_a_draft_says_it_is_a_draft(make_site: Site) -> None:
    site = make_site({
        "content/pages/plans.md": "---\ntitle: Plans\ndraft: true\n---\nSoon.\n",
        "content/pages/about.md": "---\ntitle: About\n---\nSee [plans](plans.md).\n",
        "content/services/audit.md": "---\ntitle: Audit\nsummary: S.\ndraft: true\n---\nX.\n",
        "content/case-studies/acme.md": study(extra="", body="B.").replace(
            "[retainer]", "[retainer, audit]")})
    found = problems_of(site)
    link = [p for p in found if p.startswith("content/pages/about.md:")]
    assert len(link) == 1 and "content/pages/plans.md is a draft" in link[0], found
    assert "no such content file" not in link[0]
    cited = [p for p in found if p.startswith("content/case-studies/acme.md:7:")]
    assert len(cited) == 1 and "audit" in cited[0] and "is a draft" in cited[0], found
    assert build_to(site, site / "output", BuildOptions(drafts=True)).pages > 0


def test_every_error_of_a_build_is_reported_at_once(make_site: Site) -> None:
    site = make_site({
        "content/case-studies/broken.md": "---\ntitle: [unclosed\n---\nX.\n",
        "content/case-studies/acme.md": study().replace("niche: ecommerce", "niche: nope"),
        "content/pages/about.md": "---\ntitle: About\n---\nSee [the broken one]"
                                  "(../case-studies/broken.md).\n"})
    found = problems_of(site)
    assert any(p.startswith("content/case-studies/broken.md:") for p in found), found
    assert any(p.startswith("content/case-studies/acme.md:6:") and "nope" in p
               for p in found), found
    assert not any(p.startswith("content/pages/about.md") for p in found), found  # no echo
    (site / "site.yaml").write_text("title: T\nbase_url: nowhere\n")
    found = problems_of(site)
    assert any(p.startswith("site.yaml:") for p in found), found
    assert any(p.startswith("content/case-studies/broken.md:") for p in found), found


def test_non_ascii_urls_are_percent_encoded_in_sitemap_feed_and_canonical(
        make_site: Site) -> None:
    site = make_site({"content/pages/cafe.md": "---\ntitle: Café\nslug: café\n---\nX.\n",
                      "content/case-studies/acme.md": study().replace(
                          "title: A study", "title: A study\nslug: über")})
    build_to(site, site / "output", BuildOptions(base_url="https://bücher.example/straße/"))
    out = site / "output"
    sitemap = (out / "sitemap.xml").read_text()
    assert "https://xn--bcher-kva.example/stra%C3%9Fe/caf%C3%A9/" in sitemap
    assert "case-studies/%C3%BCber/" in sitemap and "über" not in sitemap
    assert "case-studies/%C3%BCber/" in (out / "feed.xml").read_text()
    page = (out / "café/index.html").read_text()
    assert '<link rel="canonical" href="https://xn--bcher-kva.example/stra%C3%9Fe/caf%C3%A9/">' \
        in page
    assert 'og:url" content="https://xn--bcher-kva.example/stra%C3%9Fe/caf%C3%A9/"' in page


@pytest.mark.parametrize("field", [
    "call_to_action: {label: Go, url: 'javascript:alert(1)'}",
    "call_to_action: {label: Go, form: {action: ' JaVa\tScRiPt:alert(1)'}}",
    "navigation:\n  - {label: X, url: 'data:text/html,<script>alert(1)</script>'}",
    "organization: {name: O, url: 'vbscript:x'}",
    "organization: {name: O, same_as: ['https://ok.example', 'javascript:x']}",
])
def test_unsafe_url_schemes_are_refused_with_their_line(make_site: Site, field: str) -> None:
    yaml = "title: T\nbase_url: https://example.com/\nniches: {ecommerce: {name: E}}\n"
    site = make_site({"site.yaml": yaml + field + "\n"})
    found = problems_of(site)
    assert any(p.startswith("site.yaml:4:") or p.startswith("site.yaml:5:") for p in found), found
    assert not (site / "output").exists()


def test_a_heading_may_not_take_an_id_the_theme_uses(make_site: Site) -> None:
    site = make_site({"content/pages/about.md": "---\ntitle: About\n---\nText.\n\n"
                                                "## Contact us {#cta-form}\n"})
    found = problems_of(site)
    assert any(p.startswith("content/pages/about.md:6:") and "cta-form" in p
               and "partials/cta.html:" in p for p in found), found


def test_a_theme_that_comes_to_use_a_heading_id_is_caught_in_serve(make_site: Site) -> None:
    """The same bodies, a new theme: the ids are looked up against the new one's (the
    lookup is remembered between rebuilds by the bodies and the theme)."""
    from generator.build import BuildState, build

    site = make_site({"content/pages/about.md": "---\ntitle: About\n---\nText.\n\n"
                                                "## Contact us {#reach-us}\n"})
    state, options = BuildState(), BuildOptions(serve=True)
    build(site, options, state)
    build(site, options, state)  # (remembered)
    footer = site / "templates" / "partials" / "footer.html"
    footer.parent.mkdir(parents=True)
    footer.write_text('<footer id="reach-us"></footer>\n')
    with pytest.raises(CasefolioError) as caught:
        build(site, options, state, changed=[footer])
    assert any(p.path == "content/pages/about.md" and p.line == 6 and "reach-us" in p.message
               for p in caught.value.problems), caught.value.problems
    footer.unlink()
    build(site, options, state, changed=[footer])


def test_a_theme_cannot_read_files_through_the_objects_it_is_given(make_site: Site,
                                                                   tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET")
    site = make_site({"templates/page.html": "{{ config.site_dir.joinpath('" + str(secret)
                                             + "').read_text() }}\n"})
    found = problems_of(site)
    assert any(p.startswith("templates/page.html:1:") for p in found), found
    assert not (site / "output").exists()


@pytest.mark.parametrize("escape", [
    "{{ ().__class__.__base__.__subclasses__() }}",
    "{{ page.title.__class__.__mro__ }}",
    "{{ '{0.__class__.__init__.__globals__}'.format(page) }}",
    "{{ page.title.format_map }}{{ '{0.__class__}'.format_map({'x': 1}) }}",
    "{{ url.__globals__ }}",
    "{{ page.title }}{{ page.title.__class__ }}",  # a safe read first, then an unsafe one
])
def test_a_theme_cannot_reach_python_internals(make_site: Site, escape: str) -> None:
    """The sandbox's answers are remembered per (type, name), and its getattr has a fast path
    for values that are not methods: neither opens a way out."""
    site = make_site({"templates/page.html": escape + "\n"})
    found = problems_of(site)
    assert any(p.startswith("templates/page.html:1:") for p in found), found
    assert not (site / "output").exists()


def test_a_template_link_out_of_the_templates_folders_is_refused(make_site: Site,
                                                                 tmp_path: Path) -> None:
    secret = tmp_path / "secret.html"
    secret.write_text("TOP-SECRET")
    site = make_site({"templates/page.html": '{% include "partials/leak.html" %}\n'})
    (site / "templates/partials").mkdir()
    (site / "templates/partials/leak.html").symlink_to(secret)
    found = problems_of(site)
    assert any(p.startswith("templates/partials/leak.html:") and "outside" in p
               for p in found), found


def test_service_chips_lead_only_to_services_whose_page_has_the_anchor(make_site: Site) -> None:
    site = make_site({"content/services/idle.md": "---\ntitle: Idle\nsummary: S.\n---\nX.\n"})
    build_to(site, site / "output")
    out = site / "output"
    index = (out / "case-studies/index.html").read_text()
    for slug in re.findall(r'href="/services/([^/"]+)/#used-in"', index):
        assert 'id="used-in"' in (out / f"services/{slug}/index.html").read_text(), slug
    assert "/services/retainer/#used-in" in index and "/services/idle/#used-in" not in index


def png(width: int, height: int) -> bytes:
    from io import BytesIO

    from PIL import Image
    buffer = BytesIO()
    Image.new("RGB", (width, height), (30, 120, 160)).save(buffer, "PNG")
    return buffer.getvalue()


def test_an_original_is_published_only_where_a_page_links_to_it(make_site: Site) -> None:
    site = make_site({
        "content/case-studies/shot.png": png(900, 600),
        "content/case-studies/full.png": png(700, 500),
        "static/spare.png": png(300, 200),
        "content/case-studies/acme.md": study(body="![The shot](shot.png)\n\n![Full](full.png)"
                                                "\n\n[full size](/case-studies/full.png)")})
    build_to(site, site / "output")
    out = site / "output"
    assert list((out / "case-studies").glob("shot-*w.*.webp"))  # its variants are there
    assert not (out / "case-studies/shot.png").exists()         # no page uses the original
    assert (out / "case-studies/full.png").exists()             # a page links to this one
    assert (out / "spare.png").exists()                         # static: may be linked from afar
