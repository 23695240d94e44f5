"""The dev server: rebuilds on every save, serves the result, reloads the browser.

Builds go to a temporary folder of the server's own, never to output/, so drafts and the reload
script can never be deployed. A small script injected into served pages listens for
Server-Sent Events on the same port: once a build is completely written it reloads the pages
that changed, swaps stylesheets in place when only CSS changed, and shows build errors over the
last good page until a save fixes them.
"""

from __future__ import annotations

import contextlib
import errno
import gc
import heapq
import ipaddress
import json
import os
import re
import secrets
import shutil
import signal
import socket
import sys
import tempfile
import threading
import time
import traceback
from collections import deque
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, quote, unquote

import click

from generator.build import BuildState, build
from generator.config import BuildOptions
from generator.console import report
from generator.content.markdown import warm_up
from generator.errors import CasefolioError, Problem
from generator.output.headers import CONTENT_TYPES
from generator.output.writer import MARKER, Output, safe_relpath, sync_dir
from generator.serve.watch import SITE_FOLDERS, EventCheck, Watcher
from generator.workers import collector_paused

EVENTS_URL = "/__casefolio/events"
PORT_TRIES = 20          # a busy port: try the next ones
HISTORY = 64             # build events kept for browsers that reconnect
CHECK_EVERY = 2.0        # seconds between looks for changes that came without an event
LOCAL_NAMES = ("localhost", "127.0.0.1", "[::1]")
HASHED_CSS = re.compile(r"\.[0-9a-f]{6,}\.css$")

# Injected before </body>. Reloads when this page (or a file it may use) changed, swaps
# stylesheets when only CSS changed, shows problems as an overlay. Text only, never HTML.
RELOAD_SCRIPT = """<script>(()=>{const c=%s;let gen=c.gen;
const ov=()=>document.getElementById("casefolio-overlay"),hide=()=>{const o=ov();if(o)o.remove()};
function show(d){let o=ov();if(!o){o=document.createElement("div");o.id="casefolio-overlay";
o.setAttribute("role","alert");o.style.cssText="all:initial;position:fixed;inset:0;\
z-index:2147483647;overflow:auto;box-sizing:border-box;padding:6vh 4vw;background:rgba(0,0,0,.6)";
document.body.append(o)}const n=d.problems.length,b=document.createElement("pre");
b.style.cssText="all:initial;display:block;max-width:60rem;margin:0 auto;padding:1.5rem 2rem;\
background:#18181b;color:#fafafa;border-top:4px solid #ef4444;border-radius:6px;\
font:14px/1.6 ui-monospace,Menlo,Consolas,monospace;white-space:pre-wrap";
b.textContent="casefolio: the build failed ("+n+" error"+(n==1?"":"s")+"). Fix it and save: "+
"this goes away by itself.\\n\\n"+d.problems.join("\\n\\n");o.replaceChildren(b)}
function swap(d){for(const l of document.querySelectorAll('link[rel~="stylesheet"]')){
const u=new URL(l.href,location.href),p=u.pathname.slice(1),r=d.renamed[p];
if(!r&&!d.changed.includes(p))continue;const f=l.cloneNode();
f.href=r?"/"+r:u.pathname+"?v="+d.gen;f.onload=f.onerror=()=>l.remove();l.after(f)}}
let es=null;
function connect(){if(es||document.hidden)return;
es=new EventSource("%s?instance="+c.instance+"&gen="+gen);
es.addEventListener("build",e=>{const d=JSON.parse(e.data);gen=d.gen;hide();
if(c.broken)return location.reload();if(d.css_only)return swap(d);
if(d.changed.some(p=>c.paths.includes(p)||!/\\.(html|xml|txt|css)$/.test(p)))location.reload()});
es.addEventListener("problems",e=>{const d=JSON.parse(e.data);gen=Math.max(gen,d.gen);show(d)});
es.addEventListener("reload",()=>location.reload());
es.onerror=()=>{es.close();es=null;setTimeout(connect,500)}}
// Hidden tabs let go of their connection (browsers allow ~6 per host); back in view, the
// server replays what they missed.
document.addEventListener("visibilitychange",()=>{if(document.hidden&&es){es.close();es=null}
else connect()});connect()})();</script>
"""


