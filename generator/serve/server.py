"""The dev server: rebuilds on every save, serves the result (http.py), reloads the browser.

Builds go to a temporary folder of the server's own, never to output/, so drafts and the reload
script can never be deployed. A small script injected into served pages listens for
Server-Sent Events on the same port: once a build is completely written it reloads the pages
that changed, swaps stylesheets in place when only CSS changed, and shows build errors over the
last good page until a save fixes them.
"""

from __future__ import annotations

import contextlib
import heapq
import re
import shutil
import tempfile
import threading
import time
import traceback
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import click

from generator.build import BuildState, build
from generator.config import BuildOptions
from generator.content.markdown import warm_up
from generator.errors import CasefolioError, Problem
from generator.output.preview import sync_dir, write_changes
from generator.output.writer import MARKER, Output
from generator.serve.http import Handler, Preview, Server, Terminal, bind, is_loopback
from generator.serve.process import (
    ignoring_interrupts,
    interrupt_on_sigterm,
    set_aside,
    settle_heap,
)
from generator.serve.watch import SITE_FOLDERS, EventCheck, Watcher
from generator.workers import collector_paused

CHECK_EVERY = 2.0        # seconds between looks for changes that came without an event
# Rebuilds in a row (no idle half second between saves) before garbage is collected anyway.
# At 10,000 pages a full collection takes ~1 s and finds ~1,600 unreachable objects per
# rebuild (28,341 after 18 front-matter edits): every 20th save paid that second for a few
# MB. 200 bounds what waits at ~0.3 M objects, and a pause of half a second collects sooner.
SETTLE_EVERY = 200
HASHED_CSS = re.compile(r"\.[0-9a-f]{6,}\.css$")


def renamed_css(before: Mapping[str, Output], after: Mapping[str, Output]) -> dict[str, str]:
    """Fingerprinted stylesheets that got a new name: old path -> new path."""
    def stem(path: str) -> str:
        return HASHED_CSS.sub(".css", path)
    added = {stem(p): p for p in after.keys() - before.keys() if HASHED_CSS.search(p)}
    return {p: added[stem(p)] for p in before.keys() - after.keys()
            if HASHED_CSS.search(p) and stem(p) in added}


