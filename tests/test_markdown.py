"""Tests for generator.content.markdown: real html out of real Markdown, through both engines."""

from __future__ import annotations

import hashlib
import os
import pickle
import random
import re
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest

from generator.content import markdown
from generator.content.markdown import (
    IMAGE_TOKEN,
    LINK_TOKEN,
    Heading,
    Image,
    Link,
    Rendered,
    fill,
    highlight_css,
    render,
    render_reference,
)

FIXTURES = Path(__file__).parent / "fixtures" / "markdown"
REGENERATE = os.environ.get("CASEFOLIO_REGENERATE") == "1"


@pytest.fixture(params=["render", "render_reference"])
def md(request: pytest.FixtureRequest) -> Callable[..., Rendered]:
    """Every behaviour must hold for the public entry point and for the reference engine."""
    return render if request.param == "render" else render_reference


def fixture(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


# --- CommonMark plus extensions ------------------------------------------------------------


def test_tables_keep_alignment(md):
    html = md("| Metric | After |\n|:--|--:|\n| Conversion | 1.9 % |\n").html
    assert "<table>\n<thead>\n<tr>\n" in html
    assert '<th style="text-align:left">Metric</th>' in html
    assert '<td style="text-align:right">1.9 %</td>' in html


def test_strikethrough(md):
    assert md("~~hidden~~ shown").html == "<p><s>hidden</s> shown</p>\n"


def test_footnotes(md):
    html = md("Claim[^src].\n\n[^src]: The source.\n").html
    assert '<sup class="footnote-ref"><a href="#fn1" id="fnref1">[1]</a></sup>' in html
    assert '<section class="footnotes">' in html
    assert '<li id="fn1" class="footnote-item"><p>The source. <a href="#fnref1"' in html


def test_linkify_and_typographer_are_off(md):
    html = md('Visit www.example.com -- "quoted" (c)').html
    assert html == "<p>Visit www.example.com -- &quot;quoted&quot; (c)</p>\n"


@pytest.mark.parametrize("name", ["tip", "note", "warning", "important"])
def test_callouts_have_default_titles(md, name):
    html = md(f"::: {name}\nBody *text*.\n:::\n").html
    assert html == (
        f'<aside class="callout callout-{name}" role="note">\n'
        f'<p class="callout-title">{name.capitalize()}</p>\n'
        "<p>Body <em>text</em>.</p>\n</aside>\n"
    )


def test_callout_custom_title_is_escaped(md):
    html = md("::: tip Measure <first> & last\nx\n:::\n").html
    assert '<p class="callout-title">Measure &lt;first&gt; &amp; last</p>' in html


def test_unknown_container_is_not_a_callout(md):
    assert "<aside" not in md("::: danger\nx\n:::\n").html


# --- headings ---------------------------------------------------------------------------


def test_heading_ids_explicit_derived_and_duplicate(md):
    body = (
        "# Page\n\n## One goal per page {#one-goal}\n\n## Social proof next to the button\n\n"
        "### Social proof next to the button\n\n#### Deep {#my id!}\n\n## {#one-goal}\n"
    )
    html = md(body).html
    assert '<h1 id="page">Page</h1>' in html
    assert '<h2 id="one-goal">One goal per page</h2>' in html
    assert '<h2 id="social-proof-next-to-the-button">Social proof next to the button</h2>' in html
    assert '<h3 id="social-proof-next-to-the-button-2">' in html
    assert '<h4 id="myid">Deep</h4>' in html  # explicit ids keep only [A-Za-z0-9_-]
    assert '<h2 id="one-goal-2"></h2>' in html


def test_heading_text_and_toc(md):
    rendered = md("# T\n\n## A &amp; *B* `c` [l](x.md)\n\n### Sub\n\n#### Not in toc\n\n> ## Quoted\n")
    assert rendered.toc == (
        Heading(2, "A & B c l", "a-b-c-l", 3),
        Heading(3, "Sub", "sub", 5),
    )
    assert '<h2 id="quoted">Quoted</h2>' in rendered.html  # nested: an id, but not in the toc


def test_explicit_id_only_at_the_end(md):
    html = md("## Mid {#x} text\n\nPara {#not-heading}\n").html
    assert '<h2 id="mid-x-text">Mid {#x} text</h2>' in html
    assert "<p>Para {#not-heading}</p>" in html


def test_unicode_and_empty_headings_get_usable_ids(md):
    html = md("## Ünïcode títle 🎉\n\n## !!!\n").html
    assert '<h2 id="unicode-title">Ünïcode títle 🎉</h2>' in html
    assert '<h2 id="section">!!!</h2>' in html


# --- code -------------------------------------------------------------------------------


def test_fenced_code_is_highlighted_with_classes_only(md):
    html = md("```python\ndef f(x):\n    return x < 2\n```\n").html
    assert html.startswith('<div class="highlight"><pre><span></span><span class="k">def</span>')
    assert '<span class="o">&lt;</span>' in html
    assert "style=" not in html


def test_unknown_or_missing_language_is_plain_escaped_code(md):
    html = md("```nosuchlanguage\n<b> & x\n```\n\n```\nplain\n```\n\n    indented\n").html
    assert html == (
        '<pre><code class="language-nosuchlanguage">&lt;b&gt; &amp; x\n</code></pre>\n'
        "<pre><code>plain\n</code></pre>\n<pre><code>indented\n</code></pre>\n"
    )


def test_highlight_css_scopes_light_and_dark():
    css = highlight_css()
    light, _, dark = css.partition("@media (prefers-color-scheme: dark) {")
    assert ".highlight .k {" in light and ".highlight .k {" in dark
    assert dark.rstrip().endswith("}")
    rules = [line.strip() for line in css.splitlines() if "{" in line and "@media" not in line]
    assert rules and all(rule.startswith(".highlight") for rule in rules)
    assert css == highlight_css()
    assert highlight_css("monokai", "default") != css


# --- links and images ---------------------------------------------------------------------


def test_internal_links_become_placeholders(md):
    body = (
        "See [proof](../practices/landing-pages.md#social-proof), [cafe](café.md), "
        "[spaced](<my page.md>), [ref][r].\n\n[r]: other.md \"T\"\n"
    )
    rendered = md(body, line_offset=2)
    assert rendered.links == (
        Link("../practices/landing-pages.md#social-proof", 3),
        Link("café.md", 3),
        Link("my page.md", 3),
        Link("other.md", 3),
    )
    assert f'<a href="{LINK_TOKEN.format(0)}">proof</a>' in rendered.html
    assert f'<a href="{LINK_TOKEN.format(3)}" title="T">ref</a>' in rendered.html


@pytest.mark.parametrize(
    "href",
    ["https://example.com/a.md", "mailto:a@b.co", "//cdn.example.com/a.md", "tel:+4412"],
)  # fmt: skip
def test_other_links_stay_as_written(md, href):
    rendered = md(f"[x]({href})")
    assert rendered.links == ()
    assert f'<a href="{href}">x</a>' in rendered.html


@pytest.mark.parametrize(
    "href", ["#social-proof", "/practices/x/", "/img/a.png", "page.md?x=1", "notes.txt"])
def test_anchors_files_and_root_relative_links_are_resolved_by_the_site(md, href):
    """v2: the site checks them and gives them their final URL (base path, bundle)."""
    rendered = md(f"[x]({href})")
    assert [link.target for link in rendered.links] == [href]


def test_raw_html_src_and_href_become_links(md):
    rendered = md('Text <img src="shot.png" width="3"> and\n\n<p><a href=\'/x/\'>x</a>'
                  '<a href="https://e.com/">e</a></p>\n')
    assert [(link.target, link.line) for link in rendered.links] == [("shot.png", 1), ("/x/", 3)]
    assert 'width="3"' in rendered.html and 'href="https://e.com/"' in rendered.html


def test_fill_replaces_links_and_images_everywhere(md):
    body = "Intro [a](a.md).\n\n## Part\n\n![Chart](chart.png \"T\") and [b](b.md#x)\n"
    rendered = md(body)
    links = ["/a/", "/b/?q=1&r=2#x"]
    images = ['<picture><img src="/chart.webp" alt="Chart"></picture>']
    html = fill(rendered.html, links, images)
    assert html == (
        '<p>Intro <a href="/a/">a</a>.</p>\n<h2 id="part">Part</h2>\n<p><picture><img '
        'src="/chart.webp" alt="Chart"></picture> and <a href="/b/?q=1&amp;r=2#x">b</a></p>\n'
    )
    sections = "".join(fill(s.html, links, images) for s in rendered.sections)
    assert sections == html.replace('<h2 id="part">Part</h2>\n', "")


def test_author_lookalikes_are_never_filled(md):
    text = f"Docs mention {LINK_TOKEN.format(0)} and {IMAGE_TOKEN.format(0)} literally."
    rendered = md(f"{text}\n\n    {LINK_TOKEN.format(1)}\n")
    assert rendered.links == () and rendered.images == ()
    assert fill(rendered.html, ["BAD"], ["BAD"]) == rendered.html
    assert "BAD" not in fill(rendered.html, ["BAD", "BAD"], ["BAD"])
    assert "casefolio&#45;link-0-7f3a" in rendered.html


def test_local_images_become_placeholders(md):
    rendered = md('Text\n\n![Checkout *before*](img/checkout-before.png "Before")\n', line_offset=10)
    assert rendered.images == (Image("img/checkout-before.png", "Checkout before", "Before", 13),)
    assert rendered.html == f"<p>Text</p>\n<p>{IMAGE_TOKEN.format(0)}</p>\n"


def test_remote_images_load_lazily_and_root_relative_ones_are_resolved_later(md):
    html = md("![a](https://cdn.example.com/a.png) ![b](/b.png 'B') ![c](data:image/gif;base64,R0)")
    assert [(i.src, i.alt, i.title) for i in html.images] == [("/b.png", "b", "B")]  # the site's
    assert (
        '<img src="https://cdn.example.com/a.png" alt="a" loading="lazy" decoding="async" />'
        in html.html
    )
    assert IMAGE_TOKEN.format(0) in html.html
    assert '<img src="data:image/gif;base64,R0" alt="c" loading="lazy"' in html.html


def test_image_inside_internal_link(md):
    rendered = md("[![Logo](logo.png)](home.md)")
    assert rendered.html == (
        f'<p><a href="{LINK_TOKEN.format(0)}">{IMAGE_TOKEN.format(0)}</a></p>\n'
    )


# --- raw html -----------------------------------------------------------------------------


def test_raw_html_passes_through_when_allowed(md):
    html = md('<script>alert(1)</script>\n\nHi <span class="x">there</span>\n').html
    assert html == '<script>alert(1)</script>\n<p>Hi <span class="x">there</span></p>\n'


def test_raw_html_is_escaped_when_not_allowed(md):
    html = md('<script>alert(1)</script>\n\nHi <span class="x">there</span>\n', raw_html=False)
    assert "<script" not in html.html and "<span" not in html.html
    assert html.html == (
        "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>\n"
        "<p>Hi &lt;span class=&quot;x&quot;&gt;there&lt;/span&gt;</p>\n"
    )


# --- sections, lines, text ------------------------------------------------------------------


def test_sections_split_at_top_level_h2(md):
    body = fixture("practices.md")
    rendered = md(body, line_offset=4)
    assert [(s.anchor, s.title, s.line) for s in rendered.sections] == [
        ("", "", 5),
        ("one-goal", "One goal per page", 11),
        ("social-proof-next-to-the-button", "Social proof next to the button", 20),
        ("social-proof-next-to-the-button-2", "Social proof next to the button", 31),
    ]
    intro, goal, proof, _ = rendered.sections
    assert intro.html.startswith("<p>Each practice below")
    assert '<p class="callout-title">Measure first</p>' in intro.html
    assert "<h2" not in goal.html and goal.html.startswith("<p>A landing page")
    assert '<h3 id="placement">Placement</h3>' in proof.html
    position = 0
    for section in rendered.sections:  # sections are the body, in order, minus the h2s
        position = rendered.html.index(section.html, position) + len(section.html)


def test_sections_without_their_html_are_the_same_sections(md):
    body = fixture("practices.md") + "\n[a link](other.md) and ![an image](i.png)\n"
    whole, bare = md(body, line_offset=4), md(body, line_offset=4, section_html=False)
    assert [s.html for s in bare.sections] == [""] * len(whole.sections)
    assert bare == replace(whole, sections=tuple(replace(s, html="") for s in whole.sections))


def test_no_intro_section_when_body_starts_with_h2(md):
    rendered = md("## First\n\ntext\n\n> ## Quoted h2 does not split\n")
    assert [s.anchor for s in rendered.sections] == ["first"]
    assert "Quoted h2" in rendered.sections[0].html


def test_line_numbers_apply_the_offset(md):
    body = "Intro\n\n## First\n\nline a\nline b [l](x.md)\n\n| t |\n|---|\n| ![i](p.png) |\n"
    rendered = md(body, line_offset=5)
    assert rendered.toc == (Heading(2, "First", "first", 8),)
    assert rendered.links == (Link("x.md", 11),)
    assert rendered.images == (Image("p.png", "i", "", 15),)
    assert [s.line for s in rendered.sections] == [6, 8]


def test_words_and_text(md):
    rendered = md("# Hello *world*\n\nOne two&nbsp;three.\n\n```text\ncode words\n```\n")
    assert rendered.text == "Hello world One two three. code words"  # any blank collapses
    assert rendered.words == 7


# --- robustness and determinism ---------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    ["> " * 10_000 + "x", "- " * 10_000 + "x", "1. " * 10_000 + "x", "*" * 10_000 + "x" + "*" * 10_000,
     "[" * 10_000 + "x" + "](y.md)" * 10_000, "".join("  " * i + "- x\n" for i in range(300))],
    ids=["quotes", "bullets", "ordered", "emphasis", "brackets", "indented-list"],
)  # fmt: skip
def test_deep_nesting_neither_recurses_nor_crashes(md, body):
    start = time.process_time()
    rendered = md(body)
    assert rendered.html and time.process_time() - start < 5


