"""Screenshots of the example site for the README and docs/theme.md, into docs/screenshots/:
each page type and block of the theme on a phone (390x844) and a desktop (1280x800), the
home page and its blocks in light and dark mode, the rest light.

    python scripts/screenshots.py [--out docs/screenshots] [--full-page]

A shot of a block scrolls that block to the top of the screen first. Each PNG is reduced to
256 colours, so the committed files stay small.

Builds the example site into a temporary folder, serves it on 127.0.0.1 and drives Debian's
Chromium (/usr/bin/chromium, or $CHROME_PATH) through playwright. Nothing is downloaded.
"""

from __future__ import annotations

import argparse
import functools
import http.server
import os
import shutil
import sys
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

BOTH = ("light", "dark")
LIGHT = ("light",)


@dataclass(frozen=True, slots=True)
class Shot:
    name: str                    # the file is <name>-<device>-<scheme>.png
    path: str                    # in the site
    block: str = ""              # a CSS selector scrolled to the top first; '' = first screen
    schemes: tuple[str, ...] = BOTH


SHOTS = (
    Shot("home", ""),
    Shot("home-logo-wall", "", ".logo-wall"),
    Shot("home-team", "", "section[aria-labelledby=team-title]"),
    Shot("case-study", "case-studies/skincare-checkout/"),
    Shot("case-study-client", "case-studies/skincare-checkout/", ".about-client", LIGHT),
    Shot("person", "people/maya/", schemes=LIGHT),
    Shot("article", "articles/read-a-test-result/", schemes=LIGHT),
    Shot("service-tiers", "services/lead-gen-landing-pages/", ".tiers", LIGHT),
)
DEVICES = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 800}}
COLOURS = 256
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: Any) -> None:
        pass


def build_example(work: Path) -> Path:
    """Copy the example site (site.yaml, content/, static/) and build it; return the output."""
    from generator.build import build_to

    site = work / "site"
    site.mkdir()
    shutil.copy(REPO / "site.yaml", site / "site.yaml")
    for folder in ("content", "static", "templates"):
        if (REPO / folder).is_dir():
            shutil.copytree(REPO / folder, site / folder)
    out = work / "out"
    build_to(site, out)
    return out


def capture(out: Path, dest: Path, full_page: bool) -> list[Path]:
    from playwright.sync_api import sync_playwright

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0),
                                             functools.partial(_Quiet, directory=str(out)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}/"
    written = []
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path=os.environ.get("CHROME_PATH", "/usr/bin/chromium"),
                headless=True, args=ARGS)
            for device, viewport in DEVICES.items():
                context = browser.new_context(viewport=viewport, device_scale_factor=1,
                                              is_mobile=device == "phone")
                page = context.new_page()
                for shot in SHOTS:
                    for scheme in shot.schemes:
                        page.emulate_media(color_scheme=scheme)
                        page.goto(base + shot.path)
                        if shot.block:  # to the top of the screen, then the first screen
                            page.locator(shot.block).first.evaluate(
                                "e => e.scrollIntoView({block: 'start'})")
                        path = dest / f"{shot.name}-{device}-{scheme}.png"
                        page.screenshot(path=str(path), full_page=full_page and not shot.block)
                        shrink(path)
                        written.append(path)
                context.close()
            browser.close()
    finally:
        server.shutdown()
        server.server_close()
    return written


def shrink(path: Path) -> None:
    """Reduce a screenshot to a 256-colour PNG: a third of the size, no visible change."""
    from PIL import Image

    with Image.open(path) as im:
        small = im.convert("RGB").quantize(COLOURS, method=Image.Quantize.MEDIANCUT)
    small.save(path, optimize=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "screenshots")
    parser.add_argument("--full-page", action="store_true",
                        help="capture whole pages instead of the first screen")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="casefolio-shots-") as work:
        out = build_example(Path(work))
        for path in capture(out, args.out, args.full_page):
            print(f"{path.relative_to(REPO) if path.is_relative_to(REPO) else path} "
                  f"({path.stat().st_size // 1024} KiB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
