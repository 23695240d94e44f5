"""Articles (content/articles/) and people (site.yaml `people:`): their pages, lists, feed,
sitemap, tags, series, citations and the checks on authors."""

from __future__ import annotations

import io
import json
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from PIL import Image

from generator.build import build_to
from generator.config import BuildOptions
from generator.content.frontmatter import split
from generator.errors import CasefolioError
from generator.kinds.registry import MODELS
from tests.conftest import CASE, SITE_YAML

PEOPLE = """\
people:
  anna:
    name: Anna Berg
    role: Founder, CRO lead
    photo: static/people/anna.jpg
    bio: Ten years of A/B testing for online stores.
    url: https://www.linkedin.com/in/example
  ben: {name: Ben Ode, role: Analyst}
"""

FIRST = """\
---
title: Checkout basics
date: 2025-02-10
summary: Where a checkout loses buyers.
authors: [anna, ben]
tags: [checkout]
series: checkout-guide
practices: [landing#one-goal]
updated: 2025-06-01
---
## What we changed
For [Acme](../case-studies/acme.md).
"""

SECOND = """\
---
title: Checkout on mobile
date: 2025-03-10
summary: The mobile half of the guide.
authors: [anna]
series: checkout-guide
---
Part two.
"""


def jpeg(width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (40, 90, 120)).save(out, "JPEG")
    return out.getvalue()


@pytest.fixture
def site(make_site: Callable[..., Path]) -> Path:
    return make_site({
        "site.yaml": SITE_YAML + PEOPLE,
        "content/articles/checkout-basics.md": FIRST,
        "content/articles/checkout-mobile.md": SECOND,
        "static/people/anna.jpg": jpeg(320, 400),
        "content/case-studies/acme.md": CASE.format(title="Acme checkout")
        + "Read [the guide](../articles/checkout-basics.md#what-we-changed).\n",
    })


@pytest.fixture
def built(site: Path, tmp_path: Path) -> Path:
    out = tmp_path / "out"
    build_to(site, out, BuildOptions())
    return out


def read(out: Path, rel: str) -> str:
    return (out / rel).read_text("utf-8")


def jsonld(html: str, kind: str) -> dict[str, object]:
    for found in re.findall(r'<script type="application/ld\+json">(.*?)</script>', html):
        data = json.loads(found)
        if data.get("@type") == kind:
            return data  # type: ignore[no-any-return]
    raise AssertionError(f"no {kind} JSON-LD")


def test_article_page_has_byline_updated_date_series_practices_and_tags(built: Path) -> None:
    page = read(built, "articles/checkout-basics/index.html")
    assert "<h1>Checkout basics</h1>" in page
    assert ('<p class="byline">By <a href="/people/anna/" rel="author">Anna Berg</a> and '
            '<a href="/people/ben/" rel="author">Ben Ode</a> · <time datetime="2025-02-10">'
            '10 February 2025</time> · Updated <time datetime="2025-06-01">1 June 2025</time>'
            '</p>') in page
    assert "Part 1 of 2 in this series" in page
    assert '<li><span aria-current="page">Checkout basics</span></li>' in page
    assert '<li><a href="/articles/checkout-mobile/">Checkout on mobile</a></li>' in page
    assert '<a href="/case-studies/acme/">Acme</a>' in page          # a .md link resolves
    assert ('<a href="/articles/checkout-basics/#what-we-changed">the guide</a>'
            in read(built, "case-studies/acme/index.html"))             # and the other way
    assert '<a href="/practices/landing/#one-goal">One goal per page</a>' in page
    assert '<a class="tag" href="/tags/checkout/">#checkout</a>' in page
    assert '<meta property="article:modified_time" content="2025-06-01">' in page
    data = jsonld(page, "BlogPosting")
    assert data["datePublished"] == "2025-02-10" and data["dateModified"] == "2025-06-01"
    assert data["author"] == [
        {"@type": "Person", "name": "Anna Berg", "url": "https://example.com/people/anna/"},
        {"@type": "Person", "name": "Ben Ode", "url": "https://example.com/people/ben/"}]
    second = read(built, "articles/checkout-mobile/index.html")
    assert "Part 2 of 2 in this series" in second
    assert '<li><a href="/articles/checkout-basics/">Checkout basics</a></li>' in second
    assert "Updated" not in second
    assert jsonld(second, "BlogPosting")["dateModified"] == "2025-03-10"


