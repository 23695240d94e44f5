"""CPU time of one incremental rebuild per edit kind, in this process (no watcher, no server).

    python bench/edit_cpu.py SITE_DIR [--edits 10] [--kinds prose,title,...] [--profile KIND]
        [--check]

Copies SITE_DIR (made by bench/gen_site.py) to a temporary folder, builds it once with a
BuildState the way `casefolio serve` does, then for each edit kind saves --edits edits (each
to another file, the edits of bench/serve_latency.py) and times `build(..., state,
changed=[path])` plus writing what changed (write_changes, as the server does): CPU time
of this process and its workers, median and max per kind, and until the edited page was
written (build's `first`, as `serve` writes it before the other pages). --profile KIND
prints cProfile's top functions over that kind's edits. --check also compares every
rebuild's outputs with a cold build's (slow: a cold build per edit).
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import resource
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))
sys.path.insert(0, str(BENCH.parent))

from serve_latency import EDITS  # noqa: E402

from generator.build import BuildState, build  # noqa: E402
from generator.config import BuildOptions  # noqa: E402
from generator.output.preview import write_changes  # noqa: E402


def cpu() -> float:
    """CPU seconds of this process and its finished children (forked page workers)."""
    me, children = (resource.getrusage(w) for w in (resource.RUSAGE_SELF,
                                                   resource.RUSAGE_CHILDREN))
    return me.ru_utime + me.ru_stime + children.ru_utime + children.ru_stime


def _bytes(outputs: object) -> dict[str, bytes | None]:
    return {o.path: o.data for o in outputs}  # type: ignore[attr-defined]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("site", type=Path)
    parser.add_argument("--edits", type=int, default=10)
    parser.add_argument("--kinds", default="prose,title,metric,niche,tags,price")
    parser.add_argument("--profile", default="")
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args()
    options = BuildOptions(base_url="http://127.0.0.1:8000/", serve=True)
    with tempfile.TemporaryDirectory(prefix="casefolio-edit-cpu-") as name:
        site = Path(name) / "site"
        shutil.copytree(args.site, site)
        state = BuildState()
        start = cpu()
        first = build(site, options, state).outputs
        folder = Path(name) / "served"
        write_changes({}, first, folder)
        last = {o.path: o for o in first}
        print(f"first build: {cpu() - start:.2f} s CPU, {len(last)} outputs")
        for k, kind in enumerate(args.kinds.split(",")):
            edit = EDITS[kind]
            files = sorted((site / "content" / edit.folder).glob("*.md"))
            times, rendered, firsts = [], [], []
            profiler = cProfile.Profile() if kind == args.profile else None
            for n in range(args.edits + 1):  # the first one warms up
                path = files[(n * 37 + k * 11) % len(files)]
                path.write_text(edit.change(path.read_text(encoding="utf-8"), n)[0],
                                encoding="utf-8")
                state.forget([path])
                if profiler is not None and n:
                    profiler.enable()
                start = cpu()
                early: dict[str, object] = {}
                marks: list[float] = []

                def first(pages: list, early: dict = early, last: dict = last,
                          marks: list = marks) -> None:
                    write_changes({o.path: last[o.path] for o in pages if o.path in last},
                                  pages, folder)  # as `serve` does (serve/server.py)
                    early.update((o.path, o) for o in pages)
                    marks.append(cpu())
                result = build(site, options, state, changed=[path], first=first)
                write_changes({**last, **early}, result.outputs, folder)
                spent = cpu() - start
                page = (marks[0] if marks else cpu()) - start
                if profiler is not None:
                    profiler.disable()
                last = {o.path: o for o in result.outputs}
                if n:
                    times.append(spent * 1000)
                    firsts.append(page * 1000)
                    rendered.append(result.rendered)
                if args.check:
                    cold = build(site, options, BuildState()).outputs
                    if _bytes(cold) != _bytes(result.outputs):
                        raise SystemExit(f"{kind} edit {n} of {path.name}: differs from cold")
            print(f"{kind:<7} median {statistics.median(times):7.1f} ms   max {max(times):7.1f} ms"
                  f"   edited page written: median {statistics.median(firsts):7.1f} ms"
                  f"   pages rendered: median {statistics.median(rendered):.0f}"
                  f" (timings of the last: " + ", ".join(
                      f"{s} {v * 1000:.0f}" for s, v in result.timings.items()) + ")")
            if profiler is not None:
                pstats.Stats(profiler).sort_stats("tottime").print_stats(30)
                pstats.Stats(profiler).sort_stats("cumulative").print_stats(40)


if __name__ == "__main__":
    main()
