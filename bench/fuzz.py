"""The long fuzz profile: the properties of tests/test_fuzz.py with thousands of random inputs.

    python bench/fuzz.py                       # 5,000 loader inputs per property, 500 builds
    python bench/fuzz.py --examples 20000 --builds 2000 --seed 7

Prints how many inputs each property tried and how many ended in success or in a casefolio
error; any other outcome (a crash) stops the run with hypothesis' minimal failing example
and exits 1.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st

from tests import test_fuzz as f


def properties(counts: dict[str, Counter[str]]) -> dict[str, tuple[Callable[..., None], bool]]:
    """name -> (hypothesis test recording each outcome, whether it runs whole builds)."""
    def record(name: str, outcome: str) -> None:
        counts[name][outcome] += 1

    @given(st.data(), f.kinds, st.booleans())
    def front_matter_yaml(data: st.DataObject, kind: str, unicode: bool) -> None:
        meta = data.draw(f.front_matter(kind))
        record("front matter (YAML)", f.check_document(kind, f"---\n{f.dump(meta, unicode)}"
                                                             "---\nBody.\n"))

    @given(f.kinds, f.raw_yaml, f.markdown)
    def front_matter_text(kind: str, yaml_text: str, body: str) -> None:
        record("front matter (raw text)", f.check_document(kind, f"---\n{yaml_text}\n---\n{body}"))

    @given(st.data(), f.kinds)
    def mutated(data: st.DataObject, kind: str) -> None:
        record("front matter (mutated)", f.check_document(
            kind, f"---\n{data.draw(f.mutated_yaml(kind))}---\nBody.\n"))

    @given(f.kinds, st.text(max_size=200))
    def whole_files(kind: str, text: str) -> None:
        record("whole files (any text)", f.check_document(kind, text))

    @given(f.kinds, f.markdown, st.booleans())
    def markdown(kind: str, body: str, raw_html: bool) -> None:
        record("Markdown bodies", f.check_document(
            kind, f"---\n{f.dump(f.VALID[kind], True)}---\n{body}", raw_html))

    @given(f.site_yaml(), st.none() | st.text(max_size=30))
    def site_yaml(text: str, base_url: str | None) -> None:
        record("site.yaml and --base-url", f.check_config(text, base_url))

    @given(f.output_paths)
    def output_paths(paths: list[str]) -> None:
        record("output paths (writer)", f.check_paths(paths))

    @given(st.data(), f.kinds, f.markdown)
    def builds(data: st.DataObject, kind: str, body: str) -> None:
        meta = data.draw(f.front_matter(kind))
        record("whole builds (documents)", f.check_build(
            f.in_file(kind, f"---\n{f.dump(meta, True)}---\n{body}")))

    @given(st.sampled_from([*(f"content/{k}" for k in f.CONTENT_KINDS), "static", "content"]),
           f.file_names, st.booleans())
    def file_names(folder: str, name: str, markdown_file: bool) -> None:
        name = f"{name}.md" if markdown_file else name
        text = f"---\n{f.dump(f.VALID.get(folder.rpartition('/')[2], {'title': 'T'}), True)}"
        record("whole builds (file names)", f.check_build(
            {f"{folder}/{name}": text + "---\nx\n" if name.endswith(".md") else b"bytes"}))

    return {"front matter (YAML)": (front_matter_yaml, False),
            "front matter (raw text)": (front_matter_text, False),
            "front matter (mutated)": (mutated, False),
            "whole files (any text)": (whole_files, False),
            "Markdown bodies": (markdown, False),
            "site.yaml and --base-url": (site_yaml, False),
            "output paths (writer)": (output_paths, False),
            "whole builds (documents)": (builds, True),
            "whole builds (file names)": (file_names, True)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--examples", type=int, default=5000, help="inputs per loader property")
    parser.add_argument("--builds", type=int, default=500, help="inputs per build property")
    parser.add_argument("--seed", type=int, default=None, help="for a reproducible run")
    parser.add_argument("-k", default="", help="only properties whose name contains this")
    args = parser.parse_args()
    counts: dict[str, Counter[str]] = {}
    total = Counter[str]()
    start = time.perf_counter()
    print(f"{'property':<28}{'tried':>8}{'ok':>8}{'error':>8}{'seconds':>9}")
    for name, (test, is_build) in properties(counts).items():
        if args.k.lower() not in name.lower():
            continue
        counts[name] = Counter()
        run = settings(max_examples=args.builds if is_build else args.examples, deadline=None,
                       database=None, suppress_health_check=list(HealthCheck))(test)
        if args.seed is not None:
            run = seed(args.seed)(run)
        began = time.perf_counter()
        try:
            run()
        finally:
            c = counts[name]
            total.update(c)
            print(f"{name:<28}{c.total():>8}{c['ok']:>8}{c['error']:>8}"
                  f"{time.perf_counter() - began:>9.1f}", flush=True)
    print(f"{'total':<28}{total.total():>8}{total['ok']:>8}{total['error']:>8}"
          f"{time.perf_counter() - start:>9.1f}")
    print("crashes: 0 (any exception other than CasefolioError stops the run)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
