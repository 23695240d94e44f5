"""Heading ids as Hugo and GitHub make them (site.yaml `markdown: {anchors: hugo|github}`), so
that in-page links written for another generator keep working after a move; `default` stays
as it was."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from generator.build import build_to
from generator.cli import main
from generator.content.markdown import render, render_reference
from tests.conftest import CASE, PRACTICES, SITE_YAML

HEADINGS = """\
## Hello, World!

## Hello, World!

## Über café – 2024 `v2`

## snake_case & C++

## Custom {#my-id}

## Hello World

## Two  spaces

## ?!

### Ünïcode 日本語
"""

IDS = {
    "default": ["hello-world", "hello-world-2", "uber-cafe-2024-v2", "snake-case-c", "my-id",
                "hello-world-3", "two-spaces", "section", "unicode-ri-ben-yu"],
    # Hugo: punctuation and symbols dropped, each space and `-` a `-`, letters of any script
    # kept lowercased, `_` kept; a repeated id gets -1, -2; an empty one is `heading`
    "hugo": ["hello-world", "hello-world-1", "über-café--2024-v2", "snake_case--c", "my-id",
             "hello-world-2", "two--spaces", "heading", "ünïcode-日本語"],
    "github": ["hello-world", "hello-world-1", "über-café--2024-v2", "snake_case--c", "my-id",
               "hello-world-2", "two--spaces", "section", "ünïcode-日本語"],
}


@pytest.mark.parametrize("anchors", sorted(IDS))
def test_each_mode_makes_its_ids(anchors: str) -> None:
    rendered = render(HEADINGS, anchors=anchors)
    assert [h.anchor for h in rendered.toc] == IDS[anchors]
    assert f'<h2 id="{IDS[anchors][2]}">' in rendered.html
    assert render_reference(HEADINGS, anchors=anchors) == rendered  # both engines agree


def test_marks_are_kept_by_github_and_dropped_by_hugo() -> None:
    decomposed = "## Cafe\u0301\n"  # e + combining acute: a mark, not a letter
    assert render(decomposed, anchors="github").toc[0].anchor == "cafe\u0301"
    assert render(decomposed, anchors="hugo").toc[0].anchor == "cafe"


def test_default_is_the_default() -> None:
    assert render(HEADINGS) == render(HEADINGS, anchors="default")


def site_with(make_site, anchors: str | None, practice: str, ref: str):
    yaml = SITE_YAML + (f"markdown: {{anchors: {anchors}}}\n" if anchors else "")
    return make_site({
        "site.yaml": yaml,
        "content/practices/landing.md": "---\ntitle: Landing pages\nsummary: P.\n---\nIntro."
                                        f"\n\n## {practice}\nWhy.\n\n[again](#{ref})\n",
        "content/case-studies/acme.md": CASE.format(title="Acme").replace(
            "landing#one-goal", f"landing#{ref}"),
    })


def test_a_practice_anchor_follows_the_option(make_site) -> None:
    site = site_with(make_site, "hugo", "Über-fast checkout!", "über-fast-checkout")
    build_to(site, site / "output")
    guide = (site / "output/practices/landing/index.html").read_text("utf-8")
    assert 'id="über-fast-checkout"' in guide
    case = (site / "output/case-studies/acme/index.html").read_text("utf-8")
    assert "landing/#über-fast-checkout" in case


def test_a_hugo_anchor_is_an_error_under_default_ids(make_site) -> None:
    site = site_with(make_site, None, "Über-fast checkout!", "über-fast-checkout")
    result = CliRunner().invoke(main, ["build", str(site)])
    assert result.exit_code == 1
    assert "über-fast-checkout" in result.output and "uber-fast-checkout" in result.output


def test_an_unknown_value_is_an_error_with_its_line(make_site) -> None:
    site = make_site({"site.yaml": SITE_YAML + "markdown:\n  anchors: kramdown\n"})
    result = CliRunner().invoke(main, ["build", str(site)])
    assert result.exit_code == 1
    line = SITE_YAML.count("\n") + 2
    assert f"site.yaml:{line}:" in result.output and "kramdown" in result.output
    assert "hugo" in result.output and "Traceback" not in result.output


def test_changing_the_option_renders_again(make_site) -> None:
    """Cached documents are keyed by the Markdown options: no stale ids after a change."""
    site = make_site({"content/practices/landing.md": PRACTICES + "\n## Snake_case & more\nX.\n"})
    build_to(site, site / "output")
    guide = site / "output/practices/landing/index.html"
    assert 'id="snake-case-more"' in guide.read_text("utf-8")
    yaml = (site / "site.yaml").read_text("utf-8")
    (site / "site.yaml").write_text(yaml + "markdown: {anchors: github}\n", "utf-8")
    build_to(site, site / "output")
    assert 'id="snake_case--more"' in guide.read_text("utf-8")
