"""The default theme on the example site, without a browser: every page parses as HTML5 with a
sound structure, every internal link and #anchor resolves (also under a subpath base_url), the
head carries the metadata search engines and social cards read, and the pages put the proof
where a reader decides. The same checks the W3C validator and the link checker in
../shared/qa make, kept small enough to run in CI without Java."""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

import pytest

from generator.build import build_to
from generator.config import BuildOptions
from tests.conftest import copy_example

html5lib = pytest.importorskip("html5lib")

REPO = Path(__file__).resolve().parent.parent
SUBPATH_BASE = "https://example.github.io/agency/"

# One page of each kind; the browser tests visit the same list.
PAGE_TYPES = {
    "home": "",
    "case-studies": "case-studies/",
    "case-study": "case-studies/skincare-checkout/",
    "uncertain-case-study": "case-studies/kiln-ceramics-product-page/",
    "practices": "practices/",
    "collection": "practices/landing-pages/",
    "services": "services/",
    "service": "services/conversion-retainer/",
    "tiered-service": "services/lead-gen-landing-pages/",
    "niche": "niches/ecommerce/",
    "tags": "tags/",
    "tag": "tags/checkout/",
    "page": "about/",
    "articles": "articles/",
    "article": "articles/read-a-test-result/",
    "people": "people/",
    "person": "people/maya/",
    "not-found": "404.html",
}


def build_example(root: Path, base_url: str | None = None, site_yaml: str | None = None) -> Path:
    """Build (a variant of) the example site under root; return the output folder."""
    site = copy_example(root / "site")
    if site_yaml is not None:
        (site / "site.yaml").write_text(site_yaml, encoding="utf-8")
    out = root / "out"
    build_to(site, out, BuildOptions(base_url=base_url))
    return out


def page_file(out: Path, rel: str) -> Path:
    return out / (rel if rel.endswith(".html") else rel + "index.html")


@pytest.fixture(scope="module")
def site_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_example(tmp_path_factory.mktemp("theme"))


@pytest.fixture(scope="module")
def subpath_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_example(tmp_path_factory.mktemp("theme-subpath"), SUBPATH_BASE)


def html_pages(out: Path) -> list[Path]:
    return sorted(out.rglob("*.html"))


# --- a small HTML model: ids, references, head tags ---------------------------------------

@dataclass
class Parsed:
    ids: list[str] = field(default_factory=list)
    refs: list[tuple[str, str, str]] = field(default_factory=list)   # (tag, attr, value)
    meta: dict[str, str] = field(default_factory=dict)               # name/property -> content
    links: list[dict[str, str]] = field(default_factory=list)        # <link> attributes
    jsonld: list[dict] = field(default_factory=list)
    title: str = ""


