"""The default theme in a real Chromium: every page type at phone and desktop widths renders
without console errors, charts render with accessible names, proof comes first on a phone,
navigation, the call to action and the filters work, axe-core finds nothing, and a case
study prints on one page. Debian's /usr/bin/chromium through Python playwright."""

from __future__ import annotations

import functools
import http.server
import re
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.test_theme import PAGE_TYPES, REPO, build_example

pytestmark = pytest.mark.browser

sync_api = pytest.importorskip("playwright.sync_api")
axe_base = pytest.importorskip("axe_playwright_python.base")

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}
CTA_URL = "https://cal.com/example/audit"


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The example site, built and served on 127.0.0.1 (pretty URLs, like a static host)."""
    out = build_example(tmp_path_factory.mktemp("browser"))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0),
                                             functools.partial(_Quiet, directory=str(out)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.skip("needs Debian's chromium at /usr/bin/chromium")
    with sync_api.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def phone(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport=PHONE, device_scale_factor=1, is_mobile=True,
                                  has_touch=True)
    yield context
    context.close()


@pytest.fixture(scope="module")
def desktop(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport=DESKTOP)
    yield context
    context.close()


def open_page(context: Any, url: str, offline: bool = False) -> tuple[Any, list[str]]:
    """Open url in a fresh tab; collect console errors, page errors and failed requests.
    With `offline`, requests to other hosts (the booking link) are answered locally: tests
    never go online."""
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda m: problems.append(f"console: {m.text}") if m.type == "error"
            else None)
    page.on("pageerror", lambda e: problems.append(f"pageerror: {e}"))
    page.on("response", lambda r: problems.append(f"HTTP {r.status}: {r.url}")
            if r.status >= 400 else None)
    if offline:
        page.route(re.compile(r"^https?://(?!127\.0\.0\.1)"), lambda route: route.fulfill(
            status=200, content_type="text/html", body="<!doctype html><title>outside</title>"))
    visit(page, url)
    return page, problems


def visit(page: Any, url: str) -> None:
    response = page.goto(url)
    assert response is not None and response.ok, url


def run_axe(page: Any, **options: Any) -> list[str]:
    page.evaluate(axe_base.AXE_SCRIPT)
    result = page.evaluate("options => axe.run(document, options)",
                           {"resultTypes": ["violations"], **options})
    return [f"{v['id']}: {v['help']} ({', '.join(n['target'][0] for n in v['nodes'][:3])})"
            for v in result["violations"]]


def bottom(page: Any, selector: str) -> float:
    box = page.locator(selector).first.bounding_box()
    assert box is not None, f"{selector} is not rendered"
    return box["y"] + box["height"]


# --- every page type, both widths ------------------------------------------------------------

@pytest.mark.parametrize("width", ["phone", "desktop"])
def test_every_page_type_renders_cleanly_and_passes_axe(served: str, width: str,
                                                        request: pytest.FixtureRequest) -> None:
    context = request.getfixturevalue(width)
    report = {}
    page, problems = open_page(context, served)
    for kind, rel in PAGE_TYPES.items():
        visit(page, served + rel)
        assert page.locator("h1").count() == 1
        overflow = page.evaluate("document.documentElement.scrollWidth - innerWidth")
        if overflow > 0:
            problems.append(f"scrolls sideways by {overflow}px")
        problems += run_axe(page)
        if problems:
            report[kind] = problems[:]
            problems.clear()
    page.close()
    assert report == {}


def test_nothing_scrolls_sideways_at_320px(served: str, browser: Any) -> None:
    context = browser.new_context(viewport={"width": 320, "height": 640})
    page, _ = open_page(context, served)
    wide = {}
    for kind, rel in PAGE_TYPES.items():
        visit(page, served + rel)
        overflow = page.evaluate("document.documentElement.scrollWidth - innerWidth")
        if overflow > 0:
            wide[kind] = overflow
    context.close()
    assert wide == {}


def test_dark_mode_changes_colours_and_keeps_contrast(served: str, browser: Any) -> None:
    context = browser.new_context(viewport=PHONE, color_scheme="dark")
    for rel in ("", PAGE_TYPES["case-study"], PAGE_TYPES["collection"]):
        page, problems = open_page(context, served + rel)
        background = page.evaluate("getComputedStyle(document.body).backgroundColor")
        assert background != "rgb(255, 255, 255)"
        assert problems + run_axe(page, runOnly=["color-contrast"]) == []
        page.close()
    context.close()


def test_a_dark_saturated_brand_keeps_axe_at_zero(tmp_path_factory: pytest.TempPathFactory,
                                                   browser: Any) -> None:
    """site.yaml `brand:` with a deep purple and a magenta: every page type, light and dark."""
    site_yaml = (REPO / "site.yaml").read_text(encoding="utf-8") + (
        'brand:\n  primary: "#4c0f7a"\n  accent: "#c2185b"\n  font: serif\n')
    out = build_example(tmp_path_factory.mktemp("brand"), site_yaml=site_yaml)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0),
                                             functools.partial(_Quiet, directory=str(out)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    root = f"http://127.0.0.1:{server.server_address[1]}/"
    report = {}
    try:
        for scheme in ("light", "dark"):
            context = browser.new_context(viewport=PHONE, color_scheme=scheme)
            page, problems = open_page(context, root)
            assert page.evaluate("getComputedStyle(document.querySelector('.hero'))"
                                 ".backgroundImage").count("rgb(76, 15, 122)") == 1
            for kind, rel in PAGE_TYPES.items():
                visit(page, root + rel)
                problems += run_axe(page)
                if problems:
                    report[f"{scheme} {kind}"] = problems[:]
                    problems.clear()
            context.close()
    finally:
        server.shutdown()
        server.server_close()
    assert report == {}


# --- proof first -------------------------------------------------------------------------------

def test_home_first_phone_screen_has_headline_result_and_cta(served: str, phone: Any) -> None:
    page, _ = open_page(phone, served)
    height = PHONE["height"]
    assert bottom(page, "h1") <= height
    result = page.locator(".hero .stat").nth(1)           # the first highlight, e.g. "−43%"
    assert re.search(r"[+−]\d+%", result.inner_text())
    assert result.bounding_box()["y"] + result.bounding_box()["height"] <= height
    assert bottom(page, f'.hero a[href="{CTA_URL}"]') <= height
    page.close()


def test_case_study_first_phone_screen_has_headline_result(served: str, phone: Any) -> None:
    page, _ = open_page(phone, served + PAGE_TYPES["case-study"])
    assert bottom(page, "h1") <= PHONE["height"]
    assert page.locator(".metric-headline .metric-values").inner_text() == "2.1% → 2.9%"
    assert bottom(page, ".metric-headline .metric-relative") <= PHONE["height"]
    page.close()


# --- charts --------------------------------------------------------------------------------------

def test_charts_render_with_accessible_names(served: str, desktop: Any) -> None:
    page, _ = open_page(desktop, served + PAGE_TYPES["case-study"])
    charts = page.locator("svg.chart")
    assert charts.count() == page.locator(".metric").count() == 3
    for i in range(charts.count()):
        chart = charts.nth(i)
        assert chart.get_attribute("role") == "img"
        name = chart.get_attribute("aria-label")
        assert name and re.search(r": .+ before, .+ after \(", name)
        box = chart.bounding_box()
        assert box["width"] > 200 and box["height"] > 40
        widths = chart.locator("rect").evaluate_all(
            "rects => rects.map(r => r.getBoundingClientRect().width)")
        assert len(widths) == 2 and all(w > 0 for w in widths)
    # the browser exposes the name to assistive technology
    snapshot = page.locator(".metric-headline svg").aria_snapshot()
    assert 'img "Mobile conversion rate: 2.1% before, 2.9% after' in snapshot
    # the after bar is drawn longer than the before bar for an increase
    before, after = charts.first.locator("rect").evaluate_all(
        "rects => rects.map(r => r.getBoundingClientRect().width)")
    assert after > before
    page.close()


def test_case_study_images_load(served: str, desktop: Any) -> None:
    """Covers and before/after screenshots: every image of every case study loads; each has
    alt text but the team's photos, which sit beside the person's name (alt="")."""
    page, problems = open_page(desktop, served + "case-studies/")
    studies = page.locator("[data-filter-list] h2 a").evaluate_all("a => a.map(e => e.href)")
    broken = {}
    for url in studies:
        visit(page, url)
        images = page.locator("main img")
        for i in range(images.count()):
            images.nth(i).scroll_into_view_if_needed()
        page.wait_for_function("[...document.querySelectorAll('main img')].every(i => i.complete)")
        sizes = images.evaluate_all("imgs => imgs.map(i => [i.currentSrc, i.naturalWidth, "
                                    "i.alt || i.classList.contains('face')])")
        if bad := [s for s in sizes if not (s[1] > 0 and s[2])]:
            broken[url] = bad
    assert broken == {} and problems == []
    page.close()


def test_people_photos_load_round_and_small(served: str, phone: Any) -> None:
    """A person's photo on their page, and the team's on a case study and the home page:
    loaded, drawn as circles of the theme's size, whatever the file's own size."""
    page, problems = open_page(phone, served + "people/maya/")
    shown = {}
    for rel, selector in (("people/maya/", ".person-photo"),
                          ("case-studies/skincare-checkout/", ".team .face"),
                          ("", ".person-card .face")):
        visit(page, served + rel)
        photos = page.locator(selector)
        photos.first.scroll_into_view_if_needed()
        page.wait_for_function(f"[...document.querySelectorAll({selector!r})]"
                               ".every(i => i.complete)")
        shown[rel] = photos.evaluate_all(
            "imgs => imgs.map(i => [i.naturalWidth > 0, Math.round(i.getBoundingClientRect()"
            ".width), Math.round(i.getBoundingClientRect().height), "
            "getComputedStyle(i).borderRadius])")
    assert shown == {"people/maya/": [[True, 128, 128, "50%"]],
                     "case-studies/skincare-checkout/": [[True, 48, 48, "50%"]] * 2,
                     "": [[True, 80, 80, "50%"]] * 3}
    assert problems == []
    page.close()


# --- navigation, call to action, filters ------------------------------------------------------

@pytest.mark.parametrize("width", ["phone", "desktop"])
def test_navigation_and_call_to_action_work(served: str, width: str,
                                            request: pytest.FixtureRequest) -> None:
    context = request.getfixturevalue(width)
    page, problems = open_page(context, served, offline=True)
    nav = page.get_by_role("navigation", name="Main")
    nav.get_by_role("link", name="Best practices").click()
    page.wait_for_url(served + "practices/")
    assert page.locator("h1").inner_text() == "Best practices"
    assert nav.get_by_role("link", name="Best practices").get_attribute("aria-current") == "page"
    page.get_by_role("link", name="Landing-page best practices").first.click()
    page.wait_for_url(served + "practices/landing-pages/")
    page.locator(".toc a").first.click()
    page.wait_for_url(served + "practices/landing-pages/#one-goal")
    page.get_by_role("link", name="Home", exact=True).first.click()
    page.wait_for_url(served)
    cta = page.locator(".hero").get_by_role("link", name="Book a free conversion audit call")
    assert cta.get_attribute("href") == CTA_URL
    cta.click()
    page.wait_for_url(CTA_URL)
    assert problems == []
    page.close()


def test_case_study_filters_instantly_with_javascript(served: str, desktop: Any) -> None:
    page, problems = open_page(desktop, served + "case-studies/")
    cards = page.locator("[data-filter-list] > article")
    total = cards.count()
    pools = page.get_by_role("button", name="Pool construction")
    pools.click()
    assert pools.get_attribute("aria-pressed") == "true"
    visible = [c for c in cards.all() if c.is_visible()]
    assert 0 < len(visible) < total
    assert all(c.get_attribute("data-niche") == "pool-construction" for c in visible)
    assert page.get_by_role("status").inner_text() == \
        f"Showing {len(visible)} of {total} case studies"
    assert "niche=pool-construction" in page.url
    page.get_by_role("button", name="Conversion retainer").click()   # no pool study uses it
    assert not any(c.is_visible() for c in cards.all())
    page.get_by_role("button", name="Conversion retainer").click()
    pools.click()
    assert all(c.is_visible() for c in cards.all()) and page.url.endswith("/case-studies/")
    assert problems == []
    page.close()


def test_filters_are_links_without_javascript(served: str, browser: Any) -> None:
    context = browser.new_context(viewport=PHONE, java_script_enabled=False)
    page, _ = open_page(context, served + "case-studies/")
    assert page.locator("[data-filter-list] > article").count() == 9
    page.get_by_role("link", name="Senior living").first.click()
    page.wait_for_url(served + "niches/senior-living/")
    assert page.locator("h1").inner_text() == "Senior living"
    context.close()


def test_form_call_to_action_posts_its_fields(tmp_path: Path, browser: Any) -> None:
    yaml = (REPO / "site.yaml").read_text(encoding="utf-8").replace(
        f"  url: {CTA_URL}\n", "  form: {action: https://forms.example/f/xyz, "
        "fields: [name, email, message]}\n")
    out = build_example(tmp_path, site_yaml=yaml)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0),
                                             functools.partial(_Quiet, directory=str(out)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    context = browser.new_context(viewport=PHONE)
    try:
        page, problems = open_page(context, f"http://127.0.0.1:{server.server_address[1]}/",
                                   offline=True)
        posted: list[Any] = []
        page.route("https://forms.example/**", lambda route: (
            posted.append(route.request), route.fulfill(status=200, body="thanks")))
        page.locator(".hero").get_by_role("link", name="Book a free conversion audit call").click()
        assert page.url.endswith("#cta-form")
        page.get_by_label("Name").fill("Dana")
        page.get_by_label("Email").fill("dana@example.com")
        page.get_by_label("Message").fill("Our checkout leaks.")
        page.locator("#cta-form").get_by_role("button").click()
        page.wait_for_url("https://forms.example/f/xyz")
        assert posted[0].method == "POST"
        assert posted[0].post_data == "name=Dana&email=dana%40example.com&message=Our+checkout+leaks."
        assert problems == []
    finally:
        context.close()
        server.shutdown()
        server.server_close()


# --- print ---------------------------------------------------------------------------------------

def test_case_study_prints_as_a_one_page_handout(served: str, browser: Any) -> None:
    context = browser.new_context()
    page, _ = open_page(context, served + PAGE_TYPES["case-study"])
    page.emulate_media(media="print")
    assert not page.locator(".site-header").is_visible()
    assert not page.locator(".cta-band").is_visible()
    assert page.locator(".print-only").is_visible()
    pdf = page.pdf(format="A4")
    assert len(re.findall(rb"/Type\s*/Page(?!s)", pdf)) == 1
    context.close()
