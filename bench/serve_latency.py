"""How long from a save to the rebuilt page: on disk, and in the browser.

    python bench/serve_latency.py [--case-studies 1000] [--edits 30] [--no-browser] [--profile]
        [--kinds prose,title,metric,niche,tags,price] [--repo DIR]

Generates a site (bench/gen_site.py), runs `casefolio serve` as a real process, then for each
edit kind saves N edits of that kind, each to another file: prose (a sentence in a case study's
body), title, metric (a result's `after:` value), niche, tags (one more tag) of a case study,
and price (a service's `price.amount`). For each save it measures save -> the edited page's
file rewritten in the server's private folder and, unless --no-browser, save -> Chromium
(Playwright) showing the reloaded page (its DOMContentLoaded). Prints median, p95 and max per
kind, and the server's own per-stage timings. --profile also runs cProfile over one incremental
rebuild of each kind in this process (a warm BuildState + writing the changed files). --repo
runs another checkout's casefolio (to measure before and after a change with the same bench).
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
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))
sys.path.insert(0, str(BENCH.parent))

from gen_site import NICHES, TAGS, generate  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
WARMUP = 2   # first saves re-read files written moments before the first build (racy-clean)


@dataclass(frozen=True)
class Edit:
    """One kind of save: the content folder it edits, and how (text, n -> new text, a string
    the edited page then holds or "" when its wording is not known ahead)."""

    folder: str
    change: Callable[[str, int], tuple[str, str]]


def _prose(text: str, n: int) -> tuple[str, str]:
    marker = f"Bench edit number {n} was saved."
    return text.replace("\n---\n", f"\n---\n{marker}\n\n", 1), marker


def _title(text: str, n: int) -> tuple[str, str]:
    marker = f"Bench title {n}"
    return re.sub(r"^title: .*$", f"title: {marker} lifts sales", text, count=1,
                  flags=re.M), marker


def _metric(text: str, n: int) -> tuple[str, str]:
    """The first result's `after:` value, a little higher."""
    def higher(m: re.Match[str]) -> str:
        value = m[2]
        bumped = f"{float(value) + 0.1:.1f}" if "." in value else str(int(value) + 1)
        return m[1] + bumped
    return re.sub(r"^(    after: )(\S+)$", higher, text, count=1, flags=re.M), ""


def _niche(text: str, n: int) -> tuple[str, str]:
    names = list(NICHES)
    def other(m: re.Match[str]) -> str:
        return f"niche: {names[(names.index(m[1]) + 1) % len(names)]}"
    return re.sub(r"^niche: (\S+)$", other, text, count=1, flags=re.M), ""


def _tags(text: str, n: int) -> tuple[str, str]:
    """One more of the site's tags."""
    def more(m: re.Match[str]) -> str:
        tags = m[1].split(", ")
        extra = next(t for t in TAGS[n % len(TAGS):] + TAGS if t not in tags)
        return f"tags: [{', '.join(sorted([*tags, extra]))}]"
    return re.sub(r"^tags: \[(.*)\]$", more, text, count=1, flags=re.M), ""


def _price(text: str, n: int) -> tuple[str, str]:
    def more(m: re.Match[str]) -> str:
        return f"amount: {int(m[1]) + 10 + n}"
    return re.sub(r"amount: (\d+)", more, text, count=1), ""


EDITS = {"prose": Edit("case-studies", _prose), "title": Edit("case-studies", _title),
         "metric": Edit("case-studies", _metric), "niche": Edit("case-studies", _niche),
         "tags": Edit("case-studies", _tags), "price": Edit("services", _price)}


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))]


def summary(name: str, values: list[float], target: float) -> str:
    median, p95 = statistics.median(values), percentile(values, 95)
    verdict = "meets" if p95 < target else "misses"
    return (f"{name:<24} median {median:7.1f} ms   p95 {p95:7.1f} ms   max {max(values):7.1f} ms"
            f"   (target {target:.0f} ms: {verdict})")


