"""The preview over HTTP: the served folder (GET, HEAD), the reload event stream, the port."""

from __future__ import annotations

import contextlib
import errno
import ipaddress
import json
import os
import secrets
import socket
import sys
import threading
import traceback
from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, quote, unquote

import click

from generator.console import report
from generator.errors import CasefolioError, Problem
from generator.output.headers import CONTENT_TYPES

EVENTS_URL = "/__casefolio/events"
PORT_TRIES = 20          # a busy port: try the next ones
HISTORY = 64             # build events kept for browsers that reconnect
LOCAL_NAMES = ("localhost", "127.0.0.1", "[::1]")


# Injected before </body> (reload.js: `%s` are the page's settings and EVENTS_URL). Reloads
# when this page (or a file it may use) changed, swaps stylesheets when only CSS changed, shows
# problems as an overlay. Text only, never HTML.
_RELOAD_JS = (Path(__file__).parent / "reload.js").read_text(encoding="utf-8").rstrip("\n")
RELOAD_SCRIPT = f"<script>{_RELOAD_JS}</script>\n"


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


def is_loopback(address: str) -> bool:
    with contextlib.suppress(ValueError):
        return ipaddress.ip_address(address.split("%")[0]).is_loopback
    return False
