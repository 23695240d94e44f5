"""Redirect pages in static/ for the old section lists (/blog/) that casefolio's lists replace
at another URL (/articles/): which ones, where each goes, and its HTML."""

from __future__ import annotations

import posixpath
from pathlib import Path

from generator.importer.links import norm
from generator.importer.model import ImportedPage, Note, Notes


def list_redirects(list_urls: dict[str, str], pages: list[ImportedPage],
                   static: tuple[tuple[str, Path], ...], notes: Notes,
                   ) -> tuple[tuple[str, str], ...]:
    """(old list URL, new list URL) for each old section list (/blog/) that casefolio's list
    replaces at another URL (/articles/): a redirect page goes in static/, as a list page
    has no `aliases:`; unless a page or file is there now."""
    taken = {norm(p.url) for p in pages} | {norm(a) for p in pages
                                              for a in p.meta.get("aliases", ())}
    taken |= {norm("/" + rel) for rel, _ in static}
    found = []
    for old, new in sorted(list_urls.items()):
        if norm(old) in (norm(new), "/") or norm(old) in taken or old.startswith("//"):
            continue
        found.append((old, new))
        notes.converted.append(Note(f"static/{redirect_file(old)}", None, f"a redirect page: "
                                    f"the old list {old} sends people to {new} (a 301 at your "
                                    f"host is better still: `{old} {new} 301`)"))
    return tuple(found)


def redirect_file(old: str) -> str:
    """Where in static/ the redirect page of an old URL goes: /blog/ -> blog/index.html."""
    path = old.split("#")[0].split("?")[0].strip("/")
    return path if path.endswith((".html", ".htm")) else f"{path}/index.html"


def redirect_page(old: str, new: str, language: str) -> str:
    """A redirect page that works under any base path: its target is relative to it."""
    here = posixpath.dirname("/" + redirect_file(old))
    target = posixpath.relpath(new, here) + ("/" if new.endswith("/") else "")
    return (f'<!doctype html>\n<html lang="{language}">\n<head>\n<meta charset="utf-8">\n'
            f"<title>This page has moved</title>\n"
            f'<meta name="robots" content="noindex">\n'
            f'<meta http-equiv="refresh" content="0; url={target}">\n</head>\n<body>\n'
            f'<p>This page has moved: <a href="{target}">{new}</a>.</p>\n</body>\n</html>\n')
