"""CPU from a save to the edited page rendered, in this process: a `serve`-like warm state.

    python bench/serve_cpu.py SITE [--case-studies 10000] [--kinds metric,niche,tags,price]

Generates SITE (bench/gen_site.py) unless it holds a site.yaml, builds it once as `serve`
does (in memory, collector paused, heap frozen after), then saves four edits of each kind
(bench/serve_latency.py's) and rebuilds with the changed file named, timing wall and CPU until
the build hands over the edited page (`build(first=...)`, which `serve` writes at once). The
fourth edit of each kind runs under cProfile (its figures are inflated) and prints the
costliest calls. Less noisy than serve_latency.py on a shared machine: no watcher, no
second process; CPU, not wall.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))
sys.path.insert(0, str(BENCH.parent))

from gen_site import generate  # noqa: E402
from serve_latency import EDITS  # noqa: E402

from generator.build import BuildState, build  # noqa: E402
from generator.config import BuildOptions  # noqa: E402
from generator.serve.process import settle_heap  # noqa: E402
from generator.workers import collector_paused  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("site", type=Path)
    parser.add_argument("--case-studies", type=int, default=10000)
    parser.add_argument("--kinds", default="metric,niche,tags,price")
    parser.add_argument("--top", type=int, default=30, help="profile lines to print")
    args = parser.parse_args()
    if not (args.site / "site.yaml").exists():
        generate(args.site, args.case_studies, 1)
    options = BuildOptions(base_url="http://127.0.0.1:8000/", serve=True)
    state = BuildState()
    with collector_paused():
        build(args.site, options, state)
    settle_heap(everything=True)
    for kind in args.kinds.split(","):
        edit = EDITS[kind]
        files = sorted((args.site / "content" / edit.folder).glob("*.md"))
        firsts, profiler = [], cProfile.Profile()
        for n in range(4):
            path = files[(len(files) // 5 + 29 * n) % len(files)]
            path.write_text(edit.change(path.read_text(encoding="utf-8"), 700 + n)[0],
                            encoding="utf-8")
            got: dict[str, float] = {}

            def first(pages: object, got: dict[str, float] = got,
                      profiler: cProfile.Profile = profiler) -> None:
                got["wall"], got["cpu"] = time.perf_counter(), time.process_time()
                profiler.disable()
            with collector_paused():
                wall, cpu = time.perf_counter(), time.process_time()
                if n == 3:
                    profiler.enable()
                build(args.site, options, state, changed=[path], first=first)
                profiler.disable()
            settle_heap()
            firsts.append(f"{(got['wall'] - wall) * 1000:.0f}/{(got['cpu'] - cpu) * 1000:.0f}")
        print(f"{kind}: ms to the edited page, wall/CPU (the last profiled): {', '.join(firsts)}")
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(args.top)
        print(out.getvalue()[out.getvalue().find("ncalls"):])


if __name__ == "__main__":
    main()
