"""Guides: `{-}` / `{.unnumbered}` headings are prose, `practice_level: 3` makes `###` the
practices in `##` chapters, and `authors:` / `updated:` are shown and in JSON-LD."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

from click.testing import CliRunner

from generator.check import check_site
from generator.cli import main
from generator.content.markdown import render, render_reference
from tests.conftest import SITE_YAML

GUIDE = """\
---
title: Landing pages
summary: Practices.
authors: [anna, ben]
updated: 2025-06-01
---
Intro.

## What's in this guide {-}
A list of what follows.

## One goal per page {#one-goal}
Why.

## Social proof next to the button
How.

## Want to go deeper? {#deeper .unnumbered}
Book a call.
"""

PEOPLE = """\
people:
  anna: {name: Anna Berg, role: Founder, url: "https://example.org/anna"}
  ben: {name: Ben Ode}
"""

CASE = """\
---
title: Acme checkout
date: 2025-03-14
summary: A summary.
client: Acme
niche: ecommerce
practices: [{refs}]
metrics:
  - {{label: Conversion rate, before: 2.1, after: 2.9, unit: "%"}}
---
See [the intro](../practices/landing.md#what-s-in-this-guide).
"""


def build(make_site: Callable[..., Path], tmp_path: Path, files: dict[str, str | None],
          ) -> tuple[int, str, Path]:
    site = make_site({"site.yaml": SITE_YAML + PEOPLE, "content/services/retainer.md": None,
                      **files})
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["build", str(site), "-o", str(out)])
    return result.exit_code, result.output, out


def text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


def test_unnumbered_headings_are_prose_with_their_anchors(make_site: Callable[..., Path],
                                                          tmp_path: Path) -> None:
    code, output, out = build(make_site, tmp_path, {
        "content/practices/landing.md": GUIDE,
        "content/case-studies/acme.md": CASE.format(refs="landing#one-goal")})
    assert code == 0, output
    html = (out / "practices/landing/index.html").read_text(encoding="utf-8")
    assert ('<section class="guide-prose" id="what-s-in-this-guide" '
            'aria-labelledby="what-s-in-this-guide-title">') in html
    assert '<h2 id="what-s-in-this-guide-title">What&#39;s in this guide <a class="self-link"' \
        in html
    assert '<section class="guide-prose" id="deeper"' in html
    numbers = re.findall(r'<span class="practice-number">(\d+)</span> ([^<]+?) <a', html)
    assert numbers == [("1", "One goal per page"), ("2", "Social proof next to the button")]
    toc = text(html.split('class="toc"', 1)[1].split("</nav>", 1)[0])
    assert "What" not in toc and "deeper" not in toc
    assert html.count("Not yet in a published case study.") == 1   # only the practice
    # the link to a prose heading from a case study resolves to its anchor
    study = (out / "case-studies/acme/index.html").read_text(encoding="utf-8")
    assert 'href="/practices/landing/#what-s-in-this-guide"' in study
    assert (out / "practices/index.html").read_text(encoding="utf-8").count("2 practices") == 1


def test_a_prose_heading_is_not_citable(make_site: Callable[..., Path], tmp_path: Path) -> None:
    code, output, _ = build(make_site, tmp_path, {
        "content/practices/landing.md": GUIDE,
        "content/case-studies/acme.md": CASE.format(refs="landing#deeper")})
    assert code == 1
    assert "content/case-studies/acme.md:7: unknown practice in `landing` `deeper`" in output


def test_check_does_not_ask_prose_to_be_backed(make_site: Callable[..., Path],
                                               tmp_path: Path) -> None:
    site = make_site({"site.yaml": SITE_YAML + PEOPLE, "content/practices/landing.md": GUIDE,
                      "content/case-studies/acme.md": CASE.format(refs="landing#one-goal")})
    warnings = [p.message for p in check_site(site).warnings if "not backed" in p.message]
    assert warnings == ["practice `Social proof next to the button` is not backed by any "
                        "case study"]


LEVEL_3 = """\
---
title: AWS foundations
summary: Practices.
practice_level: 3
---
## Contents {-}
The chapters.

## Accounts
How we split them.

### One account per environment
Why.

### A separate audit account {#audit}
Why.

## Networking

### Private subnets by default
Why.

#### A detail
Inside the practice.
"""


def test_practice_level_3_makes_h3_the_practices_in_h2_chapters(
        make_site: Callable[..., Path], tmp_path: Path) -> None:
    code, output, out = build(make_site, tmp_path, {
        "content/practices/aws.md": LEVEL_3, "content/practices/landing.md": None,
        "content/case-studies/acme.md": CASE.format(refs="aws#audit").replace(
            "See [the intro](../practices/landing.md#what-s-in-this-guide).", "")})
    assert code == 0, output
    html = (out / "practices/aws/index.html").read_text(encoding="utf-8")
    main = html.split('<div class="collection-main">', 1)[1]
    blocks = [b for b in re.findall(r'<section class="([\w-]+)" id="([\w-]+)"', main)
              if b[0] in ("practice", "guide-prose", "guide-chapter")]
    assert blocks == [("guide-prose", "contents"), ("guide-chapter", "accounts"),
                      ("practice", "one-account-per-environment"), ("practice", "audit"),
                      ("guide-chapter", "networking"), ("practice", "private-subnets-by-default")]
    assert '<h2 id="accounts-title">Accounts <a class="self-link"' in main
    assert ('<h3 id="audit-title"><span class="practice-number">2</span> A separate audit '
            'account <a class="self-link"') in main
    chapter = main.split('id="accounts"', 1)[1].split("</section>", 1)[0]
    assert "How we split them." in chapter
    practice = main.split('id="private-subnets-by-default"', 1)[1].split("</section>", 1)[0]
    assert '<h4 id="a-detail">A detail</h4>' in practice and "Inside the practice." in practice
    audit = main.split('id="audit"', 1)[1].split("</section>", 1)[0]
    assert "Seen in 1 case study:" in audit
    assert (out / "practices/index.html").read_text(encoding="utf-8").count("3 practices") == 1


def test_a_chapter_is_not_citable_at_level_3(make_site: Callable[..., Path],
                                             tmp_path: Path) -> None:
    code, output, _ = build(make_site, tmp_path, {
        "content/practices/aws.md": LEVEL_3, "content/practices/landing.md": None,
        "content/case-studies/acme.md": CASE.format(refs="aws#accounts").replace(
            "See [the intro](../practices/landing.md#what-s-in-this-guide).", "")})
    assert code == 1 and "unknown practice in `aws` `accounts`" in output


def test_authors_and_updated_in_the_byline_and_json_ld(make_site: Callable[..., Path],
                                                       tmp_path: Path) -> None:
    code, output, out = build(make_site, tmp_path, {
        "content/practices/landing.md": GUIDE,
        "content/case-studies/acme.md": CASE.format(refs="landing")})
    assert code == 0, output
    html = (out / "practices/landing/index.html").read_text(encoding="utf-8")
    assert ('<p class="byline">By <a href="https://example.org/anna">Anna Berg</a> '
            '<span class="byline-role">(Founder)</span> and Ben Ode · Updated '
            '<time datetime="2025-06-01">1 June 2025</time></p>') in html
    data = [json.loads(b) for b in re.findall(
        r'<script type="application/ld\+json">(.*?)</script>', html, re.S)]
    article = next(d for d in data if d["@type"] == "Article")
    assert article["author"] == [
        {"@type": "Person", "name": "Anna Berg", "jobTitle": "Founder",
         "url": "https://example.org/anna"}, {"@type": "Person", "name": "Ben Ode"}]
    assert article["dateModified"] == "2025-06-01"


def test_an_unknown_author_is_a_located_error(make_site: Callable[..., Path],
                                              tmp_path: Path) -> None:
    code, output, _ = build(make_site, tmp_path, {
        "content/practices/landing.md": GUIDE.replace("[anna, ben]", "[anna, bne]"),
        "content/case-studies/acme.md": CASE.format(refs="landing")})
    assert code == 1
    assert "content/practices/landing.md:4: unknown person `bne`" in output
    assert "did you mean" in output.lower() and "ben" in output


def test_heading_attributes_parse_alike_in_both_engines() -> None:
    body = ("## Intro {-}\n\nx\n\n## Plain {#p}\n\n## Both {#b .unnumbered}\n\n"
            "## Kept {braces}\n\n## Dash - {-}\n")
    for engine in (render, render_reference):
        toc = [(h.text, h.anchor, h.unnumbered) for h in engine(body).toc]
        assert toc == [("Intro", "intro", True), ("Plain", "p", False), ("Both", "b", True),
                       ("Kept {braces}", "kept-braces", False), ("Dash -", "dash", True)]