_DEEP = 100_000  # the fast engine overflowed an 8 MB stack from ~24k; slower inputs use 30k
_FOOTNOTE = "x[^1]\n\n"


@pytest.mark.parametrize(
    "body",
    [_FOOTNOTE + "[^1]: " + "> " * _DEEP + "x", _FOOTNOTE + "[^1]: " + "- " * _DEEP + "x",
     _FOOTNOTE + "> [^1]: " + "1. " * _DEEP + "x", _FOOTNOTE + "[^1]: " * _DEEP + "x",
     _FOOTNOTE + "- [^1]: " * _DEEP + "x", "> " * _DEEP + "x", "- " * _DEEP + "x",
     "| a |\n|---|\n| " + "*" * _DEEP + "x" + "*" * _DEEP + " |", "[" * 30_000 + "x" + "](y)" * 30_000,
     "<div>" * _DEEP + "\n\n" + "*a " * _DEEP, "x" + "^[" * 30_000 + "x" + "]" * 30_000],
    ids=["footnote-quotes", "footnote-bullets", "quoted-footnote-ordered", "footnotes-in-footnotes",
         "bullet-footnotes", "quotes", "bullets", "table-emphasis", "brackets", "raw-html",
         "inline-footnotes"],
)  # fmt: skip
def test_nesting_100k_deep_in_any_container_does_not_kill_the_process(body):
    """In a subprocess: a stack overflow in native code is a signal, which would kill pytest."""
    script = "import sys\nfrom generator.content.markdown import render\nrender(sys.stdin.read())\n"
    done = subprocess.run([sys.executable, "-c", script], input=body, text=True,
                          capture_output=True, cwd=FIXTURES.parents[2])
    assert done.returncode == 0, done.stderr[-2000:]


