"""The one pool helper: how many worker processes, whether forking is safe, a batch run in a
forked child beside the rest of the build, and a pause of the garbage collector while many
long-lived objects are made (parsing, rendering, images)."""

from __future__ import annotations

import contextlib
import gc
import multiprocessing
import os
import pickle
import signal
import threading
import traceback
from collections.abc import Callable, Iterator
from typing import Generic, TypeVar

from generator.errors import CasefolioError

T = TypeVar("T")


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


class Forked(Generic[T]):
    """`work()` run in a forked child process while this one goes on; `result()` waits for it.
    For a batch that needs what this process has made (the linked site) and is best done beside
    other work: a build's images and share cards are drawn while its pages render, filling the
    cores that the single-process stages (linking, writing) leave idle. The child returns its
    result pickled through a pipe, or the CasefolioError that stopped it."""

    def __init__(self, work: Callable[[], T]) -> None:
        read, write = os.pipe()
        self._pid = os.fork()
        if self._pid == 0:  # the child: never returns into the caller's code
            os.close(read)
            code = 0
            try:
                try:
                    payload = pickle.dumps((True, work()), pickle.HIGHEST_PROTOCOL)
                except CasefolioError as exc:
                    payload = pickle.dumps((False, list(exc.problems)), pickle.HIGHEST_PROTOCOL)
                with os.fdopen(write, "wb") as pipe:
                    pipe.write(payload)
            except BaseException:  # a bug: the parent reports the child's death
                traceback.print_exc()
                code = 1
            finally:
                os._exit(code)
        os.close(write)
        self._read = read

    def result(self) -> T:
        with os.fdopen(self._read, "rb") as pipe:
            payload = pipe.read()
        _, status = os.waitpid(self._pid, 0)
        self._pid = 0
        if status != 0 or not payload:
            raise RuntimeError(f"a forked worker failed (wait status {status})")
        done, value = pickle.loads(payload)
        if not done:
            raise CasefolioError(value)
        return value  # type: ignore[no-any-return]

    def __enter__(self) -> Forked[T]:
        return self

    def __exit__(self, *_: object) -> None:
        """Stop a child whose result was not asked for (the build failed meanwhile)."""
        if self._pid:
            os.kill(self._pid, signal.SIGKILL)
            os.waitpid(self._pid, 0)
            os.close(self._read)
            self._pid = 0
