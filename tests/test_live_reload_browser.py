"""A real Chromium on a real `casefolio serve`: saves show up without touching the page, a broken
file shows an overlay with file and line over the last good page, fixing it clears the overlay,
and a CSS change restyles the page without reloading it."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

playwright = pytest.importorskip("playwright.sync_api")
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
REPO = Path(__file__).resolve().parent.parent
STUDY = "content/case-studies/coffee-subscription-landing.md"
PAGE = "case-studies/coffee-subscription-landing/"
WAIT = 20_000  # ms; a loaded machine is slow, never this slow

pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian's chromium")]


@pytest.fixture
def served(example_site: Path) -> Iterator[tuple[Path, str]]:
    """`casefolio serve` as a real process on a free port; (site folder, its URL)."""
    shutil.copytree(REPO / "themes" / "default", example_site / "themes" / "default")
    process = subprocess.Popen(
        [sys.executable, "-m", "generator", "serve", str(example_site), "--port", "0"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        url, deadline = None, time.monotonic() + 60
        while url is None and time.monotonic() < deadline:
            line = process.stdout.readline()
            if not line and process.poll() is not None:
                break
            url = (re.search(r"serving at (http://\S+/)", line) or [None, None])[1]
        assert url, "casefolio serve did not start"
        yield example_site, url
    finally:
        process.terminate()
        process.wait(timeout=30)


@pytest.fixture
def page(served: tuple[Path, str]) -> Iterator[object]:
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield browser.new_page()
        finally:
            browser.close()


def replace(site: Path, rel: str, old: str, new: str) -> None:
    path = site / rel
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_edit_break_fix_and_restyle_in_a_real_browser(served: tuple[Path, str], page) -> None:
    site, url = served
    expect = playwright.expect
    page.goto(url + PAGE)
    page.evaluate("window.__casefolio_marker = 42")

    # A Markdown edit appears with no action in the page.
    replace(site, STUDY, "\n---\n", "\n---\nThis paragraph arrived by live reload.\n\n")
    expect(page.locator("main")).to_contain_text("This paragraph arrived by live reload.",
                                                 timeout=WAIT)

    # Broken YAML: an overlay names the file and line, over the last good page.
    replace(site, STUDY, "title: ", "title: [unclosed ")
    overlay = page.locator("#casefolio-overlay")
    expect(overlay).to_contain_text(f"{STUDY}:2: invalid YAML", timeout=WAIT)
    expect(page.locator("main")).to_contain_text("This paragraph arrived by live reload.")

    # Fixed: the overlay goes away by itself and the page is back.
    replace(site, STUDY, "title: [unclosed ", "title: ")
    expect(overlay).to_have_count(0, timeout=WAIT)
    expect(page.locator("main")).to_contain_text("This paragraph arrived by live reload.")

    # A CSS change restyles the page without reloading it.
    page.evaluate("window.__casefolio_marker = 42")
    with (site / "themes/default/static/style.css").open("a", encoding="utf-8") as css:
        css.write("\nbody { background-color: rgb(1, 2, 3) !important; }\n")
    page.wait_for_function("getComputedStyle(document.body).backgroundColor === 'rgb(1, 2, 3)'",
                           timeout=WAIT)
    assert page.evaluate("window.__casefolio_marker") == 42
    assert page.locator('link[rel="stylesheet"]').count() == 1
