"""v2 page fields on real builds: short_title, weight, unlisted, call_to_action, aliases;
case studies' niches, client mapping, testimonials, team (CONTENT-MODEL.md, v2)."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from PIL import Image

from generator.build import build, build_to
from generator.config import BuildOptions
from generator.errors import CasefolioError

LOGO = ('<svg xmlns="http://www.w3.org/2000/svg" width="120" height="40" viewBox="0 0 120 40">'
        '<rect width="120" height="40" fill="#123"/></svg>\n')


def page(out: Path, rel: str) -> str:
    return (out / rel).read_text(encoding="utf-8")


def png(width: int = 200, height: int = 200) -> bytes:
    data = io.BytesIO()
    Image.new("RGB", (width, height), (30, 120, 160)).save(data, "PNG")
    return data.getvalue()


def study(title: str = "Acme", *, slug: str = "", date: str = "2025-03-14",
          client: str = "client: Acme\n", extra: str = "", tags: str = "[checkout]") -> str:
    return (f"---\ntitle: {title}\ndate: {date}\nsummary: S.\n{client}niche: ecommerce\n"
            + (f"slug: {slug}\n" if slug else "")
            + "services: [retainer]\npractices: [landing#one-goal]\n"
            f"metrics:\n  - {{label: CR, before: 2.1, after: 2.9, unit: \"%\"}}\n{extra}"
            f"tags: {tags}\n---\nBody.\n")


def built(make_site, files: dict[str, str | bytes | None], **options: str) -> Path:
    site = make_site(files)
    out = site / "output"
    build_to(site, out, BuildOptions(**options))  # type: ignore[arg-type]
    return out


def failure(make_site, files: dict[str, str | bytes | None]) -> str:
    with pytest.raises(CasefolioError) as info:
        build(make_site(files))
    return str(info.value)


# --- short_title ------------------------------------------------------------------------

def test_short_title_names_the_page_in_lists_menus_facts_and_breadcrumbs(make_site) -> None:
    out = built(make_site, {
        "content/case-studies/acme.md": study("Checkout redesign lifts conversion 38%",
                                              extra="short_title: Acme checkout\n"),
        "content/services/retainer.md": "---\ntitle: Two experiments a month, every month\n"
        "short_title: Retainer\nsummary: S.\n---\nBody.\n",
        "content/pages/about.md": "---\ntitle: About Test Consultancy and its people\n"
        "short_title: About\nmenu: true\n---\nUs.\n",
    })
    case = page(out, "case-studies/acme/index.html")
    assert "<h1>Checkout redesign lifts conversion 38%</h1>" in case
    assert "<title>Checkout redesign lifts conversion 38% · Test Consultancy</title>" in case
    assert 'aria-current="page">Acme checkout</' in case or ">Acme checkout</" in case
    assert '<dd><a href="/services/retainer/">Retainer</a></dd>' in case  # the facts box
    index = page(out, "case-studies/index.html")
    assert '<a href="/case-studies/acme/">Acme checkout</a>' in index
    assert "lifts conversion 38%" not in index
    assert '<a href="/services/retainer/">Retainer</a>' in page(out, "services/index.html")
    home = page(out, "index.html")
    assert re.search(r'<a href="/about/"[^>]*>About</a>', home)  # the menu
    assert "<h1>Two experiments a month, every month</h1>" in page(
        out, "services/retainer/index.html")
    # the feed speaks of the page by its title
    assert "<title>Checkout redesign lifts conversion 38%</title>" in page(out, "feed.xml")


# --- weight -----------------------------------------------------------------------------

def test_weight_orders_every_list_lower_first_then_newest(make_site) -> None:
    out = built(make_site, {
        "content/case-studies/acme.md": None,
        "content/case-studies/old.md": study("Old", date="2021-01-01", extra="weight: 1\n"),
        "content/case-studies/mid.md": study("Mid", date="2023-01-01", extra="weight: 5\n"),
        "content/case-studies/new.md": study("New", date="2025-01-01"),
        "content/case-studies/newer.md": study("Newer", date="2025-06-01"),
        "content/services/zeta.md": "---\ntitle: Zeta\nsummary: S.\nweight: -1\n---\n",
        "content/services/alpha.md": "---\ntitle: Alpha\nsummary: S.\n---\n",
    })
    index = page(out, "case-studies/index.html")
    found = re.findall(r'<a href="/case-studies/(\w+)/">', index)
    assert found == ["old", "mid", "newer", "new"]
    niche = page(out, "niches/ecommerce/index.html")
    assert re.findall(r'card-title"><a href="/case-studies/(\w+)/">', niche) == [
        "old", "mid", "newer", "new"]
    services = page(out, "services/index.html")
    assert services.index("/services/zeta/") < services.index("/services/alpha/") < \
        services.index("/services/retainer/")


# --- unlisted ---------------------------------------------------------------------------

def test_an_unlisted_page_is_built_but_in_no_list_feed_or_sitemap(make_site) -> None:
    out = built(make_site, {
        "content/case-studies/hidden.md": study("Hidden win", extra="unlisted: true\n"
                                                "featured: true\n"),
        "content/case-studies/beta.md": study("Beta"),
        "content/services/secret.md": "---\ntitle: Secret offer\nsummary: S.\nunlisted: true\n"
        "niches: [ecommerce]\n---\n",
        "content/pages/campaign.md": "---\ntitle: Campaign\nmenu: true\nunlisted: true\n---\n",
    })
    hidden = page(out, "case-studies/hidden/index.html")
    assert '<meta name="robots" content="noindex">' in hidden
    assert "<h1>Hidden win</h1>" in hidden
    assert '<meta name="robots"' not in page(out, "case-studies/beta/index.html")
    for rel in ("index.html", "case-studies/index.html", "niches/ecommerce/index.html",
                "tags/checkout/index.html", "services/retainer/index.html",
                "practices/landing/index.html", "case-studies/beta/index.html",
                "case-studies/acme/index.html", "feed.xml", "sitemap.xml"):
        assert "/case-studies/hidden/" not in page(out, rel), rel
    for rel in ("index.html", "services/index.html", "niches/ecommerce/index.html",
                "sitemap.xml"):
        assert "/services/secret/" not in page(out, rel), rel
    assert '<meta name="robots" content="noindex">' in page(out, "services/secret/index.html")
    for rel in ("index.html", "about/index.html", "sitemap.xml"):
        assert '"/campaign/"' not in page(out, rel) and "com/campaign/" not in page(out, rel)
    assert (out / "campaign/index.html").is_file()
    assert "2 engagements" not in page(out, "index.html")  # acme and beta only...
    assert re.search(r'stat-value">2</span>', page(out, "index.html"))


# --- call_to_action ---------------------------------------------------------------------

def test_a_page_has_its_own_call_to_action(make_site) -> None:
    out = built(make_site, {
        "content/case-studies/acme.md": study(extra="call_to_action: {label: Apply for the "
                                              "clinic, url: \"https://forms.example/x\"}\n"),
        "content/services/retainer.md": "---\ntitle: Retainer\nsummary: S.\n"
        "call_to_action:\n  label: Send your application\n  form: {action: "
        "\"https://formspree.io/f/abc\", fields: [name, email]}\n---\n",
    })
    case = page(out, "case-studies/acme/index.html")
    assert '<a class="button button-primary" href="https://forms.example/x">Apply for the clinic'\
        '</a>' in case
    assert "Book a call" not in case
    service = page(out, "services/retainer/index.html")
    assert '<form class="cta-form" id="cta-form" action="https://formspree.io/f/abc" ' \
        'method="post">' in service
    assert '<a class="button button-primary" href="#cta-form">Send your application</a>' \
        in service
    assert "Book a call" in page(out, "index.html")  # the site's, elsewhere


def test_a_bad_page_call_to_action_names_its_line(make_site) -> None:
    text = failure(make_site, {"content/case-studies/acme.md": study(
        extra="call_to_action: {label: Apply}\n")})
    assert "content/case-studies/acme.md:11:" in text
    assert "either a `url` or a `form`" in text


# --- aliases ----------------------------------------------------------------------------

def test_each_alias_is_a_redirect_page_and_a_redirects_line(make_site) -> None:
    out = built(make_site, {"content/case-studies/acme.md": study(
        extra="aliases: [/case-study/acme/, /work/acme.html]\n")})
    redirect = page(out, "case-study/acme/index.html")
    assert '<meta http-equiv="refresh" content="0; url=/case-studies/acme/">' in redirect
    assert '<link rel="canonical" href="https://example.com/case-studies/acme/">' in redirect
    assert '<meta name="robots" content="noindex">' in redirect
    assert '<a href="/case-studies/acme/">https://example.com/case-studies/acme/</a>' \
        in redirect
    assert (out / "work/acme.html").is_file()
    lines = page(out, "_redirects").splitlines()
    assert "/case-study/acme/ /case-studies/acme/ 301" in lines
    assert "/work/acme.html /case-studies/acme/ 301" in lines
    assert "case-study/acme" not in page(out, "sitemap.xml")


def test_aliases_under_a_subpath_base_url(make_site) -> None:
    out = built(make_site, {"content/case-studies/acme.md": study(
        extra="aliases: [/case-study/acme/]\n")},
        base_url="https://example.github.io/agency/")
    assert "/agency/case-study/acme/ /agency/case-studies/acme/ 301" in page(
        out, "_redirects").splitlines()
    redirect = page(out, "case-study/acme/index.html")
    assert 'content="0; url=/agency/case-studies/acme/"' in redirect
    assert 'href="https://example.github.io/agency/case-studies/acme/"' in redirect


def test_no_aliases_no_redirects_file(make_site) -> None:
    assert not (built(make_site, {}) / "_redirects").exists()


def test_the_sites_own_redirects_come_first(make_site) -> None:
    out = built(make_site, {
        "content/case-studies/acme.md": study(extra="aliases: [/old/]\n"),
        "static/_redirects": "/blog/* https://blog.example/:splat 302\n"})
    lines = page(out, "_redirects").splitlines()
    assert lines.index("/blog/* https://blog.example/:splat 302") < lines.index(
        "/old/ /case-studies/acme/ 301")
    own = built(make_site, {"static/_redirects": "/x /y 302\n"}, base_url="https://e.com/")
    assert page(own, "_redirects") == "/x /y 302\n"  # no aliases: copied as it is


def test_an_alias_taken_by_a_page_names_both_files(make_site) -> None:
    text = failure(make_site, {"content/case-studies/beta.md": study(
        "Beta", extra="aliases: [/case-studies/acme/]\n")})
    assert "content/case-studies/beta.md:11: the alias `/case-studies/acme/` is already the " \
        "URL of content/case-studies/acme.md:2" in text


def test_two_pages_claiming_one_alias_name_both_files(make_site) -> None:
    text = failure(make_site, {
        "content/case-studies/acme.md": study(extra="aliases: [/old/]\n"),
        "content/case-studies/beta.md": study("Beta", extra="aliases:\n  - /new/\n  - /old\n")})
    assert "content/case-studies/beta.md:13: the alias `/old` is already the URL of an alias " \
        "in content/case-studies/acme.md:11" in text


@pytest.mark.parametrize("alias", ["/../../etc/passwd", "https://old.example/x/", "old/x/",
                                   "//old.example/x", "/a\\b/", "/"])
def test_an_alias_must_stay_inside_the_site(make_site, alias: str) -> None:
    text = failure(make_site, {"content/case-studies/acme.md": study(
        extra=f"aliases: ['{alias}']\n")})
    assert "content/case-studies/acme.md:11: aliases[0]:" in text
    assert not (make_site({}).parent / "etc").exists()


# --- niches, client, testimonials, team -------------------------------------------------

def test_a_case_study_in_several_niches_is_on_each_niche_page(make_site) -> None:
    out = built(make_site, {"content/case-studies/acme.md": study(
        extra="niches: [pools]\n")})
    for niche in ("ecommerce", "pools"):
        assert "/case-studies/acme/" in page(out, f"niches/{niche}/index.html"), niche
    case = page(out, "case-studies/acme/index.html")
    assert '<div><dt>Niches</dt><dd><a href="/niches/ecommerce/">E-commerce</a>, ' \
        '<a href="/niches/pools/">Pool construction</a></dd></div>' in case
    assert 'data-niche="ecommerce pools"' in page(out, "case-studies/index.html")


def test_niches_alone_and_unknown_niches(make_site) -> None:
    only = study().replace("niche: ecommerce\n", "niches: [pools]\n")
    assert "/case-studies/acme/" in page(built(make_site, {
        "content/case-studies/acme.md": only}), "niches/pools/index.html")
    text = failure(make_site, {"content/case-studies/acme.md": study(
        extra="niches: [pool]\n")})
    assert "content/case-studies/acme.md:11: unknown niche `pool`" in text
    assert "did you mean `pools`" in text
    none = study().replace("niche: ecommerce\n", "")
    assert "`niche` is required" in failure(make_site, {"content/case-studies/acme.md": none})


def client(name: str, logo: bool = True) -> str:
    return (f"client:\n  name: {name}\n" + (f"  logo: {name.lower()}.svg\n" if logo else "")
            + "  url: https://client.example\n  industry: Developer tools\n"
            "  about: Records what runs in *production*, see [our work](landing.md).\n")


def test_a_client_mapping_shows_its_logo_about_and_industry(make_site) -> None:
    out = built(make_site, {
        "content/case-studies/acme.md": study(client=client("Acme")).replace(
            "landing.md", "../practices/landing.md"),
        "content/case-studies/acme.svg": LOGO,
    })
    case = page(out, "case-studies/acme/index.html")
    assert '<section class="about-client" aria-labelledby="about-client-title">' in case
    assert '<div class="client-logo"><img src="/case-studies/acme.svg" alt="Acme" ' \
        'loading="lazy" decoding="async"></div>' in case
    assert '<h2 id="about-client-title">About Acme</h2>' in case
    assert "<p>Records what runs in <em>production</em>, see " \
        '<a href="/practices/landing/">our work</a>.</p>' in case
    assert '<a href="https://client.example">Visit the Acme website</a>' in case
    assert "<div><dt>Industry</dt><dd>Developer tools</dd></div>" in case
    assert "<div><dt>Client</dt><dd>Acme</dd></div>" in case
    index = page(out, "case-studies/index.html")
    assert '<article class="card study-card study-card-logo"' in index
    assert '<div class="card-logo"><img src="/case-studies/acme.svg" alt="Acme"' in index
    assert "Trusted by" not in page(out, "index.html")  # one logo is not a wall


def test_a_missing_logo_names_its_line(make_site) -> None:
    text = failure(make_site, {"content/case-studies/acme.md": study(client=client("Acme"))})
    assert "content/case-studies/acme.md:7: image `acme.svg` not found" in text


def test_three_clients_with_logos_make_a_logo_wall(make_site) -> None:
    files: dict[str, str | bytes | None] = {"content/case-studies/acme.md": None}
    for name in ("Acme", "Kosli", "Iwoca"):
        files[f"content/case-studies/{name.lower()}.md"] = study(
            name, client=client(name)).replace("(landing.md)", "(../practices/landing.md)")
        files[f"content/case-studies/{name.lower()}.svg"] = LOGO
    files["content/case-studies/plain.md"] = study("Plain", client="client: Plain Co\n")
    home = page(built(make_site, files), "index.html")
    assert '<h2 id="logos-title">Trusted by</h2>' in home
    wall = home[home.index('<ul class="logos">'):]
    wall = wall[: wall.index("</ul>")]
    assert wall.count("<li>") == 3
    assert '<li><a href="/case-studies/kosli/"><img src="/case-studies/kosli.svg" alt="Kosli"' \
        in wall


def test_several_testimonials_with_photos(make_site) -> None:
    out = built(make_site, {
        "content/case-studies/acme.md": study(extra=(
            "testimonial: {quote: One., name: Ann, role: CEO}\n"
            "testimonials:\n  - {quote: Two., name: Mike L., role: \"CTO, Kosli\", "
            "photo: mike.png}\n  - {quote: Three., name: Sue}\n")),
        "content/case-studies/mike.png": png(),
        "content/services/retainer.md": "---\ntitle: Retainer\nsummary: S.\ntestimonials:\n"
        "  - {quote: Worth it., name: Bo, role: Founder}\n  - {quote: Again., name: Cy}\n---\n",
    })
    case = page(out, "case-studies/acme/index.html")
    quotes = re.findall(r"<blockquote><p>(.*?)</p></blockquote>", case)
    assert quotes == ["One.", "Two.", "Three."]
    assert "<figcaption><span><strong>Ann</strong>, CEO</span></figcaption>" in case
    photo = re.search(r'<span class="testimonial-photo">(<picture>.*?</picture>|<img .*?>)'
                      r'</span><span><strong>Mike L\.</strong>, CTO, Kosli</span>', case)
    assert photo is not None
    assert 'sizes="4rem"' in photo[1] and 'alt="Mike L."' in photo[1]
    assert 'width="200" height="200"' in photo[1]
    service = page(out, "services/retainer/index.html")
    assert '<h2 id="service-testimonials-title">What clients say</h2>' in service
    assert "<figcaption><span><strong>Bo</strong>, Founder</span></figcaption>" in service


def test_team_members_come_from_site_people(make_site) -> None:
    people = ("people:\n  anna: {name: Anna Berg, role: Founder, url: "
              "\"https://people.example/anna\"}\n  ben: {name: Ben Li}\n")
    from tests.conftest import SITE_YAML
    out = built(make_site, {"site.yaml": SITE_YAML + people,
                            "content/case-studies/acme.md": study(extra="team: [anna, ben]\n")})
    case = page(out, "case-studies/acme/index.html")
    assert '<h2 id="team-title">Who did the work</h2>' in case
    assert '<li><span><a href="/people/anna/">Anna Berg</a> <span class="team-role">' \
        'Founder</span></span></li>' in case
    assert '<li><span><a href="/people/ben/">Ben Li</a></span></li>' in case
    text = failure(make_site, {"site.yaml": SITE_YAML + people,
                               "content/case-studies/acme.md": study(extra="team: [ana]\n")})
    assert "content/case-studies/acme.md:11: unknown person `ana`" in text
    assert "did you mean `anna`" in text
