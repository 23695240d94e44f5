"""The old site's URLs in the imported site: old URLs (and those the old host redirected) to
new ones, and every link in a page's body rewritten to match. Pure, like the planning."""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from generator.importer.model import ImportedPage
from generator.importer.shortcodes import outside_code

_MD_LINK = re.compile(r"(\]\()(<?)([^)\s>]+)(>?)")
_REF_DEF = re.compile(r"^( {0,3}\[[^\]]+\]:[ \t]*)(\S+)", re.M)
_HTML_ATTR = re.compile(r"""(\b(?:href|src)=)(["'])([^"']+)\2""")


def through_redirects(table_: dict[str, Any], redirects: tuple[tuple[str, str], ...]) -> None:
    """Old URLs the old host redirected (`/updates/*` -> `/blog/:splat`) lead where their
    target leads: added to the table of old URLs, never over a real one."""
    for source, target in redirects:
        if source.endswith("/*") and target.endswith(":splat"):
            into, prefix = norm(target.removesuffix(":splat")), source[:-1]
            for old in [o for o in table_ if o.startswith(into)]:
                table_.setdefault(norm(prefix + old[len(into):]), table_[old])
        elif "*" not in source and ":" not in target and norm(target) in table_:
            table_.setdefault(norm(source), table_[norm(target)])


def norm(url: str) -> str:
    path = url.split("#")[0].split("?")[0]
    path = re.sub(r"/index\.html?$", "/", path)
    path = re.sub(r"\.html?$", "", path)
    return path.rstrip("/").lower() + "/"


def _old_path(url: str, old_site: str) -> str | None:
    """A link to the old site as a root-relative path, or None for other sites."""
    if old_site and url.startswith(old_site.rstrip("/") + "/"):
        return url[len(old_site.rstrip("/")):]
    if url.startswith("/") and not url.startswith("//"):
        return url
    return None


def new_url(url: str, by_url: dict[str, ImportedPage], list_urls: dict[str, str],
            old_site: str) -> str | None:
    if url.strip() in ("", "#"):
        return None
    path = _old_path(url, old_site)
    if path is None:
        return url
    if (page := by_url.get(norm(path))) is not None:
        return page.url
    return list_urls.get(norm(path), path)


def resolver_for(target: ImportedPage, targets: dict[str, ImportedPage],
                 by_url: dict[str, ImportedPage], list_urls: dict[str, str],
                 old_site: str) -> Callable[[str], str | None]:
    here = posixpath.dirname(target.rel)
    names: dict[str, list[ImportedPage]] = {}
    for rel, page in targets.items():
        names.setdefault(posixpath.basename(rel), []).append(page)
        if posixpath.basename(rel) in ("index.md", "_index.md"):
            names.setdefault(posixpath.basename(posixpath.dirname(rel)), []).append(page)

    def resolve(link: str) -> str | None:
        path, hashmark, anchor = link.partition("#")
        fragment = hashmark + anchor
        if not path:
            return fragment
        if path.startswith("/") or _old_path(path, old_site) is not None:
            old = _old_path(path, old_site) or path
            page = by_url.get(norm(old))
            if page is None:
                return list_urls.get(norm(old))
        else:
            page = next((targets[c] for c in (path, path + ".md", path + "/index.md",
                                               path + "/_index.md") if c in targets), None)
            if page is None:
                stem = posixpath.basename(path)
                matches = names.get(stem) or names.get(stem + ".md") or []
                page = matches[0] if len(matches) == 1 else None
        if page is None:
            return None
        return posixpath.relpath(page.rel, here) + fragment
    return resolve


def static_only(static: tuple[tuple[str, Path], ...], target: ImportedPage) -> frozenset[str]:
    """The static files a relative link of this page can only mean (none beside it by that
    name): `img/a.svg` in a Hugo section shown on the home page was /img/a.svg."""
    return frozenset(rel for rel, _ in static) - {name for name, _ in target.files}


def relink(body: str, target: ImportedPage, by_url: dict[str, ImportedPage],
           list_urls: dict[str, str], old_site: str,
           static: frozenset[str] = frozenset()) -> str:
    """Links to the old site's pages become file links (Markdown) or new URLs (raw HTML); a
    relative link to a file only static/ has becomes root-relative."""
    here = posixpath.dirname(target.rel)

    def rooted(url: str) -> str | None:
        path = url.removeprefix("./").split("#")[0].split("?")[0]
        return "/" + url.removeprefix("./") if (
            path in static and not re.match(r"[A-Za-z][\w+.-]*:|[/#.]", url)) else None

    def found(url: str) -> tuple[str, str, ImportedPage | None] | None:
        """An old site's URL as (path, #fragment, the page now there or None); None when the
        URL is not the old site's."""
        path = _old_path(url, old_site)
        if path is None:
            return None
        path, hashmark, anchor = path.partition("#")
        page = by_url.get(norm(path)) if path.rstrip("/") != "" else None
        return path, hashmark + anchor, page

    def markdown(url: str) -> str:
        if (hit := found(url)) is None:
            return rooted(url) or url
        path, fragment, page = hit
        if page is not None:
            return posixpath.relpath(page.rel, here) + fragment
        if (new := list_urls.get(norm(path))) is not None:
            return new + fragment
        return (path if url != path and urlsplit(url).netloc else url) if path else url

    def html(url: str) -> str:
        if (hit := found(url)) is None:
            return rooted(url) or url
        path, fragment, page = hit
        if page is not None:
            return page.url + fragment
        return list_urls.get(norm(path), path) + fragment

    def convert(text: str, _offset: int) -> str:
        text = _MD_LINK.sub(lambda m: m[1] + m[2] + markdown(m[3]) + m[4], text)
        text = _REF_DEF.sub(lambda m: m[1] + markdown(m[2]), text)
        return _HTML_ATTR.sub(lambda m: m[1] + m[2] + html(m[3]) + m[2], text)
    return outside_code(body, convert)
