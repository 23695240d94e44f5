"""The one pool helper: how many worker processes, whether forking is safe, and a pause of
the garbage collector while many long-lived objects are made (parsing, rendering, images)."""

from __future__ import annotations

import contextlib
import gc
import multiprocessing
import os
import threading
from collections.abc import Iterator


def processes(work: int, minimum: int) -> int:
    """Every core when there is at least `minimum` work; CASEFOLIO_PROCESSES=N overrides
    (1 = no pool)."""
    forced = os.environ.get("CASEFOLIO_PROCESSES", "")
    if forced.isdigit() and int(forced) > 0:
        return int(forced)
    return (os.cpu_count() or 1) if work >= minimum else 1


def can_fork() -> bool:
    """fork is fastest (workers inherit the work and the imports, nothing to send) but unsafe
    once other threads exist (the dev server's watcher, say): callers then spawn fresh
    interpreters or use threads instead."""
    return "fork" in multiprocessing.get_all_start_methods() and threading.active_count() == 1


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """No cyclic garbage collection while making many long-lived objects (a build, a cache
    load): the collector would walk them again and again for nothing. Cycles are collected
    afterwards."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
