"""The fast engine (markdown-it-pyrs) renders real content exactly as the reference engine
(markdown-it-py) does: every CommonMark spec example and markdown-it-py port fixture
(tests/fixtures/markdown-spec/, a copy of ../shared/markdown-spec/), every body of the example
site and of the benchmark corpus, with both raw_html settings. The fast engine must also take
most of them, or the speed is lost."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from generator.content import markdown
from generator.content.frontmatter import split
from tests.conftest import REPO

sys.path.insert(0, str(REPO / "bench"))
from gen_site import generate

SPEC = Path(__file__).parent / "fixtures" / "markdown-spec"
SHARED_SPEC = Path(__file__).resolve().parents[2] / "shared" / "markdown-spec"

pytestmark = pytest.mark.skipif(markdown.markdown_it_pyrs is None,
                                reason="markdown-it-pyrs is not installed (e.g. PyPy)")


def bodies(site: Path) -> list[tuple[str, str, int]]:
    """(path, Markdown body, line offset) of every content file of a site."""
    found = []
    for path in sorted((site / "content").glob("*/*.md")):
        front = split(path.read_text(encoding="utf-8"), path.name)
        found.append((path.relative_to(site).as_posix(), front.body, front.body_line - 1))
    return found


@pytest.fixture(scope="module")
def bench_corpus(tmp_path_factory: pytest.TempPathFactory) -> list[tuple[str, str, int]]:
    found = []
    for seed in (1, 2):
        site = generate(tmp_path_factory.mktemp(f"corpus{seed}") / "site", 60, seed=seed)
        found += bodies(site)
    return found


def check_parity(corpus: list[tuple[str, str, int]], raw_html: bool) -> int:
    """Assert parity over the corpus; return how many documents the fast engine took."""
    fast_used = 0
    for rel, body, offset in corpus:
        reference = markdown.render_reference(body, raw_html=raw_html, line_offset=offset)
        fast = markdown._render_fast(body, raw_html, offset)
        if fast is not None:
            fast_used += 1
            assert fast == reference, f"{rel}: the engines differ"
        assert markdown.render(body, raw_html=raw_html, line_offset=offset) == reference, rel
    return fast_used


@pytest.mark.parametrize("raw_html", [True, False])
def test_example_site_renders_the_same_with_both_engines(raw_html: bool) -> None:
    corpus = bodies(REPO)
    assert len(corpus) >= 10
    fast_used = check_parity(corpus, raw_html)
    assert fast_used >= len(corpus) // 2, "the fast engine declined most of the example site"


@pytest.mark.parametrize("raw_html", [True, False])
def test_bench_corpus_renders_the_same_with_both_engines(bench_corpus, raw_html: bool) -> None:
    fast_used = check_parity(bench_corpus, raw_html)
    assert fast_used == len(bench_corpus), "the benchmark corpus should need no fallback"


def fixture_cases(path: Path) -> list[tuple[str, str, int]]:
    """markdown-it-py's fixture format: a title line, `.`, the Markdown, `.`, the HTML, `.`."""
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    dots = [i for i, line in enumerate(lines) if line.rstrip() == "."]
    return [(f"{path.name}:{dots[k] + 1}", "".join(lines[dots[k] + 1 : dots[k + 1]]), 0)
            for k in range(0, len(dots) - 2, 3)]


def spec_corpus() -> list[tuple[str, str, int]]:
    examples = json.loads((SPEC / "commonmark.json").read_text(encoding="utf-8"))
    found = [(f"commonmark.json example {e['example']}", e["markdown"], 0) for e in examples]
    found.append(("spec.md", (SPEC / "spec.md").read_text(encoding="utf-8"), 0))
    for path in sorted(SPEC.glob("*.md")):
        if path.name not in ("README.md", "spec.md"):
            found += fixture_cases(path)
    return found


def test_the_spec_material_is_all_there() -> None:
    corpus = spec_corpus()
    assert len(corpus) == 652 + 1 + 142
    assert {name.partition(":")[0] for name, _, _ in corpus} >= {
        "commonmark_extras.md", "fatal.md", "issue-fixes.md", "normalize.md",
        "strikethrough.md", "tables.md", "xss.md"}


@pytest.mark.parametrize("raw_html", [True, False])
def test_spec_material_renders_the_same_with_both_engines(raw_html: bool) -> None:
    corpus = spec_corpus()
    differ, fast_used = [], 0
    for name, body, _ in corpus:
        reference = markdown.render_reference(body, raw_html=raw_html)
        fast = markdown._render_fast(body, raw_html, 0)
        fast_used += fast is not None
        if (fast is not None and fast != reference) or markdown.render(
                body, raw_html=raw_html) != reference:
            differ.append(name)
    assert not differ, f"{len(differ)} of {len(corpus)} differ: {', '.join(differ)}"
    assert fast_used >= len(corpus) * 8 // 10, "the fast engine declined too much of the spec"


def test_the_vendored_spec_material_is_the_shared_one() -> None:
    if not SHARED_SPEC.is_dir():
        pytest.skip(f"{SHARED_SPEC} is not here (e.g. in CI)")
    shared = {p.name: p.read_bytes() for p in SHARED_SPEC.iterdir()}
    assert shared == {p.name: p.read_bytes() for p in SPEC.iterdir()}