@pytest.mark.slow
def test_twenty_megabytes_render_in_reasonable_time():
    unit = (
        "## Section heading\n\nProse with a [link](other.md), *emphasis* and `code`. "
        + "More words follow to make a realistic paragraph of text. " * 6
        + "\n\n- a list item\n- another item\n\n> a quote\n\n"
    )
    body = unit * (20_000_000 // len(unit))
    start = time.process_time()  # CPU time: other work on a shared machine does not count
    rendered = render(body)
    assert time.process_time() - start < 20
    assert len(rendered.sections) == body.count("## Section heading")
    assert rendered.links[-1] == Link("other.md", body.count("\n") - 6)


def test_same_input_same_bytes(md):
    body = fixture("case-study.md")
    assert md(body) == md(body)
    assert pickle.loads(pickle.dumps(md(body))) == md(body)  # crosses a process pool


def test_same_bytes_across_interpreters():
    script = (
        "import hashlib, pathlib, sys\nfrom generator.content.markdown import render\n"
        "text = ''.join(repr(render(p.read_text(encoding='utf-8')))\n"
        "               for p in sorted(pathlib.Path(sys.argv[1]).glob('*.md')))\n"
        "print(hashlib.sha256(text.encode()).hexdigest())\n"
    )
    command = [sys.executable, "-c", script, str(FIXTURES)]
    digests = {
        subprocess.run(
            command, capture_output=True, text=True, check=True, cwd=FIXTURES.parents[2],
            env={**os.environ, "PYTHONHASHSEED": seed},
        ).stdout
        for seed in ("1", "2")
    }
    paths = sorted(FIXTURES.glob("*.md"))
    local = "".join(repr(render(p.read_text(encoding="utf-8"))) for p in paths)
    assert digests == {hashlib.sha256(local.encode()).hexdigest() + "\n"}


# --- fixtures: input -> expected html ---------------------------------------------------------


@pytest.mark.parametrize("name", sorted(p.stem for p in FIXTURES.glob("*.html")))
def test_golden_html(name):
    """Set CASEFOLIO_REGENERATE=1 to rewrite the expected files after a deliberate change."""
    html = render(fixture(f"{name}.md")).html
    expected = FIXTURES / f"{name}.html"
    if REGENERATE:
        expected.write_text(html, encoding="utf-8")
    assert html == expected.read_text(encoding="utf-8")


# --- the fast engine renders exactly what the reference renders ---------------------------------

SNIPPETS = [
    "# Title", "## One goal per page {#one-goal}", "## Social proof next to the button",
    "### Sub *em* `code` [l](x.md)", "## A &amp; B {#a&amp;b}", "## {#only}", "##", "## Trail ##",
    "Setext [l](s.md)\n---", "Two\nlines\n===", "## x {#a*b*c}", "## Mid {#x} text", "## {#}",
    "#### Deep {#deep id!}", "## Ünïcode {#Ünï}", "## x {#a&#10;b}", "## Heading \\", "   ## indent",
    "Para [int](../p/landing.md#proof) [ext](https://x.com) [abs](/a.md) [frag](#f) <a@b.co>",
    "[café](café.md) [sp](<my page.md>) [pct](a%20b.md) [amp](a&amp;b.md \"t&quot;\") [q](x.md?q=1)",
    "![l](img/a.png \"Title\") ![r](https://cdn.x/a.png) ![d](data:image/png;base64,xx) ![a](/a.png)",
    "[![nested](n.png)](n.md)", "Line one\nline two [l2](l2.md)\nline three ![i3](i3.png)",
    "| a | b |\n|:--|--:|\n| [t](t.md) | ~~s~~ |\n| `x\\|y` | ![ti](ti.png) |",
    "```python\ndef f(x):\n    return x < 2 and '&'\n```", "```nosuchlang\nplain <b>\n```",
    "```\nnone\n```", "~~~js\nlet a = 1;\n~~~", "```py title=\"x\"\nx=1\n```", "    indented <code>",
    "> quote [q](q.md)\n> more\n>\n> ## Quoted h2", "- a\n- b [lb](lb.md)\n  - c\n    - d\n\n- loose",
    "1. one\n2. two\n\n   para ![p](p.png)", "Text[^n] here.\n\n[^n]: Note with [fl](fl.md).",
    "[^h]: ## h2 in note\n\nref[^h]", "Hard  \nbreak\\\nend", "&copy; &#123; &nbsp; &bogus; \\*esc\\*",
    "***", "<https://auto.link/x?a&b>", "Code `a <b> c` here.", "a `code\nspan` then [after](a.md)",
    "[multi\nline](ml.md \"ti\ntle\")", "![alt [brackets] <lt>](b.png)", "[]()", "[e]()",
    "Text with casefolio-link-0-7f3a look-alike.", "*a **b** c* _d_ ~~e~~ ***f***",
    "[ref] and [t][ref]\n\n[ref]: ref.md#frag \"T\"", "- item\n\n  ## h2 in list\n", "> " * 12 + "q",
    "- " * 22 + "deep", "> " * 45 + "too deep", "CRLF line\r\nnext [c](c.md)\r\n", "Lone\rCR",
    "\tTabbed\tcode", "1) paren\n2) list", "* star\n+ plus", "| h |\n|---|\n| ## no |",
    "<div>\n*raw*\n</div>", "Inline <span>html</span> here", "::: tip Title\nin [c](c.md)\n:::",
    "x ^[inline note] y", "NUL \x00 [n](n\x00.md)", "nbsp\xa0here", "Twice[^t] and[^t]\n\n[^t]: t",
]  # fmt: skip


def generated_documents(count: int, seed: int = 20240601) -> list[str]:
    rng = random.Random(seed)
    return ["\n\n".join(rng.choices(SNIPPETS, k=rng.randint(1, 10))) for _ in range(count)]


@pytest.mark.parametrize("raw_html", [True, False])
def test_fast_engine_matches_reference(raw_html):
    documents = [fixture(p.name) for p in sorted(FIXTURES.glob("*.md"))]
    documents += generated_documents(300) + SNIPPETS
    fast_used = 0
    for offset, body in enumerate(documents):
        reference = render_reference(body, raw_html=raw_html, line_offset=offset % 7)
        fast = markdown._render_fast(body, raw_html, offset % 7)
        fast_used += fast is not None
        assert fast is None or fast == reference, body
        assert render(body, raw_html=raw_html, line_offset=offset % 7) == reference
    assert fast_used > len(documents) / 3  # the comparison is not vacuous


@pytest.mark.parametrize(
    "body",
    ["::: tip\nx\n:::", "a ^[note] b", "a\xa0b", "Twice[^t] and[^t]\n\n[^t]: t", "<b>raw</b>",
     " " * 64 + "- deep", "*a " * 600 + "x" + " a*" * 600, ">" * 45 + " deep",
     "para\n\n" + " " * 64 + "- deep", "vertical\x0btab", "unit\x1fseparator", "é\u2028line"],
)  # fmt: skip
def test_fast_engine_declines_what_it_cannot_match(body):
    assert markdown._render_fast(body, True, 0) is None
    assert render(body) == render_reference(body)


def test_fast_engine_takes_ordinary_pages():
    if markdown.markdown_it_pyrs is None:
        pytest.skip("markdown-it-pyrs is not installed")
    for name in ("case-study.md", "edge-cases.md"):
        assert markdown._render_fast(fixture(name), True, 0) is not None
    many_paragraphs = "\n\n".join(["Some *emphasis* and [a link](x.md)."] * 2000)
    assert markdown._render_fast(many_paragraphs, True, 0) is not None


def test_placeholder_pattern_matches_the_documented_tokens():
    assert re.fullmatch(markdown.TOKEN_RE, LINK_TOKEN.format(12))
    assert re.fullmatch(markdown.TOKEN_RE, IMAGE_TOKEN.format(3))


def test_empty_header_cells_become_data_cells() -> None:
    """axe flags an empty <th> (empty-table-header); a corner cell is data, not a header."""
    doc = "| | Before | After |\n|--|--|--|\n| CR | 1 | 2 |\n"
    html = render(doc).html
    assert "<th></th>" not in html and "<td></td>" in html and "<th>Before</th>" in html
    assert render(doc) == render_reference(doc)
