"""Metadata is text, never markup: `<script>`, quotes and `</script>` in any field come out
escaped in HTML text, attributes, JSON-LD, the Atom feed and the sitemap; raw HTML in Markdown
bodies is the author's choice and a site can turn it off (issue 5)."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import pytest

from generator.build import build_to
from tests.conftest import SITE_YAML

EVIL = '</script><script>alert("x")</script> & \'q\' "dq" <b>bold</b> ]]> <!-- -->'
Q = json.dumps(EVIL)  # a YAML double-quoted string is a JSON string


class Page(HTMLParser):
    """Collects scripts (type, text), every attribute value and the visible text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.scripts: list[tuple[str | None, str]] = []
        self.attributes: list[str] = []
        self.text: list[str] = []
        self.tags: list[str] = []
        self._script: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attributes += [v for _, v in attrs if v]
        if tag == "script":
            self._script = [dict(attrs).get("type") or "", ""]

    def handle_endtag(self, tag: str) -> None:
        if tag == "script" and self._script is not None:
            self.scripts.append((self._script[0], self._script[1]))
            self._script = None

    def handle_data(self, data: str) -> None:
        if self._script is not None:
            self._script[1] += data
        else:
            self.text.append(data)


@pytest.fixture(scope="module")
def evil_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("evil")
    files = {
        "site.yaml": SITE_YAML.replace("title: Test Consultancy",
                                       f"title: {Q}\ntagline: {Q}\norganization: {{name: {Q}}}")
                              .replace("name: E-commerce", f"name: {Q}"),
        "content/case-studies/acme.md": f"""---
title: {Q}
date: 2025-03-14
summary: {Q}
client: {Q}
niche: ecommerce
services: [retainer]
tags: [{Q}]
testimonial: {{quote: {Q}, name: {Q}, role: {Q}}}
metrics:
  - {{label: {Q}, before: 1, after: 2, period: {Q}}}
---
Body.
""",
        "content/services/retainer.md": f"""---
title: {Q}
summary: {Q}
niches: [ecommerce]
price: {{amount: 4500, currency: USD}}
faq:
  - {{q: {Q}, a: {Q}}}
---
Body.
""",
        "content/pages/about.md": f"---\ntitle: {Q}\nsummary: {Q}\nmenu: true\n---\nUs.\n",
        "content/practices/landing.md": f"---\ntitle: {Q}\nsummary: {Q}\n---\n## One\nx\n",
    }
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")
    build_to(root, root / "output")
    return root / "output"


def html_pages(out: Path) -> list[Path]:
    return sorted(out.rglob("*.html"))


def test_no_metadata_becomes_markup(evil_site: Path) -> None:
    pages = html_pages(evil_site)
    assert len(pages) >= 10
    seen_in_text = seen_in_attribute = 0
    for path in pages:
        source = path.read_text(encoding="utf-8")
        assert "<script>alert" not in source and "<b>bold</b>" not in source, path
        page = Page()
        page.feed(source)
        assert "b" not in page.tags, path                      # <b> stayed text
        for kind, body in page.scripts:
            assert "alert(" not in body or kind == "application/ld+json", path
        seen_in_text += EVIL in "".join(page.text)
        seen_in_attribute += any(EVIL in value for value in page.attributes)
    assert seen_in_text >= 5 and seen_in_attribute >= 5     # shown, as text, everywhere


def test_json_ld_survives_a_closing_script_tag(evil_site: Path) -> None:
    found = 0
    for path in html_pages(evil_site):
        page = Page()
        page.feed(path.read_text(encoding="utf-8"))
        for kind, body in page.scripts:
            if kind != "application/ld+json":
                continue
            assert "</" not in body and "<!--" not in body
            data = json.loads(body)                              # one whole JSON value
            found += EVIL in _strings(data)
    assert found >= 5


def _strings(value: object) -> list[str]:
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return [value] if isinstance(value, str) else []


def test_the_case_study_json_ld_keeps_the_exact_title(evil_site: Path) -> None:
    page = Page()
    page.feed((evil_site / "case-studies/acme/index.html").read_text(encoding="utf-8"))
    articles = [json.loads(body) for kind, body in page.scripts
                if kind == "application/ld+json" and '"Article"' in body]
    assert articles and articles[0]["headline"] == EVIL


@pytest.mark.parametrize("name", ["feed.xml", "sitemap.xml"])
def test_feed_and_sitemap_are_valid_xml(evil_site: Path, name: str) -> None:
    root = ET.parse(evil_site / name).getroot()
    texts = [element.text or "" for element in root.iter()]
    if name == "feed.xml":
        assert EVIL in texts                                     # title and summary, as text
        assert not [e for e in root.iter() if e.tag.endswith("}b") or e.tag == "b"]


def test_a_slug_free_title_still_makes_safe_urls(evil_site: Path) -> None:
    for path in evil_site.rglob("*"):
        rel = path.relative_to(evil_site).as_posix()
        assert not set(rel) & set("<>\"'&\\ "), rel


RAW = "Before <span class=\"hl\">kept</span> after.\n\n<script>alert(1)</script>\n"


@pytest.mark.parametrize(("setting", "raw_kept"), [("", True), ("markdown: {raw_html: true}\n",
                                                                  True),
                                                   ("markdown: {raw_html: false}\n", False)])
def test_raw_html_in_bodies_is_the_sites_choice(make_site, setting: str, raw_kept: bool) -> None:
    site = make_site({"site.yaml": SITE_YAML + setting,
                      "content/pages/about.md": f"---\ntitle: About\n---\n{RAW}"})
    build_to(site, site / "output")
    page = (site / "output/about/index.html").read_text(encoding="utf-8")
    assert ('<span class="hl">kept</span>' in page) is raw_kept
    assert ("<script>alert(1)</script>" in page) is raw_kept
    if not raw_kept:
        assert "&lt;span class=&quot;hl&quot;&gt;kept&lt;/span&gt;" in page
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
