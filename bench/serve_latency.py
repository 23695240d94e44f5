"""How long from a save to the rebuilt page: on disk, and in the browser.

    python bench/serve_latency.py [--case-studies 1000] [--edits 30] [--no-browser] [--profile]

Generates a site (bench/gen_site.py), runs `casefolio serve` as a real process, opens a case
study in Chromium (Playwright), then edits that case study's Markdown N times. For each save it
measures save -> the page's file rewritten in the server's private folder, and save -> the
browser showing the reloaded page (its DOMContentLoaded). Prints median and p95 of each, and
the server's own per-stage timings. --profile also runs cProfile over one incremental rebuild
in this process (build with a warm BuildState + writing the changed files).
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))
sys.path.insert(0, str(BENCH.parent))

from gen_site import generate  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
WARMUP = 2   # first saves re-read files written moments before the first build (racy-clean)


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))]


def summary(name: str, values: list[float], target: float) -> str:
    median, p95 = statistics.median(values), percentile(values, 95)
    verdict = "meets" if p95 < target else "misses"
    return (f"{name:<18} median {median:7.1f} ms   p95 {p95:7.1f} ms   "
            f"(target {target:.0f} ms: {verdict})")


def start_server(site: Path, tmp: Path) -> tuple[subprocess.Popen[str], str, Path, list[str]]:
    """`casefolio serve --verbose` with its private folder inside tmp; (process, URL, folder,
    the lines it prints, kept up to date by a thread)."""
    process = subprocess.Popen(
        [sys.executable, "-m", "generator", "serve", str(site), "--port", "0", "--verbose"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        env={**os.environ, "TMPDIR": str(tmp), "PYTHONUNBUFFERED": "1"}, cwd=BENCH.parent)
    lines: list[str] = []
    url = ""
    while not url:
        line = process.stdout.readline()  # type: ignore[union-attr]
        if not line:
            raise SystemExit("casefolio serve exited:\n" + "".join(lines))
        lines.append(line)
        url = (re.search(r"serving at (http://\S+/)", line) or [None, ""])[1]

    def keep_reading() -> None:
        for line in process.stdout:  # type: ignore[union-attr]
            lines.append(line)
    threading.Thread(target=keep_reading, daemon=True).start()
    folder = next(tmp.glob("casefolio-serve-*"))
    return process, url, folder, lines


def wait_rewritten(target: Path, before: tuple[int, int], marker: bytes,
                   timeout: float = 60) -> float:
    """perf_counter() when target has a new inode/mtime holding marker (polled every ms)."""
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        try:
            st = target.stat()
            if (st.st_ino, st.st_mtime_ns) != before and marker in target.read_bytes():
                return time.perf_counter()
        except OSError:
            pass
        time.sleep(0.001)
    raise TimeoutError(f"{target} was not rewritten")


def signature(path: Path) -> tuple[int, int]:
    st = path.stat()
    return st.st_ino, st.st_mtime_ns


def measure(site: Path, tmp: Path, edits: int, browser: bool) -> None:
    process, url, folder, lines = start_server(site, tmp)
    studies = sorted((site / "content" / "case-studies").glob("*.md"))
    disk: list[float] = []
    shown: list[float] = []
    try:
        page = None
        if browser:
            from playwright.sync_api import sync_playwright

            playwright = sync_playwright().start()
            chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            page = chromium.new_page()
            page.add_init_script("document.addEventListener('DOMContentLoaded', () => "
                                 "{ window.__shownAt = performance.timeOrigin + "
                                 "performance.now(); });")
        for n in range(WARMUP + edits):
            study = studies[(n * 37) % len(studies)]
            slug = study.stem
            target = folder / "case-studies" / slug / "index.html"
            if page is not None:
                page.goto(f"{url}case-studies/{slug}/")
                page.wait_for_timeout(300)  # the event stream connects
            marker = f"Bench edit number {n} was saved."
            before = signature(target)
            text = study.read_text(encoding="utf-8").replace("\n---\n", f"\n---\n{marker}\n\n", 1)
            saved_wall = time.time() * 1000
            saved = time.perf_counter()
            if page is not None:
                with page.expect_navigation(wait_until="domcontentloaded", timeout=60_000):
                    study.write_text(text, encoding="utf-8")
                    written = wait_rewritten(target, before, marker.encode())
                browser_ms = page.evaluate("window.__shownAt") - saved_wall
                assert marker in page.inner_text("main")
            else:
                study.write_text(text, encoding="utf-8")
                written = wait_rewritten(target, before, marker.encode())
            if n >= WARMUP:
                disk.append((written - saved) * 1000)
                if page is not None:
                    shown.append(browser_ms)
        if page is not None:
            chromium.close()
            playwright.stop()
    finally:
        process.terminate()
        process.wait(timeout=30)
    stages: dict[str, list[float]] = {}
    for line in [x for x in lines if x.startswith("  config ")]:
        for stage, ms in re.findall(r"(\w+) (\d+) ms", line):
            stages.setdefault(stage, []).append(float(ms))
    print(f"\n{edits} content edits on a {len(studies)}-case-study site "
          f"({os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}):")
    print(summary("save -> disk", disk, 50))
    if shown:
        print(summary("save -> browser", shown, 250))
    if stages:
        print("server rebuild stages, median: " + ", ".join(
            f"{k} {statistics.median(v):.0f} ms" for k, v in stages.items()))


def profile(site: Path, tmp: Path) -> None:
    """cProfile of one incremental rebuild, the way the server does it."""
    from generator.build import BuildState, build
    from generator.config import BuildOptions
    from generator.output.preview import write_changes

    options = BuildOptions(base_url="http://127.0.0.1:8000/", serve=True)
    state = BuildState()
    folder = tmp / "profiled"
    first = build(site, options, state)
    published = {o.path: o for o in first.outputs}
    write_changes({}, first.outputs, folder)
    study = sorted((site / "content" / "case-studies").glob("*.md"))[500]
    for n in range(2):  # the second edit is the steady state
        study.write_text(study.read_text().replace("\n---\n", f"\n---\nProfiled {n}.\n\n", 1))
        profiler = cProfile.Profile()
        start = time.perf_counter()
        profiler.enable()
        result = build(site, options, state)
        write_changes(published, result.outputs, folder)
        profiler.disable()
        published = {o.path: o for o in result.outputs}
    print(f"\nincremental rebuild in this process: {(time.perf_counter() - start) * 1000:.0f} ms"
          " (with the profiler on); stages: " + ", ".join(
              f"{k} {v * 1000:.0f} ms" for k, v in result.timings.items()))
    pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--case-studies", type=int, default=1000)
    parser.add_argument("--edits", type=int, default=30)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--no-browser", action="store_true")
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="casefolio-bench-") as name:
        tmp = Path(name)
        site = generate(tmp / "site", args.case_studies, args.seed)
        measure(site, tmp, args.edits, browser=not args.no_browser)
        if args.profile:
            profile(site, tmp)


if __name__ == "__main__":
    main()
