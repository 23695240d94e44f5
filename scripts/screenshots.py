"""Screenshots of the example site for the README: the home page and a case study, light and
dark, on a phone (390x844) and a desktop (1280x800), into docs/screenshots/.

    python scripts/screenshots.py [--out docs/screenshots] [--full-page]

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
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

PAGES = {"home": "", "case-study": "case-studies/skincare-checkout/"}
DEVICES = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 800}}
SCHEMES = ("light", "dark")
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
                for scheme in SCHEMES:
                    page.emulate_media(color_scheme=scheme)
                    for name, rel in PAGES.items():
                        page.goto(base + rel)
                        path = dest / f"{name}-{device}-{scheme}.png"
                        page.screenshot(path=str(path), full_page=full_page)
                        written.append(path)
                context.close()
            browser.close()
    finally:
        server.shutdown()
        server.server_close()
    return written


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
