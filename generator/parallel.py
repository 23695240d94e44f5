"""Parse and render many sources at once: known ones from the cache, the rest on every core.

`load_document` is pure, so a worker process returns exactly what this process would have;
results come back in source order and the build is byte-identical to a single-process one.
A pool costs a few tens of milliseconds to start and each Document must be pickled back, so
small batches stay in this process.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
from collections.abc import Mapping, Sequence
from concurrent.futures import Future, ProcessPoolExecutor

from generator.cache import collector_paused
from generator.content import Document, load_document
from generator.errors import CasefolioError, Problem
from generator.sources import Source

MIN_PARALLEL = 200  # documents to parse before a pool pays for itself (~1 ms each)
CHUNK = 32          # documents per task: big enough to amortise a round trip

Loaded = Document | list[Problem]  # a Document, or every problem that stopped it

_pending: Sequence[Source] = ()   # what the workers parse; inherited by fork, else sent


def load_all(sources: Sequence[Source], raw_html: bool,
             known: Mapping[tuple[str, str, bool], Document],
             processes: int | None = None) -> list[Loaded]:
    """Each source's Document (reused from `known` when its bytes did not change) or its
    problems, in source order. processes=None picks a pool only when there is enough work."""
    results: list[Loaded | None] = [known.get((s.rel, s.fingerprint, raw_html))
                                    for s in sources]
    todo = [i for i, r in enumerate(results) if r is None]
    if processes is None:
        processes = _processes(len(todo))
    with collector_paused():  # else every Document made so far is rescanned, again and again
        if processes > 1 and todo:
            _load_in_pool([sources[i] for i in todo], raw_html, processes, todo, results)
        else:
            for i in todo:
                results[i] = _load_one(sources[i], raw_html)
    return results  # type: ignore[return-value]


def _processes(work: int) -> int:
    """Every core when there is enough work; CASEFOLIO_PROCESSES=N overrides (1 = no pool)."""
    forced = os.environ.get("CASEFOLIO_PROCESSES", "")
    if forced.isdigit() and int(forced) > 0:
        return int(forced)
    return (os.cpu_count() or 1) if work >= MIN_PARALLEL else 1


def _load_one(source: Source, raw_html: bool) -> Loaded:
    try:
        return load_document(source, raw_html)
    except CasefolioError as exc:
        return list(exc.problems)


def _load_chunk(start: int, end: int, raw_html: bool) -> list[Loaded]:
    with collector_paused():
        return [_load_one(s, raw_html) for s in _pending[start:end]]


def _load_chunk_sent(sources: list[Source], raw_html: bool) -> list[Loaded]:
    with collector_paused():
        return [_load_one(s, raw_html) for s in sources]


def _load_in_pool(pending: list[Source], raw_html: bool, processes: int, where: list[int],
                  results: list[Loaded | None]) -> None:
    """Workers parse chunks; this process only hands them out and unpickles the results
    (measured: faster than also parsing here, whose work then competes with that)."""
    global _pending
    fork = _can_fork()
    context = multiprocessing.get_context("fork" if fork else "spawn")
    _pending = pending
    try:
        with ProcessPoolExecutor(processes, mp_context=context) as pool:
            futures: list[tuple[int, Future[list[Loaded]]]] = []
            for a in range(0, len(pending), CHUNK):
                b = min(a + CHUNK, len(pending))
                futures.append((a, pool.submit(_load_chunk, a, b, raw_html) if fork
                                else pool.submit(_load_chunk_sent, pending[a:b], raw_html)))
            for a, future in futures:
                for offset, loaded in enumerate(future.result()):
                    results[where[a + offset]] = loaded
    finally:
        _pending = ()


def _can_fork() -> bool:
    """fork is fastest (workers inherit the sources, nothing to import) but unsafe once other
    threads exist (the dev server's watcher, say): then spawn fresh interpreters instead."""
    return ("fork" in multiprocessing.get_all_start_methods()
            and threading.active_count() == 1)