class _Reader(HTMLParser):
    REF_ATTRS = {"a": "href", "link": "href", "script": "src", "img": "src", "source": "src",
                 "area": "href", "form": "action"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.page = Parsed()
        self._script_type: str | None = None
        self._in_title = False
        self._buffer: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if "id" in a:
            self.page.ids.append(a["id"])
        attr = self.REF_ATTRS.get(tag)
        if attr and a.get(attr):
            self.page.refs.append((tag, attr, a[attr]))
        if tag in ("img", "source") and a.get("srcset"):
            for candidate in a["srcset"].split(","):
                self.page.refs.append((tag, "srcset", candidate.split()[0]))
        if tag == "meta" and ("name" in a or "property" in a):
            self.page.meta[a.get("name") or a["property"]] = a.get("content", "")
        if tag == "link":
            self.page.links.append(a)
        if tag == "script":
            self._script_type, self._buffer = a.get("type", ""), []
        if tag == "title" and not self.page.title:   # the document's, not an <svg>'s
            self._in_title, self._buffer = True, []

    def handle_data(self, data: str) -> None:
        if self._script_type is not None or self._in_title:
            self._buffer.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "script" and self._script_type == "application/ld+json":
            self.page.jsonld.append(json.loads("".join(self._buffer)))
        if tag == "script":
            self._script_type = None
        if tag == "title" and self._in_title:
            self.page.title, self._in_title = "".join(self._buffer), False


def parse(path: Path) -> Parsed:
    reader = _Reader()
    reader.feed(path.read_text(encoding="utf-8"))
    reader.close()
    return reader.page


def jsonld_types(page: Parsed) -> dict[str, dict]:
    return {item["@type"]: item for item in page.jsonld}


# --- HTML validity --------------------------------------------------------------------------

LIST_CHILDREN = {"ul": {"li", "script", "template"}, "ol": {"li", "script", "template"},
                 "dl": {"dt", "dd", "div", "script", "template"}}
INTERACTIVE = {"a", "button", "input", "select", "textarea", "label"}


def structure_problems(path: Path) -> Iterator[str]:
    """HTML5 parse errors (html5lib, strict) and the content-model slips the validator reports."""
    parser = html5lib.HTMLParser(strict=True, namespaceHTMLElements=False)
    try:
        tree = parser.parse(path.read_bytes())
    except html5lib.html5parser.ParseError as exc:
        yield f"parse error: {exc}"
        return
    ids = [e.get("id") for e in tree.iter() if e.get("id") is not None]
    for dup in sorted({i for i in ids if ids.count(i) > 1}):
        yield f"duplicate id {dup!r}"
    known = set(ids)
    parents = {child: parent for parent in tree.iter() for child in parent}
    for element in tree.iter():
        tag = element.tag if isinstance(element.tag, str) else ""
        for child in element:
            if tag in LIST_CHILDREN and isinstance(child.tag, str) and \
                    child.tag not in LIST_CHILDREN[tag]:
                yield f"<{child.tag}> inside <{tag}>"
        if tag == "li" and parents.get(element) is not None and \
                parents[element].tag not in ("ul", "ol", "menu"):
            yield "<li> outside a list"
        if tag in INTERACTIVE - {"label"}:
            ancestor = parents.get(element)
            while ancestor is not None:
                if ancestor.tag in ("a", "button"):
                    yield f"<{tag}> nested in <{ancestor.tag}>"
                ancestor = parents.get(ancestor)
        if tag == "img" and element.get("alt") is None:
            yield f"<img src={element.get('src')!r}> without alt"
        for attr in ("aria-labelledby", "aria-describedby", "for", "aria-controls"):
            for ref in (element.get(attr) or "").split():
                if ref not in known:
                    yield f"{attr}={ref!r} names no element"
    if len(tree.findall(".//main")) != 1:
        yield "not exactly one <main>"
    if len(tree.findall(".//h1")) != 1:
        yield "not exactly one <h1>"


def test_every_page_is_valid_html5(site_out: Path) -> None:
    problems = {str(p.relative_to(site_out)): list(structure_problems(p))
                for p in html_pages(site_out)}
    assert {k: v for k, v in problems.items() if v} == {}
    assert len(problems) >= 30


def test_the_structure_check_catches_what_the_validator_would(tmp_path: Path) -> None:
    bad = tmp_path / "bad.html"
    bad.write_text('<!doctype html><html lang="en"><title>x</title><main><h1 id="a">x</h1>'
                   '<ul><div>no</div></ul><p id="a"><label for="nope">x</label></p></main>')
    found = list(structure_problems(bad))
    assert "<div> inside <ul>" in found
    assert "duplicate id 'a'" in found
    assert "for='nope' names no element" in found


# --- links -----------------------------------------------------------------------------------

def broken_links(out: Path, base_url: str) -> list[str]:
    """Every internal href/src and #fragment must exist in the output, as a static host
    serving `out` at base_url would resolve it. Other origins are not checked."""
    base = urlsplit(base_url)
    pages = {p: parse(p) for p in html_pages(out)}
    ids = {p: set(parsed.ids) for p, parsed in pages.items()}
    broken = []
    for path, parsed in pages.items():
        rel = path.relative_to(out).as_posix()
        here = base_url + (rel[: -len("index.html")] if rel.endswith("index.html") else rel)
        for tag, attr, value in parsed.refs:
            if value.startswith(("mailto:", "tel:", "javascript:")):
                continue
            target = urlsplit(urljoin(here, value))
            if (target.scheme, target.netloc) != (base.scheme, base.netloc):
                continue
            where = f"{rel}: <{tag} {attr}={value!r}>"
            if not target.path.startswith(base.path):
                broken.append(f"{where} is outside {base.path}")
                continue
            file = out / unquote(target.path[len(base.path):])
            if file.is_dir() or target.path.endswith("/"):
                file = file / "index.html"
            if not file.is_file():
                broken.append(f"{where} -> missing {file.relative_to(out)}")
            elif target.fragment and file.suffix == ".html" and \
                    target.fragment not in ids.get(file, set()):
                broken.append(f"{where} -> no #{target.fragment}")
    return broken


def test_no_broken_links_or_anchors(site_out: Path) -> None:
    assert broken_links(site_out, "https://example.com/") == []


def test_no_broken_links_on_a_subpath(subpath_out: Path) -> None:
    assert broken_links(subpath_out, SUBPATH_BASE) == []
    home = page_file(subpath_out, "").read_text(encoding="utf-8")
    assert not re.search(r'(href|src|action)="/(?!agency/)', home)


def test_the_link_check_finds_a_dangling_anchor(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "index.html").write_text('<a href="/a/#gone">x</a><a href="/b/">y</a>')
    (tmp_path / "a" / "index.html").write_text('<p id="here">a</p>')
    assert len(broken_links(tmp_path, "https://example.com/")) == 2


# --- the head --------------------------------------------------------------------------------

@pytest.mark.parametrize("kind", sorted(PAGE_TYPES))
def test_head_metadata(site_out: Path, kind: str) -> None:
    rel = PAGE_TYPES[kind]
    page = parse(page_file(site_out, rel))
    assert page.title.strip() and "Northpoint CRO" in page.title
    assert 50 <= len(page.meta["description"]) <= 200 or kind in ("tag", "tags")
    links = {(link["rel"], link.get("type", "")): link["href"] for link in page.links}
    assert links[("canonical", "")] == "https://example.com/" + rel
    assert re.fullmatch(r"/assets/style\.[0-9a-f]{10}\.css", links[("stylesheet", "")])
    assert links[("icon", "image/svg+xml")].startswith("/assets/")
    assert links[("alternate", "application/atom+xml")] == "/feed.xml"
    assert links[("sitemap", "application/xml")] == "/sitemap.xml"
    for key in ("og:title", "og:description", "og:url", "og:type", "og:site_name",
                "twitter:card", "color-scheme"):
        assert page.meta.get(key), key
    assert page.meta["og:url"] == "https://example.com/" + rel


def test_structured_data(site_out: Path) -> None:
    home = jsonld_types(parse(page_file(site_out, "")))
    assert home["Organization"]["name"] == "Northpoint CRO"
    assert home["Organization"]["logo"] == "https://example.com/logo.svg"
    assert home["WebSite"]["url"] == "https://example.com/"

    study = jsonld_types(parse(page_file(site_out, PAGE_TYPES["case-study"])))
    article = study["Article"]
    assert article["headline"].startswith("Mobile checkout redesign")
    assert article["datePublished"] == "2025-03-14" or re.fullmatch(r"\d{4}-\d\d-\d\d",
                                                                      article["datePublished"])
    assert article["publisher"]["@type"] == "Organization"
    crumbs = study["BreadcrumbList"]["itemListElement"]
    assert [c["name"] for c in crumbs][:2] == ["Home", "Case studies"]
    assert crumbs[-1]["item"] == "https://example.com/case-studies/skincare-checkout/"

    service = jsonld_types(parse(page_file(site_out, PAGE_TYPES["service"])))
    offer = service["Service"]["offers"]
    assert (offer["price"], offer["priceCurrency"]) == (4500, "USD")
    assert offer["priceSpecification"]["unitCode"] == "MON"
    faq = service["FAQPage"]["mainEntity"]
    assert faq and all(q["@type"] == "Question" and q["acceptedAnswer"]["text"] for q in faq)

    for kind in ("collection", "niche", "tag", "page", "services"):
        assert "BreadcrumbList" in jsonld_types(parse(page_file(site_out, PAGE_TYPES[kind])))


def test_json_ld_cannot_break_out_of_its_script(make_site, tmp_path: Path) -> None:
    site = make_site({"content/services/retainer.md": """\
---
title: "Retainer </script><script>alert(1)</script>"
summary: Flat fee.
niches: [ecommerce]
price: {amount: 4500, currency: USD, per: month}
faq:
  - {q: "Is it </script> safe?", a: "Yes & <b>no</b>"}
---
Body.
"""})
    build_to(site, tmp_path / "out")
    text = (tmp_path / "out/services/retainer/index.html").read_text(encoding="utf-8")
    assert "<script>alert(1)" not in text
    page = parse(tmp_path / "out/services/retainer/index.html")
    assert jsonld_types(page)["FAQPage"]["mainEntity"][0]["name"] == "Is it </script> safe?"


# --- content and components ------------------------------------------------------------------

def test_home_leads_with_proof_and_a_call_to_action(site_out: Path) -> None:
    html = page_file(site_out, "").read_text(encoding="utf-8")
    hero = html.split('<section class="hero"', 1)[1].split("</section>", 1)[0]
    assert "We turn more of your visitors into customers" in hero
    assert re.search(r'class="stat-value">9<', hero)                     # engagements
    assert re.search(r'class="stat-value">[+−]\d+%<', hero)              # a quantified result
    assert 'href="https://cal.com/example/audit"' in hero
    for niche in ("E-commerce", "Pool construction", "Personal injury law", "Senior living"):
        assert niche in hero
    assert html.count('href="https://cal.com/example/audit"') >= 3       # header, hero, end band
    assert "$4,500/month" in html and 'id="cta"' in html


def test_case_study_metric_cards_and_charts(site_out: Path) -> None:
    html = page_file(site_out, PAGE_TYPES["case-study"]).read_text(encoding="utf-8")
    results = html.split('class="results', 1)[1].split("</section>", 1)[0]
    assert results.index("metric-headline") < results.index("Mobile revenue per visitor")
    assert "2.1% → 2.9%" in results and "+0.8 pp" in results and "+38%" in results
    assert "95% CI +23% to +55%" in results and "Statistically significant" in results
    charts = re.findall(r'<svg class="chart[^"]*" viewBox="[^"]+" role="img" aria-label="([^"]+)"',
                        results)
    assert len(charts) == results.count('<article class="metric')
    assert charts[0].startswith("Mobile conversion rate: 2.1% before, 2.9% after")
    assert "lower is better" in charts[2]
    # the practices applied link to anchors that exist (the link check proves they resolve)
    assert 'href="/practices/landing-pages/#social-proof"' in html
    assert "“They found money" not in html and "They found money" in html  # quotes come from CSS


def test_a_non_significant_result_is_shown_as_uncertain(site_out: Path) -> None:
    html = page_file(site_out, PAGE_TYPES["uncertain-case-study"]).read_text(encoding="utf-8")
    headline = html.split("metric-headline", 1)[1].split("</article>", 1)[0]
    assert "Not significant: directional" in headline
    assert "is-uncertain" in html.split("metric-headline", 1)[0][-200:]
    assert "not statistically significant" in headline


def test_collection_anchors_and_evidence(site_out: Path) -> None:
    page = parse(page_file(site_out, PAGE_TYPES["collection"]))
    html = page_file(site_out, PAGE_TYPES["collection"]).read_text(encoding="utf-8")
    toc = html.split('class="toc"', 1)[1].split("</nav>", 1)[0]
    anchors = re.findall(r'href="#([^"]+)"', toc)
    assert len(anchors) == 13 and all(a in page.ids for a in anchors)
    one_goal = html.split('id="one-goal"', 1)[1].split("</section>", 1)[0]
    assert re.search(r"Seen in [2-9] case studies", one_goal)
    assert one_goal.count('href="/case-studies/') >= 2


def test_service_page_sells(site_out: Path) -> None:
    html = page_file(site_out, PAGE_TYPES["service"]).read_text(encoding="utf-8")
    for text in ("$4,500", "a month", "What you get", "Two designed, built and QA", "The outcome",
                 "Case studies that used it", "How long is the commitment?"):
        assert text in html, text
    assert html.index("$4,500") < html.index("What you get")            # price before detail


def test_case_study_index_filters_work_without_javascript(site_out: Path) -> None:
    html = page_file(site_out, PAGE_TYPES["case-studies"]).read_text(encoding="utf-8")
    filters = html.split("data-filters", 1)[1].split("</nav>", 1)[0]
    assert 'href="/niches/pool-construction/" data-filter="niche" data-value="pool-construction"' \
        in filters
    assert 'href="/services/conversion-retainer/#used-in" data-filter="service"' in filters
    assert html.count('<article class="card study-card') == 9  # some with a client logo
    assert 'data-niche="ecommerce" data-services="conversion-retainer"' in html
    assert re.search(r'<script src="/assets/filter\.[0-9a-f]{10}\.js" defer>', html)


def test_only_the_index_loads_javascript_and_no_web_fonts(site_out: Path) -> None:
    with_js = [p.relative_to(site_out).as_posix() for p in html_pages(site_out)
               if "<script src" in p.read_text(encoding="utf-8")]
    assert with_js == ["case-studies/index.html"]
    css = next((site_out / "assets").glob("style.*.css")).read_text(encoding="utf-8")
    assert len(css.encode()) < 32_000
    assert "@font-face" not in css and "@import" not in css and "url(" not in css
    assert "prefers-color-scheme: dark" in css and "@media print" in css


def test_call_to_action_as_a_form(tmp_path: Path) -> None:
    yaml = (REPO / "site.yaml").read_text(encoding="utf-8").replace(
        "  url: https://cal.com/example/audit\n",
        "  form: {action: https://formspree.io/f/xyz, fields: [name, email, company, message]}\n")
    out = build_example(tmp_path, site_yaml=yaml)
    for rel in ("", PAGE_TYPES["case-study"], PAGE_TYPES["service"]):
        path = page_file(out, rel)
        assert list(structure_problems(path)) == []
        html = path.read_text(encoding="utf-8")
        assert html.count("<form") == 1
        form = html.split("<form", 1)[1].split("</form>", 1)[0]
        assert 'action="https://formspree.io/f/xyz" method="post"' in form
        for name in ("name", "email", "company", "message"):
            assert f'<label for="cta-{name}">' in form and f'name="{name}"' in form
        assert 'type="email" autocomplete="email" required' in form
        assert 'href="#cta-form"' in html                                 # buttons lead to it
    assert broken_links(out, "https://example.com/") == []


def test_a_site_can_override_one_partial(tmp_path: Path) -> None:
    site = copy_example(tmp_path / "site")
    (site / "templates" / "partials").mkdir(parents=True)
    (site / "templates/partials/footer.html").write_text(
        '<footer class="site-footer"><p>Custom footer</p></footer>\n')
    build_to(site, tmp_path / "out")
    html = (tmp_path / "out/index.html").read_text(encoding="utf-8")
    assert "Custom footer" in html and "Want results like these?" in html


def test_compiled_templates_are_kept_and_never_trusted_blindly(make_site) -> None:
    """Templates compiled by one build are reused by the next (.casefolio/jinja-*); a changed
    template is compiled again, and a damaged compiled file is ignored."""
    site = make_site()
    build_to(site, site / "output")
    compiled = list((site / ".casefolio").glob("jinja-*/*"))
    assert compiled, "the first build kept its compiled templates"
    before = (site / "output/about/index.html").read_text(encoding="utf-8")
    for path in compiled:
        path.write_bytes(b"garbage")
    (site / "templates").mkdir(exist_ok=True)
    (site / "templates/page.html").write_text(
        "{% extends 'base.html' %}{% block main %}<p>my own page</p>{% endblock %}",
        encoding="utf-8")
    build_to(site, site / "output")
    after = (site / "output/about/index.html").read_text(encoding="utf-8")
    assert "my own page" in after and "my own page" not in before
    assert (site / "output/case-studies/acme/index.html").is_file()


def _compiled_parts(data: bytes) -> tuple[bytes, bytes]:
    """A compiled template file split before its code: (everything up to the code, the code)."""
    import marshal
    import pickle
    from io import BytesIO

    from jinja2.bccache import bc_magic

    at = data.index(bc_magic) + len(bc_magic)
    stream = BytesIO(data[at:])
    pickle.load(stream)  # the checksum of the template's source
    head = data[: at + stream.tell()]
    marshal.loads(data[len(head):])
    return head, data[len(head):]


def test_a_tampered_compiled_template_is_compiled_again_not_run(make_site) -> None:
    """Unmarshalling runs code: a compiled file whose code was swapped for another template's
    (valid bytecode, right header) must not render, let alone run."""
    site = make_site()
    build_to(site, site / "output")
    pristine = {p.relative_to(site / "output"): p.read_bytes()
                for p in sorted((site / "output").rglob("*.html"))}
    compiled = sorted((site / ".casefolio").glob("jinja-*/*.cache"))
    codes = [_compiled_parts(p.read_bytes())[1] for p in compiled]
    for path, code in zip(compiled, codes[1:] + codes[:1], strict=True):
        head, _ = _compiled_parts(path.read_bytes())
        path.write_bytes(head + code)
    shutil.rmtree(site / ".casefolio" / "cache")  # so every page is rendered again
    build_to(site, site / "output")
    assert {p.relative_to(site / "output"): p.read_bytes()
            for p in sorted((site / "output").rglob("*.html"))} == pristine


@pytest.mark.parametrize("make", [
    lambda p: p.mkdir(),
    lambda p: p.symlink_to("/proc/self/mem"),
    lambda p: p.write_bytes(b"\xff\xfe{{ x }}"),
], ids=["a-folder", "unreadable", "not-utf8"])
def test_a_template_override_that_cannot_be_read_is_an_error_naming_it(make_site, make) -> None:
    from click.testing import CliRunner

    from generator.cli import main

    site = make_site()
    (site / "templates").mkdir(exist_ok=True)
    make(site / "templates" / "page.html")
    result = CliRunner().invoke(main, ["build", str(site)])
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit), result.output
    assert "templates/page.html" in result.output
