"""The two big batches of a build on every core: parsing sources, and rendering pages.

`load_document` and `render_page` are pure, so a worker process returns exactly what this
process would have; results come back in order and the build is byte-identical to a
single-process one. A pool costs a few tens of milliseconds to start and each result must be
pickled back, so small batches stay in this process.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future

from generator.content.document import Document, Reading, load_document
from generator.content.sources import Source
from generator.errors import CasefolioError, Problem
from generator.output.keys import plan
from generator.output.pages import Route
from generator.output.render import render_page, site_globals
from generator.output.theme import Theme
from generator.output.writer import Output, Spool, Spooled
from generator.site import Site
from generator.workers import can_fork, collector_paused, process_pool
from generator.workers import processes as pool_size

MIN_PARALLEL = 200  # documents to parse before a pool pays for itself (~1 ms each)
CHUNK = 32          # documents per task: big enough to amortise a round trip
MIN_PAGES = 300     # pages to render before a pool pays (~1 ms each; fork only, see below)
PAGE_CHUNK = 64

Loaded = Document | list[Problem]  # a Document, or every problem that stopped it

_pending: Sequence[Source] = ()   # what the workers parse; inherited by fork, else sent


def load_all(sources: Sequence[Source], reading: Reading,
             known: Mapping[tuple[str, str, tuple[bool, str]], Document],
             processes: int | None = None,
             meanwhile: Callable[[], None] | None = None) -> list[Loaded]:
    """Each source's Document (reused from `known` when its bytes did not change) or its
    problems, in source order. processes=None picks a pool only when there is enough work.
    `meanwhile`: run by this process while a pool parses (it would only wait)."""
    results: list[Loaded | None] = [known.get((s.rel, s.fingerprint, reading.options))
                                    for s in sources]
    todo = [i for i, r in enumerate(results) if r is None]
    if processes is None:
        processes = pool_size(len(todo), MIN_PARALLEL)
    with collector_paused():  # else every Document made so far is rescanned, again and again
        if processes > 1 and todo:
            _load_in_pool([sources[i] for i in todo], reading, processes, todo, results,
                          meanwhile)
        else:
            for i in todo:
                results[i] = _load_one(sources[i], reading)
    return results  # type: ignore[return-value]


def _load_one(source: Source, reading: Reading) -> Loaded:
    try:
        return load_document(source, reading)
    except CasefolioError as exc:
        return list(exc.problems)


def _load_chunk(start: int, end: int, reading: Reading) -> list[Loaded]:
    with collector_paused():
        return [_load_one(s, reading) for s in _pending[start:end]]


def _load_chunk_sent(sources: list[Source], reading: Reading) -> list[Loaded]:
    with collector_paused():
        return [_load_one(s, reading) for s in sources]


def _load_in_pool(pending: list[Source], reading: Reading, processes: int, where: list[int],
                  results: list[Loaded | None],
                  meanwhile: Callable[[], None] | None = None) -> None:
    """Workers parse chunks; this process only hands them out and unpickles the results
    (measured: faster than also parsing here, whose work then competes with that). Except the
    first source, before forking: what its parse loads and compiles once per process (lexers,
    validators, parsers: ~70 ms) each forked worker then inherits instead of redoing."""
    global _pending
    fork = can_fork()
    context = multiprocessing.get_context("fork" if fork else "spawn")
    first = 0
    if fork:
        results[where[0]] = _load_one(pending[0], reading)
        first = 1
    _pending = pending
    try:
        with process_pool(processes, context) as pool:
            futures: list[tuple[int, Future[list[Loaded]]]] = []
            for a in range(first, len(pending), CHUNK):
                b = min(a + CHUNK, len(pending))
                futures.append((a, pool.submit(_load_chunk, a, b, reading) if fork
                                else pool.submit(_load_chunk_sent, pending[a:b], reading)))
            if meanwhile is not None:
                meanwhile()
            for a, future in futures:
                for offset, loaded in enumerate(future.result()):
                    results[where[a + offset]] = loaded
    finally:
        _pending = ()


Rendered = bytes | Spooled | list[Problem]  # a page, or the problems that stopped it

_pages: tuple[list[Route], Site, Theme, Spool | None] | None = None  # for the workers (fork)


def render_all(routes: list[Route], site: Site, theme: Theme,
               previous: Mapping[str, Output] | None = None,
               on_page: Callable[[int, int], None] | None = None,
               processes: int | None = None, spool: Spool | None = None) -> list[Output]:
    """render.render_routes, with the pages to render shared among forked workers when there
    are many. Only fork: a worker must inherit the site and the compiled templates, which
    would cost more to send than to render; where fork is unsafe, one process renders all.
    With a spool, each page goes there as soon as it is rendered (and a worker sends back
    only where it put it)."""
    outputs, keys = plan(routes, site, theme, previous)
    todo = [i for i, output in enumerate(outputs) if output is None]
    if processes is None:
        processes = pool_size(len(todo), MIN_PAGES)
    done = len(routes) - len(todo)

    def progress(count: int) -> None:
        nonlocal done
        done += count
        if on_page:
            on_page(done, len(routes))

    pages: list[Rendered] = []
    if processes > 1 and len(todo) > 1 and can_fork() and _compiled(routes, todo, theme):
        pages = _render_in_pool(routes, site, theme, todo, processes, progress, spool)
    else:
        shared = site_globals(site)
        for i in todo:
            page = render_page(routes[i], site.config, theme, shared)
            pages.append(spool.put(page) if spool else page)
            progress(1)
    for i, made in zip(todo, pages, strict=True):
        if isinstance(made, list):  # the first failing page in route order, as one process
            raise CasefolioError(made)
        outputs[i] = Output(routes[i].path, made, keys[i])
    if not todo:
        progress(0)
    return outputs  # type: ignore[return-value]


def _compiled(routes: list[Route], todo: list[int], theme: Theme) -> bool:
    """Compile every template to render before forking, so workers inherit them; False when
    one does not compile (one process then reports it as it would anyway)."""
    try:
        for name in sorted({routes[i].template for i in todo}):
            theme.env.get_template(name)
    except Exception:
        return False
    return True


def _render_in_pool(routes: list[Route], site: Site, theme: Theme, todo: list[int],
                    processes: int, progress: Callable[[int], None],
                    spool: Spool | None) -> list[Rendered]:
    """Workers render chunks of `todo`. A build kept in memory (`serve`: no spool) renders
    its list pages in this process meanwhile: their cards' html is then remembered here
    (kinds/registry.py `Remembered`), so that a later rebuild that renders a list again
    (a service's page of 1,400 studies after a price edit, at 10,000) finds it made,
    and the workers forked then inherit it."""
    global _pages
    _pages = (routes, site, theme, spool)
    context = multiprocessing.get_context("fork")
    mine = [] if spool is not None else [i for i in todo if _lists(routes[i])]
    taken = set(mine)
    theirs = [i for i in todo if i not in taken] if mine else todo
    made: dict[int, Rendered] = {}
    try:
        with process_pool(processes, context) as pool:
            futures = [(theirs[a:a + PAGE_CHUNK], pool.submit(_render_chunk,
                                                              theirs[a:a + PAGE_CHUNK]))
                       for a in range(0, len(theirs), PAGE_CHUNK)]
            if mine:
                made.update(zip(mine, _render_chunk(mine), strict=True))
                progress(len(mine))
            for chunk, future in futures:
                made.update(zip(chunk, future.result(), strict=True))
                progress(len(chunk))
    finally:
        _pages = None
    return [made[i] for i in todo]


LIST_CARDS = 100  # cards a page reads to count as a list page (_render_in_pool)


def _lists(route: Route) -> bool:
    """Whether the page lists many cards (it reads `card:<id>` of each, output/pages.py)."""
    return sum(1 for r in route.reads if r.startswith("card:")) >= LIST_CARDS


def _render_chunk(indexes: list[int]) -> list[Rendered]:
    assert _pages is not None
    routes, site, theme, spool = _pages
    shared = site_globals(site)
    out: list[Rendered] = []
    with collector_paused():
        for i in indexes:
            try:
                page = render_page(routes[i], site.config, theme, shared)
                out.append(spool.put(page) if spool else page)
            except CasefolioError as exc:
                out.append(list(exc.problems))
    return out
