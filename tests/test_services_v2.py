"""Offers as they are priced: every price form, tiers in columns, testimonials, FAQ answers in
Markdown; the copy says "flat fee" only of flat fees, and JSON-LD states the same facts."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from generator.cli import main


def service(front: str, body: str = "Body.") -> str:
    return f"---\ntitle: Audit\nsummary: A look at your funnel.\n{front}---\n{body}\n"


def built(make_site: Callable[..., Path], tmp_path: Path, files: dict[str, str]) -> Path:
    site = make_site({"content/services/retainer.md": None, "content/case-studies/acme.md":
                      None, **files})
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["build", str(site), "-o", str(out)])
    assert result.exit_code == 0, result.output
    return out


def page(out: Path, rel: str = "services/audit/") -> str:
    return (out / rel / "index.html").read_text(encoding="utf-8")


def text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


def price_box(html: str) -> str:
    return text(html.split('class="price-box"', 1)[1].split("</div>", 1)[0].split(">", 1)[1])


def offers(html: str) -> object:
    for block in re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S):
        data = json.loads(block)
        if data.get("@type") == "Service":
            return data.get("offers")
    raise AssertionError("no Service JSON-LD")


@pytest.mark.parametrize(("price", "card", "box", "offer"), [
    ("{amount: 300, currency: GBP, per: project, from: true, note: + VAT}",
     "from £300 per project + VAT", "from £300 per project + VAT Book a call",
     {"priceCurrency": "GBP", "priceSpecification": {
         "@type": "UnitPriceSpecification", "priceCurrency": "GBP", "minPrice": 300,
         "unitText": "project", "description": "+ VAT"}}),
    ("{amount: [100, 500], currency: EUR, per: session}", "€100–500 per session",
     "€100–500 per session Book a call",
     {"priceCurrency": "EUR", "priceSpecification": {
         "@type": "UnitPriceSpecification", "priceCurrency": "EUR", "minPrice": 100,
         "maxPrice": 500, "unitText": "session"}}),
    ("on request", "Price on request", "Price on request Book a call",
     {"description": "Price on request"}),
    ("{amount: 150, currency: USD, per: hour}", "$150/hour", "$150 an hour Book a call",
     {"price": 150, "priceCurrency": "USD", "priceSpecification": {
         "@type": "UnitPriceSpecification", "priceCurrency": "USD", "price": 150,
         "unitCode": "HUR", "unitText": "hour"}}),
    ("{amount: 900, currency: USD, per: day}", "$900/day", "$900 a day Book a call", None),
    ("{amount: 12000, currency: USD, per: quarter}", "$12,000/quarter",
     "$12,000 a quarter Flat fee. No hourly billing. Book a call", None),
    ("{amount: 40000, currency: USD, per: year}", "$40,000/year",
     "$40,000 a year Flat fee. No hourly billing. Book a call", None),
    ("{amount: 1200, currency: USD, per: week}", "$1,200/week",
     "$1,200 a week Flat fee. No hourly billing. Book a call", None),
    ("{amount: 2500, currency: USD}", "$2,500",
     "$2,500 Flat fee. No hourly billing. Book a call",
     {"price": 2500, "priceCurrency": "USD", "priceSpecification": {
         "@type": "UnitPriceSpecification", "priceCurrency": "USD", "price": 2500}}),
    ("{amount: [1000, 2500], currency: CHF, per: month}", "1,000–2,500 CHF/month",
     "1,000–2,500 CHF a month Book a call", None),
])
def test_every_price_form(make_site: Callable[..., Path], tmp_path: Path, price: str, card: str,
                          box: str, offer: dict[str, object] | None) -> None:
    out = built(make_site, tmp_path, {"content/services/audit.md": service(f"price: {price}\n")})
    html = page(out)
    assert price_box(html) == box
    index = page(out, "services/")
    assert f'<p class="price">{card}</p>' in index
    if offer is not None:
        assert offers(html) == {"@type": "Offer", "name": "Audit",
                                "url": "https://example.com/services/audit/",
                                "availability": "https://schema.org/InStock", **offer}
    flat = "Flat fee" in box
    home = page(out, "")
    assert ('<h2 id="services-title">A service at a flat fee</h2>' in home) is flat
    assert ('<h2 id="services-title">A service</h2>' in home) is not flat
    assert ("each at a flat fee" in index) is flat and ("Flat fees" in index) is flat


def test_no_flat_fee_wording_without_prices_and_plurals_follow_the_count(
        make_site: Callable[..., Path], tmp_path: Path) -> None:
    out = built(make_site, tmp_path, {
        "content/services/audit.md": service(""),
        "content/services/mentoring.md": service("title: Mentoring\n").replace(
            "title: Audit\n", "", 1)})
    home, index = page(out, ""), page(out, "services/")
    assert '<h2 id="services-title">Services</h2>' in home
    assert "flat fee" not in home.lower() and "flat fee" not in index.lower()
    assert "Fixed deliverables, a promised outcome. Pick the one that fits." in index
    assert "flat fee" not in page(out).lower() and offers(page(out)) is None


TIERED = service("""\
tiers:
  - {name: Startup, price: {amount: 300, currency: GBP}, includes: [Audit, Report]}
  - {name: Corporate, price: {amount: 1800, currency: GBP, note: + VAT}, includes: [Audit, Report, Workshop]}
  - {name: Enterprise, description: For teams over 50 engineers., price: on request}
