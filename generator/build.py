"""The build, top to bottom: config -> sources -> documents -> site -> theme -> outputs -> write."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from generator.config import BuildOptions, Config, load_config
from generator.content import Document, load_document
from generator.errors import CasefolioError, Problem, fail_if
from generator.render import Output, render_routes, routes
from generator.site import Site, build_site, published
from generator.sources import Source, read_sources
from generator.theme import load_theme
from generator.writer import check_output_dir, write_site


@dataclass
class BuildState:
    """What one build hands the next (in `serve`, or through the on-disk cache): parsed
    documents by content fingerprint and the last outputs with their keys."""

    documents: dict[tuple[str, str, bool], Document] = field(default_factory=dict)
    outputs: dict[str, Output] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class BuildResult:
    site: Site
    outputs: tuple[Output, ...]
    warnings: tuple[Problem, ...]
    rendered: int          # pages actually rendered (not reused)
    timings: dict[str, float]

    @property
    def pages(self) -> int:
        return sum(1 for o in self.outputs if o.path.endswith(".html"))


def build(site_dir: Path, options: BuildOptions = BuildOptions(),
          state: BuildState | None = None,
          on_page: Callable[[int, int], None] | None = None) -> BuildResult:
    """Build the whole site in memory; raise CasefolioError with every problem found."""
    state = state if state is not None else BuildState()
    timings: dict[str, float] = {}
    with _timed(timings, "config"):
        config = load_config(site_dir, options)
    with _timed(timings, "discovery"):
        sources, assets, problems = read_sources(site_dir)
    with _timed(timings, "markdown"):
        documents = load_documents(sources, config, state, problems)
    fail_if(problems)
    with _timed(timings, "site"):
        site, site_problems = build_site(config, published(documents, config), assets)
        problems += site_problems + unique_urls(documents)
    fail_if(problems)
    with _timed(timings, "templates"):
        theme = load_theme(config)
        page_routes = routes(site)
        outputs = render_routes(page_routes, site, theme, state.outputs, on_page)
    rendered = sum(1 for o in outputs if state.outputs.get(o.path) is not o)
    with _timed(timings, "assets"):
        outputs += [Output(a.out, a.source.read_bytes(), "") for a in theme.assets]
        outputs += [Output(a.out, (site_dir / a.rel).read_bytes(), a.fingerprint)
                    for a in site.assets]
        problems += colliding_outputs(outputs)
    fail_if(problems)
    state.outputs = {o.path: o for o in outputs}
    return BuildResult(site, tuple(outputs), tuple(p for p in problems
                                                   if p.severity == "warning"),
                       rendered, timings)


def build_to(site_dir: Path, out_dir: Path, options: BuildOptions = BuildOptions(),
             force: bool = False, state: BuildState | None = None,
             on_page: Callable[[int, int], None] | None = None) -> BuildResult:
    """Build, then write atomically: on any error the previous output stays untouched."""
    check_output_dir(out_dir, site_dir, force)
    result = build(site_dir, options, state, on_page)
    with _timed(result.timings, "writing"):
        write_site(result.outputs, out_dir)
    return result


def load_documents(sources: list[Source], config: Config, state: BuildState,
                   problems: list[Problem]) -> list[Document]:
    """Parse and render each source, reusing documents whose bytes did not change."""
    raw_html = config.settings.markdown.raw_html
    documents: list[Document] = []
    fresh: dict[tuple[str, str, bool], Document] = {}
    for source in sources:
        key = (source.rel, source.fingerprint, raw_html)
        doc = state.documents.get(key)
        if doc is None:
            try:
                doc = load_document(source, raw_html)
            except CasefolioError as exc:
                problems.extend(exc.problems)
                continue
        fresh[key] = doc
        documents.append(doc)
    state.documents = fresh
    return documents


def unique_urls(documents: list[Document]) -> list[Problem]:
    """Two files that want the same URL: name both."""
    seen: dict[str, Document] = {}
    problems = []
    for doc in documents:
        first = seen.setdefault(doc.id, doc)
        if first is not doc:
            problems.append(Problem(doc.rel, doc.line("slug"), f"same URL as {first.rel} "
                                    f"(both are `{doc.id}`)", "give one of them another `slug:`"))
    return problems


def colliding_outputs(outputs: list[Output]) -> list[Problem]:
    seen: set[str] = set()
    problems = []
    for output in outputs:
        if output.path in seen:
            problems.append(Problem(output.path, None, "two things want to write this file "
                                    "(a page slug and a static file or section?)",
                                    "rename the page's slug or the static file"))
        seen.add(output.path)
    return problems


@contextmanager
def _timed(timings: dict[str, float], stage: str) -> Iterator[None]:
    start = time.perf_counter()
    try:
        yield
    finally:
        timings[stage] = timings.get(stage, 0.0) + time.perf_counter() - start