def test_articles_list_feed_sitemap_tags_navigation(built: Path) -> None:
    listing = read(built, "articles/index.html")
    titles = re.findall(r'<h2 class="card-title"><a href="([^"]+)">', listing)
    assert titles == ["/articles/checkout-mobile/", "/articles/checkout-basics/"]  # newest first
    assert ('<p class="card-meta"><time datetime="2025-02-10">10 February 2025</time> · '
            "Anna Berg, Ben Ode</p>") in listing
    feed = read(built, "feed.xml")
    assert ("<title>Checkout basics</title>\n<id>https://example.com/articles/checkout-basics/"
            "</id>") in feed
    assert "<author><name>Anna Berg, Ben Ode</name></author>" in feed
    sitemap = read(built, "sitemap.xml")
    assert ("<loc>https://example.com/articles/checkout-basics/</loc><lastmod>2025-06-01"
            "</lastmod>") in sitemap
    assert "<loc>https://example.com/people/anna/</loc>" in sitemap
    tag = read(built, "tags/checkout/index.html")
    assert "<h1>Case studies and articles tagged “checkout”</h1>" in tag
    assert '<h3 class="card-title"><a href="/articles/checkout-basics/">' in tag
    collection = read(built, "practices/landing/index.html")
    assert ('<li><a href="/articles/checkout-basics/">Checkout basics</a> '
            '<span class="card-meta">by Anna Berg, Ben Ode</span></li>') in collection


def test_header_lists_articles_when_site_yaml_has_no_navigation(site: Path,
                                                                tmp_path: Path) -> None:
    text = (site / "site.yaml").read_text("utf-8")
    text = text.replace("navigation:\n  - {label: Case studies, url: /case-studies/}\n", "")
    (site / "site.yaml").write_text(text, "utf-8")
    build_to(site, tmp_path / "out", BuildOptions())
    assert '<li><a href="/articles/">Articles</a></li>' in read(tmp_path / "out",
                                                                  "about/index.html")


def test_person_page_lists_their_articles_with_photo_and_json_ld(built: Path) -> None:
    page = read(built, "people/anna/index.html")
    assert ('<img class="person-photo" src="/people/anna.jpg" width="320" height="400" '
            'alt="Anna Berg">') in page
    assert "<h1>Anna Berg</h1>" in page and '<p class="eyebrow">Founder, CRO lead</p>' in page
    assert '<p class="lead">Ten years of A/B testing for online stores.</p>' in page
    assert '<h2 id="articles-title">Articles by Anna Berg</h2>' in page
    assert re.findall(r'<h3 class="card-title"><a href="([^"]+)">', page) == [
        "/articles/checkout-mobile/", "/articles/checkout-basics/"]
    assert jsonld(page, "Person")["jobTitle"] == "Founder, CRO lead"
    ben = read(built, "people/ben/index.html")
    assert re.findall(r'<h3 class="card-title"><a href="([^"]+)">', ben) == [
        "/articles/checkout-basics/"]
    assert '<a href="/people/ben/">Ben Ode</a>' in read(built, "people/index.html")


def test_person_photo_shows_on_their_page_in_the_team_block_and_on_home(
        make_site: Callable[..., Path], tmp_path: Path) -> None:
    team = "team: [anna, ben]\n"
    site = make_site({
        "site.yaml": SITE_YAML.replace("base_url: https://example.com/",
                                       "base_url: https://example.com/sub/") + PEOPLE,
        "static/people/anna.jpg": jpeg(320, 400),
        "content/case-studies/acme.md": CASE.format(title="Acme checkout").replace(
            "niche: ecommerce\n", "niche: ecommerce\n" + team),
        "content/case-studies/solo.md": CASE.format(title="Solo work"),
    })
    out = tmp_path / "out"
    build_to(site, out, BuildOptions())
    anna = read(out, "people/anna/index.html")
    assert ('<img class="person-photo" src="/sub/people/anna.jpg" width="320" height="400" '
            'alt="Anna Berg">') in anna
    assert jsonld(anna, "Person")["image"] == "https://example.com/sub/people/anna.jpg"
    assert '<h2 id="case-studies-title">Case studies Anna Berg worked on</h2>' in anna
    assert re.findall(r'<h3 class="card-title"><a href="([^"]+)">', anna) == [
        "/sub/case-studies/acme/"]
    assert (out / "people/anna.jpg").is_file()
    # the team block: each member's photo (decorative: the name is beside it), linking to
    # their page, not to their profile elsewhere
    face = ('<img class="face" src="/sub/people/anna.jpg" width="320" height="400" alt="" '
            'loading="lazy" decoding="async">')
    case = read(out, "case-studies/acme/index.html")
    assert (f'<li>{face}<span><a href="/sub/people/anna/">Anna Berg</a> '
            '<span class="team-role">Founder, CRO lead</span></span></li>') in case
    assert '<li><span><a href="/sub/people/ben/">Ben Ode</a> <span class="team-role">' in case
    assert 'id="team-title"' not in read(out, "case-studies/solo/index.html")
    # the home page's team and the people index: cards with the photo
    for rel, level in (("index.html", "h3"), ("people/index.html", "h2")):
        page = read(out, rel)
        assert (f'<li class="card person-card">\n      {face}\n      <{level} class="card-title">'
                f'<a href="/sub/people/anna/">Anna Berg</a></{level}>') in page, rel
        assert '<p class="card-summary">Ten years of A/B testing for online stores.</p>' in page
    assert '<h2 id="team-title">Who you will work with</h2>' in read(out, "index.html")


