"""The build, top to bottom: config -> sources -> documents -> site -> theme -> outputs -> write."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from generator.cache_saver import CacheSaver
from generator.config import BuildOptions, Config, load_config
from generator.content.document import Document, Reading
from generator.content.sources import Source, of_kinds
from generator.errors import CasefolioError, Problem, fail_if
from generator.incremental import cache, prose
from generator.incremental.memo import (
    cards_ahead,
    copy_asset,
    few_replaced,
    image_outputs,
    link_site,
    theme_for,
)
from generator.incremental.reads import read_changed, read_inputs
from generator.incremental.rerender import render_early, render_pages
from generator.incremental.stamp import (
    Inputs,
    inputs_now,
    reads_from_cache,
    reads_to_cache,
    stamp_of,
    up_to_date,
)
from generator.incremental.state import BuildState, InputsMemo, LoadedMemo
from generator.kinds.registry import for_site
from generator.kinds.registry import load as load_registry
from generator.output.clashes import colliding_outputs, theme_ids_taken, unique_urls
from generator.output.headers import headers_outputs
from generator.output.pages import Route
from generator.output.redirects import with_redirects
from generator.output.theme import is_hidden
from generator.output.writer import Output, Spool, check_output_dir, write_site
from generator.parallel import load_all
from generator.site import Site
from generator.workers import collector_paused


@dataclass(frozen=True, slots=True)
class BuildResult:
    site: Site | None      # None when nothing was built (up_to_date)
    outputs: tuple[Output, ...]
    warnings: tuple[Problem, ...]
    rendered: int          # pages actually rendered (not reused)
    timings: dict[str, float]
    up_to_date: bool = False  # nothing changed since the last `casefolio build`: nothing done
    page_count: int = 0    # the pages in the output folder, when up_to_date

    @property
    def pages(self) -> int:
        if self.up_to_date:
            return self.page_count
        return sum(1 for o in self.outputs if o.path.endswith(".html"))


def build(site_dir: Path, options: BuildOptions = BuildOptions(),
          state: BuildState | None = None,
          on_page: Callable[[int, int], None] | None = None,
          changed: Iterable[Path] | None = None, spool: Spool | None = None,
          parsed: Callable[[Config, list[Document]], None] | None = None,
          first: Callable[[list[Output]], None] | None = None) -> BuildResult:
    """Build the whole site in memory; raise CasefolioError with every problem found.

    `changed`: the files a watcher saw change since the build that made `state` (None: not
    known, look at every file). `spool`: where new pages and images go as they are made,
    instead of memory (a one-off build's outputs are written once and not kept). `parsed`:
    told the documents as soon as they are loaded (a one-off build saves them meanwhile).
    `first`: given the edited documents' own pages as soon as they are rendered, before the
    others (`serve` writes them at once), when a rebuild renders a few pages again."""
    # Pausing the cyclic GC for the build: serve rebuild on 1,000 studies 441 -> 309 ms median.
    with collector_paused():
        return _build(site_dir, options, state, on_page, changed, spool, parsed, first)


def _build(site_dir: Path, options: BuildOptions, state: BuildState | None,
           on_page: Callable[[int, int], None] | None,
           changed: Iterable[Path] | None = None, spool: Spool | None = None,
           parsed: Callable[[Config, list[Document]], None] | None = None,
           first: Callable[[list[Output]], None] | None = None) -> BuildResult:
    state = state if state is not None else BuildState()
    timings: dict[str, float] = {}
    with _timed(timings, "config"):
        try:
            config = load_config(site_dir, options)
        except CasefolioError as exc:  # still say what is wrong in the content files
            raise CasefolioError([*exc.problems, *_content_problems(site_dir)]) from None
    with _timed(timings, "discovery"):
        known = read_changed(site_dir, state, changed)
        problems: list[Problem] = []
        if known is not None:
            sources, assets = known
        else:
            sources, assets, problems = read_inputs(site_dir, state, config.link_roots)
            state.inputs = None if problems else InputsMemo(sources, assets)
        sources, outside = of_kinds(sources, for_site(config).folders)
        problems += outside
    with _timed(timings, "markdown"):
        documents = load_documents(sources, config, state, problems)
        problems += [w for doc in documents for w in doc.warnings]
        if parsed is not None:
            parsed(config, documents)
    broken = frozenset(p.path for p in problems if p.severity == "error")
    with cards_ahead(config, documents, site_dir, None if broken else spool), \
            _timed(timings, "site"):  # linking what did load: every error of the build at once
        early: dict[str, Output] = {}

        def render_first(site: Site, routes: list[Route]) -> None:
            """The edited page at once, before the other pages' routes are patched."""
            if first is not None and not broken and all(p.severity != "error"
                                                        for p in problems):
                with contextlib.suppress(CasefolioError):  # (reported below, in its turn)
                    early.update(render_early(routes, site, theme_for(config, state), state,
                                              first))
        site, site_problems, page_routes, edited = link_site(
            config, documents, assets, state, broken, render_first if first else None)
        problems += site_problems + unique_urls(documents)
    fail_if(problems)
    with image_outputs(site, site_dir, state, spool) as images:  # maybe drawn meanwhile
        with _timed(timings, "templates"):
            theme = theme_for(config, state)
            fail_if(theme_ids_taken(documents, site, theme))
            outputs = render_pages(page_routes, site, theme, state, on_page, edited, spool,
                                   None if early else first, early)
        rendered = sum(1 for o in outputs if state.outputs.get(o.path) is not o)
        with _timed(timings, "assets"):
            outputs += [Output(a.out, a.data, "") for a in theme.assets]
            outputs += [copy_asset(site_dir, a, state) for a in site.assets]
            outputs += images()
    with _timed(timings, "assets"):
        outputs = with_redirects(outputs, site.redirects, config.base_path,
                                 site_dir / "static" / "_redirects")
        outputs += headers_outputs(outputs, config.base_path)
        paths = [o.path for o in outputs]
        if paths != state.paths:  # the same paths as last build's are known not to collide
            problems += colliding_outputs(outputs)
    fail_if(problems)
    state.outputs = {o.path: o for o in outputs}
    state.paths = paths
    return BuildResult(site, tuple(outputs), tuple(p for p in problems
                                                   if p.severity == "warning"),
                       rendered, timings)


def build_to(site_dir: Path, out_dir: Path, options: BuildOptions = BuildOptions(),
             force: bool = False, state: BuildState | None = None,
             on_page: Callable[[int, int], None] | None = None) -> BuildResult:
    """Build, then write: on any error the previous output stays untouched. A one-off build
    (no state) starts from, and leaves, the on-disk cache, and does nothing at all when
    nothing the output depends on changed since the last one."""
    with collector_paused():  # loading and saving the cache make ~100 objects a page too
        return _build_to(site_dir, out_dir, options, force, state, on_page)


def _build_to(site_dir: Path, out_dir: Path, options: BuildOptions, force: bool,
              state: BuildState | None, on_page: Callable[[int, int], None] | None,
              ) -> BuildResult:
    timings: dict[str, float] = {}
    fresh = state is None
    inputs: Inputs | None = None
    if fresh:
        with _timed(timings, "up to date"):
            inputs = inputs_now(site_dir, out_dir, options)
            last = up_to_date(inputs, site_dir, out_dir)
        if last is not None:
            return BuildResult(None, (), last.warnings, 0, timings, up_to_date=True,
                               page_count=last.pages)
        if not force:
            with _timed(timings, "prose"):
                redone = prose.redo(site_dir, out_dir, options, inputs)
            if redone is not None:
                outputs, warnings, rendered, _ = redone
                return BuildResult(None, tuple(outputs), warnings, rendered, timings)
    check_output_dir(out_dir, site_dir, force)
    if state is None:
        with _timed(timings, "cache"):
            documents, previous = cache.load(site_dir, out_dir)
            files = reads_from_cache(site_dir)
        state = BuildState(documents=documents, outputs=previous, files=files)
    spool = Spool(out_dir) if fresh else None  # a one-off build keeps no output in memory
    try:
        with CacheSaver(site_dir, state, inputs, fresh) as saver:
            result = build(site_dir, options, state, on_page, spool=spool,
                           parsed=saver.parsed if fresh else None)
            result.timings.update(timings)
            saver.built(result.site)
            with _timed(result.timings, "writing"):
                write_site(result.outputs, out_dir, in_place=not force)
            if fresh:
                with _timed(result.timings, "cache"):
                    stamp = stamp_of(result.outputs, result.warnings, result.pages, inputs,
                                     state, out_dir)
                    saver.saved(stamp)
                    cache.save_state(site_dir, state.outputs, out_dir,
                                     reads_to_cache(state, inputs), stamp)
    finally:
        if spool is not None:
            spool.discard()
    return result


def _content_problems(site_dir: Path) -> list[Problem]:
    """The errors of reading and parsing every content file, without a configuration."""
    if not (site_dir / "site.yaml").is_file():
        return []  # not a site at all: the missing site.yaml says enough
    registry = load_registry(site_dir.resolve(), ())  # its plugins are named in site.yaml
    sources, _, problems = read_inputs(site_dir, BuildState())
    sources, outside = of_kinds(sources, registry.folders)
    problems += outside
    for loaded in load_all(sources, registry.reading(True), {}):
        if isinstance(loaded, list):
            problems.extend(loaded)
    return [p for p in problems if p.severity == "error"]


@contextmanager
def _timed(timings: dict[str, float], stage: str) -> Iterator[None]:
    start = time.perf_counter()
    try:
        yield
    finally:
        timings[stage] = timings.get(stage, 0.0) + time.perf_counter() - start


# The memo'd stage that parses on the pool (parallel.py): here rather than in incremental/,
# where, importing memo.py, it would make the import chain one module longer.


def load_documents(sources: list[Source], config: Config, state: BuildState,
                   problems: list[Problem]) -> list[Document]:
    """Parse and render each source (on every core when there are many), reusing documents
    whose bytes did not change."""
    markdown = config.settings.markdown
    reading = for_site(config).reading(markdown.raw_html, markdown.anchors)
    options = reading.options
    reloaded = _reload(sources, reading, state)
    if reloaded is not None:
        return reloaded
    documents: list[Document] = []
    fresh: dict[tuple[str, str, tuple[bool, str]], Document] = {}
    loaded_all = load_all(sources, reading, state.documents,
                          meanwhile=lambda: _theme_ahead(config, state))
    for source, loaded in zip(sources, loaded_all, strict=True):
        if isinstance(loaded, list):  # the problems that stopped it
            problems.extend(loaded)
            continue
        fresh[(source.rel, source.fingerprint, options)] = loaded
        documents.append(loaded)
    state.documents = fresh
    state.loaded = None if problems else LoadedMemo(options, sources, documents)
    return documents


def _theme_ahead(config: Config, state: BuildState) -> None:
    """The theme loaded and every template compiled while workers parse (this process would
    only wait; ~0.4 s of a cold build otherwise spent between linking and rendering). A
    problem is left for theme_for and the renderer to report where they always do."""
    try:
        theme = theme_for(config, state)
        for name in theme.env.list_templates():
            if not is_hidden(name):
                theme.env.get_template(name)
    except Exception:  # reported by the build's own theme_for, in its place
        return


def _reload(sources: list[Source], reading: Reading, state: BuildState,
            ) -> list[Document] | None:
    """Last build's documents with only the few sources that are new objects loaded again
    (after read_changed: the files the watcher reported); None when that does not apply or
    one of them has problems (the full path reports them)."""
    last, options = state.loaded, reading.options
    changed = (few_replaced(last.sources, sources)
               if last is not None and last.options == options else None)
    if last is None or changed is None:
        return None
    tried = load_all([sources[i] for i in changed], reading, state.documents, processes=1)
    loaded = [doc for doc in tried if isinstance(doc, Document)]
    if len(loaded) != len(tried):
        return None
    documents = list(last.documents)
    for i, doc in zip(changed, loaded, strict=True):
        old = last.sources[i]
        state.documents.pop((old.rel, old.fingerprint, options), None)
        state.documents[(sources[i].rel, sources[i].fingerprint, options)] = doc
        documents[i] = doc
    state.loaded = LoadedMemo(options, sources, documents)
    return documents