testimonials:
  - {quote: It paid for itself in a month., name: Dana Ortiz, role: "CTO, Lumen"}
  - {quote: Clear and fast., name: Sam Lee}
""")


def test_tiers_render_as_columns_with_their_prices(make_site: Callable[..., Path],
                                                   tmp_path: Path) -> None:
    out = built(make_site, tmp_path, {"content/services/audit.md": TIERED})
    html = page(out)
    tiers = html.split('<section class="section tiers" id="tiers"', 1)[1].split("</section>")[0]
    columns = [text(c.split(">", 1)[1]) for c in tiers.split('<article class="tier"')[1:]]
    assert columns == ["Startup £300 Audit Report",
                       "Corporate £1,800 + VAT Audit Report Workshop",
                       "Enterprise Price on request For teams over 50 engineers."]
    assert '<h2 id="tiers-title">Options and prices</h2>' in tiers
    assert '<h3 class="tier-name" id="tier-1-title">Startup</h3>' in tiers
    assert price_box(html) == "from £300 Compare the 3 options Book a call"
    assert '<p class="price">from £300</p>' in page(out, "services/")
    assert "flat fee" not in html.lower()  # a tier on request: not every price is flat
    assert [o["name"] for o in offers(html)] == ["Startup", "Corporate", "Enterprise"]  # type: ignore[index, union-attr]
    assert offers(html)[1]["priceSpecification"] == {  # type: ignore[index]
        "@type": "UnitPriceSpecification", "priceCurrency": "GBP", "price": 1800,
        "description": "+ VAT"}
    quotes = html.split('class="wrap service-testimonials"', 1)[1].split("</section>")[0]
    assert '<h2 id="service-testimonials-title">What clients say</h2>' in quotes
    assert text(quotes).endswith("It paid for itself in a month. Dana Ortiz , CTO, Lumen "
                                 "Clear and fast. Sam Lee")


def test_faq_answers_are_inline_markdown_with_resolved_links(
        make_site: Callable[..., Path], tmp_path: Path) -> None:
    out = built(make_site, tmp_path, {"content/services/audit.md": service("""\
faq:
  - q: How long is the commitment?
    a: Month to month, [cancel any time](../pages/about.md#us). *No* lock-in.
  - {q: Who?, a: "See [Acme](https://example.org/a?b=1&c=2)."}
"""), "content/pages/about.md": "---\ntitle: About\n---\n## Us\nText.\n"})
    html = page(out)
    assert ('<dd>Month to month, <a href="/about/#us">cancel any time</a>. <em>No</em> '
            "lock-in.</dd>") in html
    assert '<dd>See <a href="https://example.org/a?b=1&amp;c=2">Acme</a>.</dd>' in html
    faq = [json.loads(b) for b in re.findall(
        r'<script type="application/ld\+json">(.*?)</script>', html, re.S)]
    answers = [q["acceptedAnswer"]["text"] for d in faq if d["@type"] == "FAQPage"
               for q in d["mainEntity"]]
    assert answers == ["Month to month, cancel any time. No lock-in.", "See Acme."]


def test_a_broken_faq_link_names_the_line(make_site: Callable[..., Path], tmp_path: Path) -> None:
    site = make_site({"content/services/audit.md": service(
        "faq:\n  - q: Terms?\n    a: See [terms](../pages/terms.md).\n")})
    result = CliRunner().invoke(main, ["build", str(site), "-o", str(tmp_path / "out")])
    assert result.exit_code == 1
    assert ("content/services/audit.md:6: faq[0].a: link to `../pages/terms.md`: no such "
            "content file (content/pages/terms.md)") in result.output


@pytest.mark.parametrize(("front", "message"), [
    ("price: free\n", 'price: a price is a mapping or `on request`, got "free"'),
    ("price: {amount: 5, currency: USD, per: fortnight}\n", "price.per: expected one of hour, "
     "day, session, week, month, quarter, year, project, got \"fortnight\""),
    ("price: {amount: [500, 100], currency: USD}\n", "price.amount: an amount is a number of "
     "at least 0; a range is `[low, high]`"),
    ("price: {currency: USD}\n", "price: a price needs `amount:` and `currency:`"),
    ("price: on request\ntiers: [{name: A}]\n", "give either `price:` or `tiers:`, not both"),
])
def test_bad_prices_are_located_errors(make_site: Callable[..., Path], tmp_path: Path,
                                       front: str, message: str) -> None:
    site = make_site({"content/services/audit.md": service(front)})
    result = CliRunner().invoke(main, ["build", str(site), "-o", str(tmp_path / "out")])
    assert result.exit_code == 1
    assert "content/services/audit.md:" in result.output and message in result.output, \
        result.output