def test_an_unknown_author_is_a_located_problem_with_a_suggestion(site: Path,
                                                                 tmp_path: Path) -> None:
    path = site / "content/articles/checkout-basics.md"
    path.write_text(FIRST.replace("[anna, ben]", "[anna, bne]"), "utf-8")
    with pytest.raises(CasefolioError) as caught:
        build_to(site, tmp_path / "out", BuildOptions())
    [problem] = caught.value.problems
    assert (problem.path, problem.line) == ("content/articles/checkout-basics.md", 5)
    assert problem.message == "unknown person `bne`" and "`ben`" in (problem.hint or "")


def test_drafts_are_absent_from_lists_and_the_feed(site: Path, tmp_path: Path) -> None:
    path = site / "content/articles/checkout-mobile.md"
    path.write_text(SECOND.replace("series:", "draft: true\nseries:"), "utf-8")
    out = tmp_path / "out"
    build_to(site, out, BuildOptions())
    assert not (out / "articles/checkout-mobile").exists()
    for rel in ("articles/index.html", "feed.xml", "sitemap.xml", "people/anna/index.html",
                "articles/checkout-basics/index.html"):
        assert "checkout-mobile" not in read(out, rel), rel


def test_new_article_writes_a_draft_that_builds(site: Path, tmp_path: Path) -> None:
    run = subprocess.run([sys.executable, "-m", "generator", "new", "article", "Why tests lie",
                          "-s", str(site), "-q"], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == str(site / "content/articles/why-tests-lie.md")
    build_to(site, tmp_path / "out", BuildOptions(drafts=True))
    assert "<h1>Why tests lie</h1>" in read(tmp_path / "out",
                                             "articles/why-tests-lie/index.html")


# ../shared beside the repository (a worktree is one folder deeper)
REALWORLD = next((p / "shared" / "realworld" for p in Path(__file__).resolve().parents[2:4]
                  if (p / "shared" / "realworld").is_dir()), Path("/nonexistent"))


def only_keys(text: str, folder: str) -> str:
    """The file without the front matter keys this branch's schema of `folder` lacks (v2
    fields still to come: aliases, call_to_action, tiers...), nor their indented lines."""
    known = MODELS[folder].model_fields
    out, skipping = [], False
    head, _, body = text.partition("\n---\n")
    for line in head.splitlines():
        if re.match(r"[A-Za-z_]", line):
            skipping = line.split(":", 1)[0] not in known
        if not skipping:
            out.append(line)
    return "\n".join(out) + "\n---\n" + body


@pytest.mark.parametrize("name", ["masterpoint", "digital-marketing-specialist", "fivexl",
                                  "corrode"])
def test_a_real_sites_articles_and_people_build(name: str, tmp_path: Path) -> None:
    """A real consultancy's whole site (bundles, flat files, `people:`): every article is
    listed, bylined with links to its authors' pages, and on each author's page."""
    real = REALWORLD / name
    if not real.is_dir():
        pytest.skip("the real-world sites are not here")
    people = yaml.safe_load((real / "site.yaml").read_text("utf-8")).get("people", {})
    site = tmp_path / "site"
    shutil.copytree(real, site)
    out = tmp_path / "out"
    build_to(site, out, BuildOptions())
    listing = read(out, "articles/index.html")
    articles = sorted((real / "content/articles").glob("*.md")) + sorted(
        (real / "content/articles").glob("*/index.md"))
    assert articles
    for path in articles:
        meta = split(path.read_text("utf-8"), path.name).meta  # YAML or TOML
        if meta.get("draft") or meta.get("unlisted"):
            continue
        slug = meta.get("slug") or (path.parent.name if path.name == "index.md" else path.stem)
        assert f'<a href="/articles/{slug}/">' in listing
        page = read(out, f"articles/{slug}/index.html")
        for author in meta.get("authors", []):
            assert (f'<a href="/people/{author}/" rel="author">{people[author]["name"]}</a>'
                    in page)
            assert f'href="/articles/{slug}/"' in read(out, f"people/{author}/index.html")


def test_a_rebuild_after_a_change_of_authors_updates_the_person_pages(site: Path,
                                                                     tmp_path: Path) -> None:
    out = tmp_path / "out"
    build_to(site, out, BuildOptions())
    path = site / "content/articles/checkout-mobile.md"
    path.write_text(SECOND.replace("[anna]", "[ben]"), "utf-8")
    build_to(site, out, BuildOptions())
    assert "/articles/checkout-mobile/" not in read(out, "people/anna/index.html")
    assert "/articles/checkout-mobile/" in read(out, "people/ben/index.html")
