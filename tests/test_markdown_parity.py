"""The fast engine (markdown-it-pyrs) renders real content exactly as the reference engine
(markdown-it-py) does: every body of the example site and of the benchmark corpus, with both
raw_html settings. The fast engine must also take most of the corpus, or the speed is lost."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from generator.content import markdown
from generator.content.frontmatter import split
from tests.conftest import REPO

sys.path.insert(0, str(REPO / "bench"))
from gen_site import generate

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
