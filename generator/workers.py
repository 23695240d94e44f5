"""The one pool helper: how many worker processes, whether forking is safe, a batch run in a
forked child beside the rest of the build, and a pause of the garbage collector while many
long-lived objects are made (parsing, rendering, images)."""

from __future__ import annotations

import contextlib
import ctypes
import gc
import multiprocessing
import os
import pickle
import signal
import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from multiprocessing.context import BaseContext
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


def worker_start(then: Callable[[], object] | None = None) -> None:
    """How every worker process starts: Ctrl-C is left to the process that started it (which
    stops its pool: a worker interrupted inside a queue's lock would leave the others waiting
    on it for ever), and on Linux it dies with that process, so that no worker outlives a
    killed build. `then`: the pool's own initializer."""
    parent = os.getppid()
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if hasattr(signal, "pthread_sigmask"):  # held back by the parent while it forked
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
    if sys.platform.startswith("linux"):
        with contextlib.suppress(Exception):
            ctypes.CDLL(None).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
        if os.getppid() != parent:  # it died before that took effect
            os._exit(1)
    if then is not None:
        then()


@contextlib.contextmanager
def process_pool(processes: int, context: BaseContext,
                 initializer: Callable[[], object] | None = None,
                 ) -> Iterator[ProcessPoolExecutor]:
    """A ProcessPoolExecutor whose workers start with worker_start; when the block fails (a
    problem, Ctrl-C), the tasks not started yet are cancelled instead of run."""
    pool = ProcessPoolExecutor(processes, mp_context=context, initializer=worker_start,
                               initargs=(initializer,))
    try:
        with interrupts_held():  # its workers are started (forked) by the first task
            pool.submit(int).result()
        yield pool
    except BaseException:
        pool.shutdown(wait=True, cancel_futures=True)
        raise
    pool.shutdown(wait=True)


@contextlib.contextmanager
def interrupts_held() -> Iterator[None]:
    """Ctrl-C held back while processes are forked: a child is born with it held and lets it
    go once it ignores it (worker_start), instead of being interrupted while it starts; this
    process gets it right after."""
    held = _hold_interrupts()
    try:
        yield
    finally:
        _release_interrupts(held)


def _hold_interrupts() -> set[int | signal.Signals] | None:
    if (not hasattr(signal, "pthread_sigmask")
            or threading.current_thread() is not threading.main_thread()):
        return None
    return signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})


def _release_interrupts(held: set[int | signal.Signals] | None) -> None:
    if held is not None:
        signal.pthread_sigmask(signal.SIG_SETMASK, held)


class Forked(Generic[T]):
    """`work()` run in a forked child process while this one goes on; `result()` waits for it.
    For a batch that needs what this process has made (the linked site) and is best done beside
    other work: a build's images and share cards are drawn while its pages render, filling the
    cores that the single-process stages (linking, writing) leave idle. The child returns its
    result pickled through a pipe, or the CasefolioError that stopped it."""

    def __init__(self, work: Callable[[], T]) -> None:
        read, write = os.pipe()
        held = _hold_interrupts()  # (see interrupts_held; the child lets go in worker_start)
        self._pid = os.fork()
        if self._pid == 0:  # the child: never returns into the caller's code
            os.close(read)
            code = 0
            try:
                worker_start()  # Ctrl-C is the parent's: it stops this child (__exit__)
                signal.signal(signal.SIGTERM, _stop)
                try:
                    payload = pickle.dumps((True, work()), pickle.HIGHEST_PROTOCOL)
                except CasefolioError as exc:
                    payload = pickle.dumps((False, list(exc.problems)), pickle.HIGHEST_PROTOCOL)
                with os.fdopen(write, "wb") as pipe:
                    pipe.write(payload)
            except SystemExit:  # stopped: its own pool was shut down on the way out
                code = 1
            except BaseException:  # a bug: the parent reports the child's death
                traceback.print_exc()
                code = 1
            finally:
                os._exit(code)
        _release_interrupts(held)
        os.close(write)
        self._read = read

    def result(self) -> T:
        pipe, self._read = os.fdopen(self._read, "rb"), -1  # (closed with it, however it ends)
        with pipe:
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
        """Stop a child whose result was not asked for (the build failed meanwhile): asked to,
        it cancels its pool's work and waits for its workers, so none is left; killed if it
        has not ended within STOP_SECONDS."""
        if self._pid:
            # (ChildProcessError: reaped by result() just before a Ctrl-C arrived there)
            with contextlib.suppress(ChildProcessError, ProcessLookupError):
                os.kill(self._pid, signal.SIGTERM)
                for _tick in range(int(STOP_SECONDS / 0.01)):
                    if os.waitpid(self._pid, os.WNOHANG) != (0, 0):
                        break
                    time.sleep(0.01)
                else:
                    os.kill(self._pid, signal.SIGKILL)
                    os.waitpid(self._pid, 0)
            self._pid = 0
        if self._read >= 0:  # (result() not asked for, or Ctrl-C before it opened the pipe)
            os.close(self._read)
            self._read = -1


STOP_SECONDS = 10.0


def _stop(*_: object) -> None:
    raise SystemExit(1)