class Preview:
    """What is served and what browsers are told, shared by the rebuild thread (which alone
    changes it) and the HTTP threads."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.instance = secrets.token_hex(6)
        self.generation = 0
        self.problems: tuple[str, ...] = ()
        self.good = False                      # some build has been published
        self.closing = False
        self._history: deque[tuple[int, str, str]] = deque(maxlen=HISTORY)
        self._cond = threading.Condition()

    def announce(self, event: str, data: Mapping[str, object],
                 problems: tuple[str, ...] = ()) -> None:
        """Tell every browser: `build` (files changed and are in place) or `problems`."""
        with self._cond:
            self.generation += 1
            self.problems = problems
            self.good = self.good or event == "build"
            self._history.append((self.generation, event,
                                  json.dumps({**data, "gen": self.generation})))
            self._cond.notify_all()

    def events_after(self, gen: int, timeout: float) -> list[tuple[int, str, str]] | None:
        """Events newer than gen, waiting up to timeout for one; None if history lost some."""
        with self._cond:
            self._cond.wait_for(lambda: self.generation > gen or self.closing, timeout)
            if gen > self.generation or (self._history and self._history[0][0] > gen + 1):
                return None
            return [e for e in self._history if e[0] > gen]

    def close(self) -> None:
        with self._cond:
            self.closing = True
            self._cond.notify_all()


@dataclass(frozen=True, slots=True)
class Found:
    """Where a request path leads inside the served folder."""

    status: int                  # 200, 301, 400 or 404
    file: Path | None = None
    page: str = ""               # the output path the response stands for
    location: str = ""           # for 301


def locate(folder: Path, url_path: str) -> Found:
    """The file a URL path names, never one outside folder: `..` (encoded or not), backslashes,
    NUL and bad encodings are refused (400); symlinks leading out are not found (404)."""
    if not url_path.startswith("/"):
        return Found(400)
    try:
        path = unquote(url_path, errors="strict")
    except UnicodeDecodeError:
        return Found(400)
    parts = [p for p in path.split("/") if p]
    if "\x00" in path or "\\" in path or any(p in (".", "..") for p in parts):
        return Found(400)
    root = Path(os.path.realpath(folder))
    rel = "/".join(parts)
    try:  # a name longer than the file system allows (ENAMETOOLONG) is simply not there
        real = _inside(root, root.joinpath(*parts))
        if real is not None and real.is_dir():
            if not path.endswith("/"):
                return Found(301, location="/" + quote(rel + "/"))
            rel = f"{rel}/index.html" if rel else "index.html"
            real = _inside(root, root / rel)
        if real is not None and real.is_file():
            return Found(200, real, rel)
    except OSError:
        real = None
    wanted = f"{rel}/index.html" if path.endswith("/") and rel else rel or "index.html"
    return Found(404, page=wanted)


def _inside(root: Path, path: Path) -> Path | None:
    real = Path(os.path.realpath(path))
    return real if real.is_relative_to(root) else None


def content_type(name: str) -> str:
    return CONTENT_TYPES.get(Path(name).suffix.lower(), "application/octet-stream")


def inject(html: bytes, script: bytes) -> bytes:
    """The reload script, just before </body> (at the end if there is none)."""
    at = html.lower().rfind(b"</body>")
    return html + script if at < 0 else html[:at] + script + html[at:]


class Handler(BaseHTTPRequestHandler):
    """GET and HEAD for the served folder and the event stream; nothing else."""

    preview: Preview
    verbose = False
    loopback = True
    server_version = "casefolio"
    protocol_version = "HTTP/1.0"
    timeout = 30   # a client that stops reading or writing does not hold a thread forever

    def do_GET(self) -> None:
        self._respond(head=False)

    def do_HEAD(self) -> None:
        self._respond(head=True)

    def _respond(self, head: bool) -> None:
        if not self._host_allowed():  # DNS rebinding: a web page must not read your drafts
            return self._send(403, b"Forbidden: unknown Host header\n", "text/plain", head)
        # Not urlsplit: it would read "//etc/passwd" as a host name and a path.
        path, _, query = self.path.split("#", 1)[0].partition("?")
        if path == EVENTS_URL and not head:
            return self._events(parse_qs(query))
        # Read before the file: a build landing in between must still reach this page.
        generation = self.preview.generation
        if not self.preview.good:
            return self._send(503, self._page(b"<!doctype html><title>casefolio</title><body>"
                                              b"<p>The site has not built yet.</p></body>",
                                              generation, [], broken=True),
                              content_type(".html"), head)
        found = locate(self.preview.folder, path)
        if found.status == 400:
            return self._send(400, b"Bad request\n", "text/plain", head)
        if found.status == 301:
            query = f"?{query}" if query else ""
            return self._send(301, b"", "text/plain", head, {"Location": found.location + query})
        status, file, pages = found.status, found.file, [found.page]
        if file is None:
            file = _inside(Path(os.path.realpath(self.preview.folder)),
                           self.preview.folder / "404.html")
            pages.append("404.html")
        if file is None or not file.is_file():
            return self._send(404, b"Not found\n", "text/plain", head)
        try:
            data = file.read_bytes()
        except OSError:  # replaced or removed by a build in this very moment
            return self._send(404, b"Not found\n", "text/plain", head)
        kind = content_type(file.name)
        if kind.startswith("text/html"):
            data = self._page(data, generation, pages)
        self._send(status, data, kind, head)

    def _page(self, html: bytes, generation: int, pages: list[str],
              broken: bool = False) -> bytes:
        config = json.dumps({"instance": self.preview.instance, "gen": generation,
                             "paths": pages, "broken": broken}).replace("</", "<\\/")
        return inject(html, (RELOAD_SCRIPT % (config, EVENTS_URL)).encode())

    def _send(self, status: int, data: bytes, kind: str, head: bool,
              headers: Mapping[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        if not head:
            self.wfile.write(data)

    def _events(self, query: Mapping[str, list[str]]) -> None:
        """The event stream: replays what a page missed, then streams builds as they land."""
        try:
            gen = int(query.get("gen", ["0"])[0])
        except ValueError:
            gen = 0
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        stale = query.get("instance", [""])[0] != self.preview.instance  # server restarted
        self.wfile.write(b"retry: 500\n\n")
        if self.preview.problems:
            self._event("problems", json.dumps({"problems": self.preview.problems, "gen": gen}))
        while not stale and not self.preview.closing:
            events = self.preview.events_after(gen, timeout=15)
            if events is None:
                break
            for _, name, data in events:
                self._event(name, data)
            if events:
                gen = events[-1][0]
            else:
                self.wfile.write(b": ping\n\n")
            self.wfile.flush()
        if not self.preview.closing:
            self._event("reload", "{}")

    def _event(self, name: str, data: str) -> None:
        self.wfile.write(f"event: {name}\ndata: {data}\n\n".encode())
        self.wfile.flush()

    def _host_allowed(self) -> bool:
        host = (self.headers.get("Host") or "localhost").lower()
        name = host.split("]")[0] + "]" if host.startswith("[") else host.rsplit(":", 1)[0]
        return not self.loopback or name in LOCAL_NAMES or name.endswith(".localhost")

    def log_message(self, format: str, *args: object) -> None:
        if self.verbose:
            sys.stderr.write(f"  {self.address_string()} {format % args}\n")


class Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 1024   # bursts of connections wait in the backlog, not refused

    def handle_error(self, request: object, client_address: object) -> None:
        """A browser that goes away mid-response is normal; anything else is our bug."""
        if isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            return
        traceback.print_exc()


class Server6(Server):
    address_family = socket.AF_INET6


def bind(host: str, port: int, terminal: Terminal) -> Server:
    """Listen on host:port, or on the next free port when it is busy (and say so)."""
    cls = Server6 if ":" in host else Server
    for candidate in range(port, port + PORT_TRIES) if port else [0]:
        try:
            return cls((host, candidate), Handler)
        except OSError as exc:
            if exc.errno != errno.EADDRINUSE:
                raise CasefolioError([Problem(f"{host}:{candidate}", None,
                                              f"cannot listen here: {exc.strerror}",
                                              "try another --host or --port, e.g. --port 0 "
                                              "for any free port")]) from None
            terminal.info(f"port {candidate} is busy; trying {candidate + 1}", err=True)
    raise CasefolioError([Problem(f"{host}:{port}", None, f"ports {port} to "
                                  f"{port + PORT_TRIES - 1} are all busy",
                                  "pass --port 0 to take any free port")])


@dataclass
class Terminal:
    """What the server prints: one line per build, problems in full, nothing when quiet."""

    quiet: bool = False
    verbose: bool = False

    def info(self, message: str, err: bool = False) -> None:
        if not self.quiet:
            click.echo(message, err=err)

    def problems(self, problems: Iterable[Problem]) -> None:
        report(problems, grouped=False)


def write_changes(before: Mapping[str, Output], outputs: Iterable[Output],
                  folder: Path) -> list[str]:
    """Bring folder from holding `before` to holding `outputs`, comparing bytes in memory
    (not against the disk) and replacing each changed file atomically; the changed paths."""
    changed, now = [], set()
    for output in outputs:
        old = before.get(output.path)
        now.add(output.path)
        if old is not None and (old is output or old.data == output.data):
            continue  # (its path was checked when it was first written)
        rel = safe_relpath(output.path)
        target = folder / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{target.name}.casefolio-tmp")
        assert isinstance(output.data, bytes), "the dev server builds in memory, unspooled"
        tmp.write_bytes(output.data)
        os.replace(tmp, target)
        changed.append(rel)
    for rel in sorted(before.keys() - now):
        with contextlib.suppress(FileNotFoundError):
            (folder / rel).unlink()
        changed.append(rel)
        parent = (folder / rel).parent
        while parent != folder and not any(parent.iterdir()):
            parent.rmdir()
            parent = parent.parent
    return changed


def renamed_css(before: Mapping[str, Output], after: Mapping[str, Output]) -> dict[str, str]:
    """Fingerprinted stylesheets that got a new name: old path -> new path."""
    def stem(path: str) -> str:
        return HASHED_CSS.sub(".css", path)
    added = {stem(p): p for p in after.keys() - before.keys() if HASHED_CSS.search(p)}
    return {p: added[stem(p)] for p in before.keys() - after.keys()
            if HASHED_CSS.search(p) and stem(p) in added}


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
    unsettled: bool = False                     # frozen garbage may wait for an idle moment

    def run(self) -> None:
        """The rebuild thread: wait for saves, build; now and then look for missed events."""
        warned, last_check = False, time.monotonic()
        while not self.stopping.is_set():
            batch = self.watcher.next_batch(timeout=0.5)
            if batch is None and self.unsettled:
                self.unsettled = False
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
        Garbage is collected only once the browsers were told: on 10,000 pages a full
        collection takes ~150 ms, three times what the rest of a one-file rebuild takes."""
        with collector_paused():
            done = self._rebuild(changed)
        settle_heap()
        self.unsettled = True
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
        try:
            result = build(self.site_dir, self.options, self.state,
                           changed=None if whole else changed or None)
        except CasefolioError as exc:
            return self._fail(exc.problems)
        except Exception as exc:  # a bug in casefolio: say so, keep serving the last build
            traceback.print_exc()
            return self._fail([Problem("casefolio", None, f"internal error: {exc!r}",
                                       "this is a bug in casefolio; please report it")])
        finally:
            self._sample(began)
        outputs = {o.path: o for o in result.outputs}
        with self.lock:
            if self.stopping.is_set():
                return True
            before = self.published
            try:
                files = (sync_dir(result.outputs, self.preview.folder) if before is None
                         else write_changes(before, result.outputs, self.preview.folder))
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
    loopback = _is_loopback(str(httpd.server_address[0]))
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
    with _interrupt_on_sigterm():  # from the start: the first build writes drafts too
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
            with _ignoring_interrupts():
                serving.stop()
    return 0


def _is_loopback(address: str) -> bool:
    with contextlib.suppress(ValueError):
        return ipaddress.ip_address(address.split("%")[0]).is_loopback
    return False


@contextlib.contextmanager
def _interrupt_on_sigterm() -> Iterator[None]:
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
def _ignoring_interrupts() -> Iterator[None]:
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