def start_server(site: Path, tmp: Path, repo: Path,
                 ) -> tuple[subprocess.Popen[str], str, Path, list[str]]:
    """`casefolio serve --verbose` (repo's) with its private folder inside tmp; (process, URL,
    folder, the lines it prints, kept up to date by a thread)."""
    process = subprocess.Popen(
        [sys.executable, "-m", "generator", "serve", str(site), "--port", "0", "--verbose"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        env={**os.environ, "TMPDIR": str(tmp), "PYTHONUNBUFFERED": "1",
             "PYTHONPATH": str(repo)}, cwd=repo)
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


def _builds(lines: list[str]) -> int:
    """How many rebuilds the server has reported (it prints one line each)."""
    return sum(1 for line in list(lines) if " files updated, " in line or "build failed" in line)


def measure(site: Path, tmp: Path, edits: int, browser: bool, kinds: list[str],
            repo: Path) -> None:
    process, url, folder, lines = start_server(site, tmp, repo)
    disk: dict[str, list[float]] = {kind: [] for kind in kinds}
    shown: dict[str, list[float]] = {kind: [] for kind in kinds}
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
        for k, kind in enumerate(kinds):
            edit = EDITS[kind]
            files = sorted((site / "content" / edit.folder).glob("*.md"))
            for n in range(WARMUP + edits):
                path = files[(n * 37 + k * 11) % len(files)]
                rel = f"{edit.folder}/{path.stem}/"
                target = folder / rel / "index.html"
                if page is not None:
                    page.goto(f"{url}{rel}")
                    page.wait_for_timeout(300)  # the event stream connects
                before = signature(target)
                done = _builds(lines)
                text, marker = edit.change(path.read_text(encoding="utf-8"), n)
                saved_wall = time.time() * 1000
                saved = time.perf_counter()
                if page is not None:
                    with page.expect_navigation(wait_until="domcontentloaded", timeout=60_000):
                        path.write_text(text, encoding="utf-8")
                        written = wait_rewritten(target, before, marker.encode())
                    browser_ms = page.evaluate("window.__shownAt") - saved_wall
                    assert marker in page.inner_text("main")
                else:
                    path.write_text(text, encoding="utf-8")
                    written = wait_rewritten(target, before, marker.encode())
                if n >= WARMUP:
                    disk[kind].append((written - saved) * 1000)
                    if page is not None:
                        shown[kind].append(browser_ms)
                while _builds(lines) == done:  # every file this save changed is written
                    time.sleep(0.01)
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
    count = len(list((site / "content" / "case-studies").glob("*.md")))
    print(f"\n{edits} edits of each kind on a {count}-case-study site "
          f"({os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}):")
    for kind in kinds:
        print(summary(f"{kind}: save -> disk", disk[kind], 250))
        if shown[kind]:
            print(summary(f"{kind}: save -> browser", shown[kind], 250))
    if stages:
        print("server rebuild stages, median: " + ", ".join(
            f"{k} {statistics.median(v):.0f} ms" for k, v in stages.items()))


def profile(site: Path, tmp: Path, kinds: list[str]) -> None:
    """cProfile of one incremental rebuild of each kind, the way the server does it."""
    from generator.build import BuildState, build
    from generator.config import BuildOptions
    from generator.output.preview import write_changes

    options = BuildOptions(base_url="http://127.0.0.1:8000/", serve=True)
    state = BuildState()
    folder = tmp / "profiled"
    first = build(site, options, state)
    published = {o.path: o for o in first.outputs}
    write_changes({}, first.outputs, folder)
    for kind in kinds:
        edit = EDITS[kind]
        files = sorted((site / "content" / edit.folder).glob("*.md"))
        path = files[len(files) // 2]
        for n in range(2):  # the second edit is the steady state
            path.write_text(edit.change(path.read_text(encoding="utf-8"), 100 + n)[0],
                            encoding="utf-8")
            profiler = cProfile.Profile()
            start = time.perf_counter()
            profiler.enable()
            result = build(site, options, state, changed=[path])
            write_changes(published, result.outputs, folder)
            profiler.disable()
            published = {o.path: o for o in result.outputs}
        print(f"\n{kind}: incremental rebuild in this process: "
              f"{(time.perf_counter() - start) * 1000:.0f} ms (with the profiler on); stages: "
              + ", ".join(f"{k} {v * 1000:.0f} ms" for k, v in result.timings.items()))
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--case-studies", type=int, default=1000)
    parser.add_argument("--edits", type=int, default=30)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--kinds", default="prose,title,metric,niche,tags,price",
                        help="comma-separated edit kinds: " + ", ".join(EDITS))
    parser.add_argument("--repo", type=Path, default=BENCH.parent,
                        help="the checkout whose casefolio serves (default: this one)")
    parser.add_argument("--no-browser", action="store_true")
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    kinds = [k for k in args.kinds.split(",") if k]
    unknown = [k for k in kinds if k not in EDITS]
    if unknown:
        parser.error(f"unknown edit kind(s) {', '.join(unknown)}: choose from {', '.join(EDITS)}")
    with tempfile.TemporaryDirectory(prefix="casefolio-bench-") as name:
        tmp = Path(name)
        site = generate(tmp / "site", args.case_studies, args.seed)
        measure(site, tmp, args.edits, not args.no_browser, kinds, args.repo.resolve())
        if args.profile:
            profile(site, tmp, kinds)


if __name__ == "__main__":
    main()
