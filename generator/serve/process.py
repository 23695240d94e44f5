"""The server process's housekeeping: its heap between rebuilds, and signals while it runs."""

from __future__ import annotations

import contextlib
import gc
import signal
import threading
from collections.abc import Iterator


def set_aside() -> None:
    """After a rebuild, before the collector runs again: its objects join the frozen ones
    without a walk over them (gc.freeze splices lists). Collecting them there and then cost
    ~300 ms after a price edit at 10,000 pages (millions of young objects), during which a
    new save's events waited for the interpreter; their cycles wait for settle_heap(True)."""
    gc.freeze()


def settle_heap(everything: bool = False) -> None:
    """Collect what the last rebuild left, then keep the survivors out of later automatic
    collections (gc.freeze): a long-running `serve` holds millions of long-lived objects that
    each collection would otherwise walk again, at whatever moment the next save arrives.
    `everything` also looks again at the frozen objects (cycles among replaced ones: an old
    template environment, say); on 10,000 pages that takes ~150 ms, so it is done when idle."""
    if everything:
        gc.unfreeze()
    gc.collect()
    gc.freeze()


@contextlib.contextmanager
def interrupt_on_sigterm() -> Iterator[None]:
    """`kill`, and closing the terminal (SIGHUP), stop the server the way Ctrl-C does: the
    private folder, drafts and all, is removed."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt
    names = [n for n in ("SIGTERM", "SIGHUP") if hasattr(signal, n)]
    previous = {n: signal.signal(getattr(signal, n), interrupt) for n in names}
    try:
        yield
    finally:
        for name, handler in previous.items():
            signal.signal(getattr(signal, name), handler)


@contextlib.contextmanager
def ignoring_interrupts() -> Iterator[None]:
    """A second Ctrl-C (or kill) while stopping must not leave a traceback or a half-removed
    folder."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    names = [n for n in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, n)]
    previous = {n: signal.signal(getattr(signal, n), signal.SIG_IGN) for n in names}
    try:
        yield
    finally:
        for name, handler in previous.items():
            signal.signal(getattr(signal, name), handler)