@dataclass
class Rebuilder:
    """One build at a time: each batch of saves -> build -> write what changed -> announce."""

    site_dir: Path
    options: BuildOptions
    preview: Preview
    watcher: Watcher
    terminal: Terminal
    state: BuildState = field(default_factory=BuildState)
    published: dict[str, Output] | None = None   # what the folder holds; None: unknown
    stopping: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)
    check: EventCheck | None = None             # looks for saves that came without events
    warnings: tuple[Problem, ...] = ()          # printed after the last good build
    unsettled: int = 0                          # rebuilds whose garbage waits, frozen

    def run(self) -> None:
        """The rebuild thread: wait for saves, build; now and then look for missed events."""
        warned, last_check = False, time.monotonic()
        while not self.stopping.is_set():
            batch = self.watcher.next_batch(timeout=0.5)
            if batch is None and self.unsettled:
                self.unsettled = 0
                settle_heap(everything=True)
            if batch is None and self.published is not None and not self._in_place():
                self.terminal.info("the preview folder was removed (a temp cleaner?); "
                                   "writing it again", err=True)
                self._replace_folder()
                batch = frozenset()
            if batch is None and not self.watcher.poll and (
                    time.monotonic() - last_check > CHECK_EVERY and not self.stopping.is_set()):
                last_check = time.monotonic()
                missed = self.check.missed() if self.check else []
                if missed and not warned:
                    warned = True
                    self.terminal.info(f"{self._show(missed)} changed but no file-system event "
                                       "arrived; if saves are missed, restart with --poll "
                                       "(Docker, WSL, network drives)", err=True)
                batch = frozenset(missed) or None
            if batch is not None and not self.stopping.is_set():
                self.rebuild(batch)

    def rebuild(self, changed: frozenset[Path] = frozenset()) -> bool:
        """Build, write the files that changed and tell the browsers; False on problems.
        Garbage is collected when no save came for half a second (run), or after
        SETTLE_EVERY rebuilds in a row: on 10,000 pages a full collection takes ~1 s, many
        times what the rest of a one-file rebuild takes."""
        with collector_paused():
            done = self._rebuild(changed)
            set_aside()
        self.unsettled += 1
        if self.unsettled >= SETTLE_EVERY:  # saves with no idle moment between them
            self.unsettled = 0
            settle_heap(everything=True)
        return done

    def _in_place(self) -> bool:
        """Whether the preview folder still holds the last build (a temp cleaner may remove
        it, or its files, while the server runs)."""
        folder = self.preview.folder
        return (folder / MARKER).is_file() and (
            (folder / "index.html").is_file() or "index.html" not in (self.published or {}))

    def _replace_folder(self) -> None:
        """A new private folder (never the old name: someone else may have taken it since)."""
        with self.lock:
            old, self.preview.folder = self.preview.folder, Path(
                tempfile.mkdtemp(prefix="casefolio-serve-"))
            self.published = None  # the next build writes every file
            shutil.rmtree(old, ignore_errors=True)

    def _rebuild(self, changed: frozenset[Path]) -> bool:
        start, began = time.perf_counter(), time.monotonic()
        self.state.forget(changed)
        # content/ or static/ itself deleted, moved or copied back: files inside it may have
        # come without events of their own, so every file is looked at again
        whole = any(p.parent == self.site_dir and p.name in SITE_FOLDERS for p in changed)
        early: dict[str, Output] = {}  # the edited pages, written before the build ended
        ahead: list[str] = []
        try:
            result = build(self.site_dir, self.options, self.state,
                           changed=None if whole else changed or None,
                           first=lambda pages: ahead.extend(self._write_first(pages, early)))
        except CasefolioError as exc:
            return self._fail(exc.problems)
        except Exception as exc:  # a bug in casefolio: say so, keep serving the last build
            traceback.print_exc()
            return self._fail([Problem("casefolio", None, f"internal error: {exc!r}",
                                       "this is a bug in casefolio; please report it")])
        finally:
            self._sample(began)
            if early:
                with self.lock:
                    if self.published is not None:  # what the folder holds now
                        self.published = {**self.published, **early}
        outputs = {o.path: o for o in result.outputs}
        with self.lock:
            if self.stopping.is_set():
                return True
            before = self.published
            try:
                files = (sync_dir(result.outputs, self.preview.folder) if before is None
                         else [*ahead, *write_changes(before, result.outputs,
                                                      self.preview.folder)])
            except (OSError, CasefolioError) as exc:
                self.published = None
                problems = (exc.problems if isinstance(exc, CasefolioError) else
                            [Problem(str(self.preview.folder), None, f"cannot write: {exc}")])
                return self._fail(problems)
            self.published = outputs
        css_only = bool(changed) and all(p.suffix.lower() == ".css" for p in changed)
        fixed = "fixed; " if self.preview.problems else ""
        self.preview.announce("build", {"changed": files, "css_only": css_only,
                                        "renamed": renamed_css(before or {}, outputs)})
        if result.site is not None:
            self.watcher.follow_theme(result.site.config.theme_dir)
        ms = (time.perf_counter() - start) * 1000
        # Files that came and went during the save (some editors' temp files) are not news.
        shown = [p for p in changed if p.exists()] or changed
        what = f"{self._show(shown)}: " if changed else ""
        self.terminal.info(f"{time.strftime('%H:%M:%S')} {what}{fixed}{len(files)} files "
                           f"updated, {result.rendered} pages rendered in {ms:.0f} ms")
        if self.terminal.verbose:
            self.terminal.info("  " + ", ".join(f"{k} {v * 1000:.0f} ms"
                                                for k, v in result.timings.items()))
        if result.warnings != self.warnings or self.terminal.verbose:
            self.terminal.problems(result.warnings)  # new ones (or all, when verbose)
        self.warnings = result.warnings
        return True

    def _write_first(self, pages: list[Output], early: dict[str, Output]) -> list[str]:
        """Write the edited documents' own pages while the build renders the others: what
        the writer is looking at is on disk sooner (a title shown on 2,000 cards is ~0.5 s
        of list pages more). The changed paths; nothing when the folder is to be synced."""
        with self.lock:
            published = self.published
            if published is None or self.stopping.is_set():
                return []
            try:
                files = write_changes({o.path: published[o.path] for o in pages
                                       if o.path in published}, pages, self.preview.folder)
            except OSError:
                return []  # (the build's own write says what is wrong)
            early.update((o.path, o) for o in pages)
            return files

    def _fail(self, problems: Iterable[Problem]) -> bool:
        problems = list(problems)
        self.terminal.problems(problems)
        errors = sum(1 for p in problems if p.severity == "error")
        click.secho(f"build failed: {errors} error{'s' if errors != 1 else ''}; the browser "
                    "shows them over the last good page until a save fixes them",
                    fg="red", err=True)
        self.preview.announce("problems", {"problems": [p.format() for p in problems]},
                              tuple(p.format() for p in problems))
        return False

    def _sample(self, began: float) -> None:
        """The files edited last are the ones worth looking at for missed events: remember
        the mtimes this build read them with."""
        if self.watcher.poll:
            return
        self.check = self.check or EventCheck(self.watcher)
        recent = heapq.nlargest(8, self.state.files.items(), key=lambda kv: kv[1].signature[0])
        mtimes = {Path(k): read.signature[0] for k, read in recent}
        with contextlib.suppress(OSError):
            mtimes[self.site_dir / "site.yaml"] = (self.site_dir / "site.yaml").stat().st_mtime_ns
        self.check.sample(mtimes, began)

    def _show(self, paths: Iterable[Path]) -> str:
        names = sorted(str(p.relative_to(self.site_dir)) if p.is_relative_to(self.site_dir)
                       else str(p) for p in paths)
        return ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")


