"""Links that survive a move (CONTENT-MODEL "v2: front matter and links"), on real built
sites: root-relative links under a subpath, raw HTML src/href, #anchors."""

from __future__ import annotations

import pytest

from generator.build import build_to
from generator.config import BuildOptions
from generator.errors import CasefolioError
from tests.test_bundles import case, png

SUB = BuildOptions(base_url="https://example.com/sub/")


def about(body: str) -> str:
    return f"---\ntitle: About\nsummary: Who we are.\n---\n{body}"


def problems_of(site, options: BuildOptions = BuildOptions()) -> list[str]:
    with pytest.raises(CasefolioError) as caught:
        build_to(site, site / "output", options)
    return [f"{p.path}:{p.line}: {p.message}" for p in caught.value.problems]


def test_root_relative_links_and_images_get_the_base_path(make_site) -> None:
    site = make_site({
        "static/img/a.png": png(),
        "content/pages/about.md": about(
            "See [Acme](/case-studies/acme/) and [all](/case-studies/) and "
            "[the feed](/feed.xml).\n\n![A chart](/img/a.png)\n\n"
            "[raw](/img/a.png)\n"),
    })
    build_to(site, site / "output", SUB)
    page = (site / "output/about/index.html").read_text(encoding="utf-8")
    assert 'href="/sub/case-studies/acme/"' in page
    assert 'href="/sub/case-studies/"' in page
    assert 'href="/sub/feed.xml"' in page
    assert 'href="/sub/img/a.png"' in page
    assert 'src="/sub/img/a-800w.' in page  # the static image, resized, under the base path
    assert 'href="/case-studies/acme/"' not in page


def test_a_dead_root_relative_link_is_an_error_with_its_line(make_site) -> None:
    site = make_site({"content/pages/about.md": about("Intro.\n\n[old](/case-study/iwoca/)\n")})
    found = problems_of(site, SUB)
    assert any(p.startswith("content/pages/about.md:7:") and "/case-study/iwoca/" in p
               for p in found), found
    assert not (site / "output").exists()


def test_raw_html_img_beside_a_flat_file_resolves_to_the_published_file(make_site) -> None:
    site = make_site({
        "content/case-studies/shot.png": png(),
        "content/case-studies/acme.md": case("Acme", body='\n<img src="shot.png" alt="x" '
                                             'width="300">\n\n<a href="/about/">us</a>\n'),
    })
    build_to(site, site / "output", SUB)
    page = (site / "output/case-studies/acme/index.html").read_text(encoding="utf-8")
    assert '<img src="/sub/case-studies/shot.png" alt="x" width="300">' in page
    assert '<a href="/sub/about/">us</a>' in page
    assert (site / "output/case-studies/shot.png").is_file()


def test_a_raw_html_src_to_nothing_is_an_error(make_site) -> None:
    site = make_site({"content/pages/about.md": about('Hi.\n\n<img src="gone.png" alt="x">\n')})
    found = problems_of(site)
    assert any(p.startswith("content/pages/about.md:7:") and "gone.png" in p
               for p in found), found


def test_raw_html_poster_and_srcset_are_resolved_each_candidate_apart(make_site) -> None:
    site = make_site({
        "static/video-preview.jpg": png(),
        "content/case-studies/shot.png": png(),
        "content/case-studies/shot-2x.png": png(1600, 1000),
        "content/case-studies/acme.md": case("Acme", body=(
            '\n<video controls poster="/video-preview.jpg">\n'
            '<source srcset="shot.png" type="image/png"></video>\n\n'
            '<img src="shot.png" srcset="shot.png 1x,\n  shot-2x.png 2x, '
            'https://cdn.example.com/w_300,h_200/a.jpg 300w" alt="x">\n')),
    })
    build_to(site, site / "output", SUB)
    page = (site / "output/case-studies/acme/index.html").read_text(encoding="utf-8")
    assert '<video controls poster="/sub/video-preview.jpg">' in page
    assert '<source srcset="/sub/case-studies/shot.png" type="image/png">' in page
    assert ('srcset="/sub/case-studies/shot.png 1x,\n  /sub/case-studies/shot-2x.png 2x, '
            'https://cdn.example.com/w_300,h_200/a.jpg 300w"') in page
    assert (site / "output/case-studies/shot-2x.png").is_file()


def test_a_raw_html_poster_or_srcset_to_nothing_is_an_error_with_its_line(make_site) -> None:
    body = ('Hi.\n\n<video poster="/gone.jpg"></video>\n\n'
            '<img src="/ok.png" srcset="/ok.png 1x,\n/missing-2x.png 2x" alt="x">\n')
    site = make_site({"static/ok.png": png(), "content/pages/about.md": about(body)})
    found = problems_of(site, SUB)
    assert any(p.startswith("content/pages/about.md:7:") and "/gone.jpg" in p
               for p in found), found
    assert any(p.startswith("content/pages/about.md:10:") and "/missing-2x.png" in p
               for p in found), found
    assert not any("/ok.png" in p for p in found), found


def test_anchors_are_checked_on_the_page_and_across_pages(make_site) -> None:
    good = about("[down](#our-team) [there](../practices/landing.md#one-goal) "
                 "[abs](/practices/landing/#social-proof-next-to-the-button)\n\n## Our team\n")
    site = make_site({"content/pages/about.md": good})
    build_to(site, site / "output")
    page = (site / "output/about/index.html").read_text(encoding="utf-8")
    assert 'href="#our-team"' in page
    assert 'href="/practices/landing/#one-goal"' in page

    bad = about("Hi.\n\n[down](#team)\n\n[abs](/practices/landing/#nope)\n\n## Our team\n")
    site = make_site({"content/pages/about.md": bad}, name="bad")
    found = problems_of(site)
    assert any(p.startswith("content/pages/about.md:7:") and "#team" in p for p in found), found
    assert any(p.startswith("content/pages/about.md:9:") and "#nope" in p for p in found), found


def test_template_syntax_left_in_a_body_is_a_warning_naming_the_line(make_site) -> None:
    body = ("Intro {{< figure src=\"a.png\" >}}\n\n{% include cta.html %}\n\n"
            "Visit {{ site.url }} now.\n\nIn code: `{{ site.url }}` is fine.\n\n"
            "```liquid\n{% for x in y %}\n```\n\n{{% notice %}}\n")
    site = make_site({"content/pages/about.md": about(body)})
    result = build_to(site, site / "output")
    lines = sorted(w.line for w in result.warnings
                   if w.path == "content/pages/about.md" and "template" in w.message)
    assert lines == [5, 7, 9, 17]


def test_a_relative_url_is_checked_against_the_page_url(make_site) -> None:
    site = make_site({"content/case-studies/acme.md": case("Acme", body="\n[us](../../about/)\n")})
    build_to(site, site / "output", SUB)
    page = (site / "output/case-studies/acme/index.html").read_text(encoding="utf-8")
    assert 'href="/sub/about/"' in page
    site = make_site({"content/case-studies/acme.md": case("Acme", body="\n[us](../about/)\n")},
                     name="bad")
    assert any("../about/" in p for p in problems_of(site))
