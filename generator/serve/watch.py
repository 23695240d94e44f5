"""Watchdog events -> debounced batches of changed input files.

Editors save in odd ways (write a temp file then rename it into place, delete then create,
several events per save, swap and backup files), so events are collected until the file system
has been quiet for a moment and handed over as one batch of paths; temp and backup files never
count, and a rename into place counts as a change of the target.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections.abc import Mapping
from pathlib import Path

from watchdog.events import (
    DirCreatedEvent,
    DirDeletedEvent,
    DirMovedEvent,
    FileAttribEvent,
    FileClosedEvent,
    FileCreatedEvent,
    FileDeletedEvent,
    FileModifiedEvent,
    FileMovedEvent,
    FileSystemEvent,
    FileSystemEventHandler,
)
from watchdog.observers import Observer
from watchdog.observers.api import BaseObserver, ObservedWatch
from watchdog.observers.polling import PollingObserver

from generator.content.sources import is_ignored_path

SITE_FOLDERS = ("content", "static", "templates", "themes")
QUIET = 0.01          # seconds of silence that end the burst of events one (closed) save makes
DELETE_QUIET = 0.15   # after a delete, wait longer: delete-then-create saves recreate the file
WRITE_QUIET = 0.3     # a file written but not yet closed: wait for the rest of its bytes
MAX_WAIT = 0.5        # a stream of events never holds a build back longer than this
# Only events that can mean new bytes: our own reads (opened, closed unwritten) never count.
EVENTS = [FileCreatedEvent, FileDeletedEvent, FileModifiedEvent, FileMovedEvent,
          FileClosedEvent, FileAttribEvent, DirCreatedEvent, DirDeletedEvent, DirMovedEvent]


class Watcher(FileSystemEventHandler):
    """Watches site.yaml, content/, static/, templates/, themes/ and the active theme."""

    def __init__(self, site_dir: Path, *, poll: bool = False) -> None:
        super().__init__()
        self.site_dir = site_dir.resolve()
        self.poll = poll
        self._observer: BaseObserver = PollingObserver(timeout=0.5) if poll else Observer()
        self._watches: dict[Path, ObservedWatch] = {}
        self._themes: set[Path] = set()
        self._lock = threading.Condition()
        self._pending: set[Path] = set()
        self._first = self._last = 0.0
        self._deleted = False
        self._writing: set[Path] = set()      # written to and not closed yet (inotify only)
        self._seen: dict[Path, float] = {}   # path -> monotonic time of its last event
        self._stopped = False

    def start(self) -> None:
        self._observer.schedule(self, str(self.site_dir), recursive=False, event_filter=EVENTS)
        self._schedule_folders()
        self._observer.start()

    def stop(self) -> None:
        with self._lock:
            self._stopped = True
            self._lock.notify_all()
        self._observer.stop()
        with contextlib.suppress(RuntimeError):
            self._observer.join(timeout=5)

    def follow_theme(self, theme_dir: Path) -> None:
        """Also watch the active theme when it lives outside the site (a built-in theme)."""
        theme_dir = theme_dir.resolve()
        if theme_dir in self._themes or theme_dir.is_relative_to(self.site_dir):
            return
        for old in self._themes:
            self._unschedule(old)
        self._themes = {theme_dir}
        self._schedule(theme_dir)

    def next_batch(self, timeout: float | None = None) -> frozenset[Path] | None:
        """Block until a save's burst of events is over; the changed paths, or None on timeout
        or stop. Events that arrive while the caller builds make up the next batch."""
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._lock:
            while not self._pending and not self._stopped:
                left = None if deadline is None else deadline - time.monotonic()
                if left is not None and left <= 0:
                    return None
                self._lock.wait(left)
            while not self._stopped:
                quiet = DELETE_QUIET if self._deleted else WRITE_QUIET if self._writing else QUIET
                left = min(self._last + quiet, self._first + MAX_WAIT) - time.monotonic()
                if left <= 0:
                    break
                self._lock.wait(left)
            if self._stopped:
                return None
            batch, self._pending, self._deleted = frozenset(self._pending), set(), False
            self._writing.clear()
        replaced = [p for p in batch if p.parent == self.site_dir and p.name in SITE_FOLDERS]
        for folder in replaced:  # created, deleted or moved: its old watch (if any) is dead
            self._unschedule(folder)
        if replaced:
            self._schedule_folders()
        return batch

    def seen_since(self, path: Path, since: float) -> bool:
        """Whether an event for this path arrived after `since` (a time.monotonic())."""
        with self._lock:
            return self._seen.get(path, -1.0) >= since

    def relevant(self, path: Path) -> bool:
        """Is this path one of the site's inputs (and not an editor's temp or backup file)?"""
        for root in (self.site_dir, *self._themes):
            if path.is_relative_to(root):
                parts = path.relative_to(root).parts
                if root == self.site_dir and not (parts == ("site.yaml",) or (
                        parts and parts[0] in SITE_FOLDERS)):
                    return False
                return bool(parts) and not is_ignored_path(parts)
        return False

    def on_any_event(self, event: FileSystemEvent) -> None:
        src = Path(os.fsdecode(event.src_path))
        dest = Path(os.fsdecode(event.dest_path)) if event.dest_path else None
        changed = [p for p in (src, dest) if p is not None and self.relevant(p)]
        if not changed or (event.is_directory and event.event_type == "modified"):
            return
        # A delete, or a rename away to a backup name (vim): the file may be about to return.
        gone = event.event_type == "deleted" or (
            event.event_type == "moved" and (dest is None or not self.relevant(dest)))
        now = time.monotonic()
        with self._lock:
            if not self._pending:
                self._first = now
            self._last = now
            self._pending.update(changed)
            for path in changed:
                self._seen[path] = now
            self._deleted = self._deleted or gone
            if event.event_type in ("created", "modified") and not (
                    event.is_directory or self.poll):
                self._writing.add(src)   # an editor that truncates, then writes, then closes
            elif event.event_type != "attrib":
                self._writing.difference_update(changed)
            self._lock.notify_all()

    def _schedule_folders(self) -> None:
        for name in SITE_FOLDERS:
            folder = self.site_dir / name
            if folder.is_dir():
                self._schedule(folder)
            else:
                self._unschedule(folder)

    def _schedule(self, folder: Path) -> None:
        if folder not in self._watches and folder.is_dir():
            with contextlib.suppress(OSError):
                self._watches[folder] = self._observer.schedule(
                    self, str(folder), recursive=True, event_filter=EVENTS)

    def _unschedule(self, folder: Path) -> None:
        watch = self._watches.pop(folder, None)
        if watch is not None:
            with contextlib.suppress(KeyError, OSError):
                self._observer.unschedule(watch)


class EventCheck:
    """Notices files that change with no event arriving (Docker, WSL, network drives), by
    looking now and then at the mtimes of the few files edited last."""

    GRACE_NS = 1_000_000_000   # an event for a write arrives well within this

    def __init__(self, watcher: Watcher) -> None:
        self.watcher = watcher
        self._mtimes: dict[Path, int] = {}
        self._since = time.monotonic()

    def sample(self, mtimes: Mapping[Path, int], since: float) -> None:
        """Remember the mtimes a build read these files with; `since`: when it started."""
        self._since = since
        self._mtimes = dict(mtimes)

    def missed(self) -> list[Path]:
        """Files whose mtime moved a while ago without any event for them since the sample."""
        missed = []
        now = time.time_ns()
        for path, mtime in self._mtimes.items():
            try:
                current = os.stat(path).st_mtime_ns
            except OSError:
                continue
            if (current != mtime and current < now - self.GRACE_NS
                    and not self.watcher.seen_since(path, self._since)):
                missed.append(path)
        return missed