@dataclass
class Serving:
    """A running dev server: its URL, and stop()."""

    url: str
    httpd: Server
    rebuilder: Rebuilder
    threads: list[threading.Thread]

    def stop(self) -> None:
        """Stop watching, building and serving; remove the private folder."""
        rebuilder = self.rebuilder
        rebuilder.stopping.set()
        rebuilder.watcher.stop()
        rebuilder.preview.close()
        if self.threads[0].is_alive():
            self.httpd.shutdown()
        self.httpd.server_close()
        for thread in self.threads:
            if thread.is_alive():
                thread.join(timeout=10)
        with rebuilder.lock:
            shutil.rmtree(rebuilder.preview.folder, ignore_errors=True)


def start(site_dir: Path, *, host: str = "127.0.0.1", port: int = 8000, drafts: bool = False,
          future: bool = False, poll: bool = False, terminal: Terminal | None = None,
          ) -> Serving:
    """Bind, build once, then serve, watch and rebuild in background threads."""
    terminal = terminal or Terminal(quiet=True)
    site_dir = site_dir.resolve()
    if not (site_dir / "site.yaml").is_file():
        raise CasefolioError([Problem(str(site_dir / "site.yaml"), None, "site.yaml not found",
                                      f"is {site_dir} a casefolio site? create one with "
                                      "`casefolio init DIR`")])
    httpd = bind(host, port, terminal)
    bound = httpd.server_address[1]
    shown = "127.0.0.1" if host in ("", "0.0.0.0", "::") else (
        f"[{host}]" if ":" in host else host)
    url = f"http://{shown}:{bound}/"
    folder = Path(tempfile.mkdtemp(prefix="casefolio-serve-"))
    preview = Preview(folder)
    loopback = is_loopback(str(httpd.server_address[0]))
    httpd.RequestHandlerClass = type("BoundHandler", (Handler,), {
        "preview": preview, "verbose": terminal.verbose, "loopback": loopback})
    watcher = Watcher(site_dir, poll=poll)
    options = BuildOptions(drafts=drafts, future=future, base_url=url, serve=True)
    rebuilder = Rebuilder(site_dir, options, preview, watcher, terminal)
    serving = Serving(url, httpd, rebuilder, [
        threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.2},
                         name="casefolio-http", daemon=True),
        threading.Thread(target=rebuilder.run, name="casefolio-rebuild", daemon=True)])
    try:
        watcher.start()  # before the first build, so saves made during it are not lost
        terminal.info(f"building {site_dir} ...")
        rebuilder.rebuild()
        warm_up()
        for thread in serving.threads:
            thread.start()
    except BaseException:  # Ctrl-C during the first build
        serving.stop()
        raise
    if not loopback:
        terminal.info("warning: listening on every network interface; anyone who can reach "
                      "this machine can see the preview, drafts included", err=True)
    return serving


def run_server(site_dir: Path, *, host: str = "127.0.0.1", port: int = 8000,
               drafts: bool = False, future: bool = False, open_browser: bool = False,
               poll: bool = False, quiet: bool = False, verbose: bool = False) -> int:
    """`casefolio serve`: run until Ctrl-C; the exit code."""
    terminal = Terminal(quiet=quiet, verbose=verbose)
    with interrupt_on_sigterm():  # from the start: the first build writes drafts too
        try:
            serving = start(site_dir, host=host, port=port, drafts=drafts, future=future,
                            poll=poll, terminal=terminal)
        except CasefolioError as exc:
            terminal.problems(exc.problems)
            return 1
        except KeyboardInterrupt:
            return 130
        try:
            click.echo(f"serving at {serving.url} (Ctrl-C to stop)")
            if open_browser:
                import webbrowser

                threading.Thread(target=webbrowser.open, args=(serving.url,),
                                 daemon=True).start()
            while True:  # short naps: a SIGINT taken by another thread can't wake a long one
                time.sleep(0.25)
        except (KeyboardInterrupt, OSError):  # OSError: the terminal is gone (SIGHUP)
            with contextlib.suppress(OSError):
                terminal.info("stopping")
        finally:
            with ignoring_interrupts():
                serving.stop()
    return 0
