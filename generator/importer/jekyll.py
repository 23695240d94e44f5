"""Jekyll: _config.yml, pages, `_posts` and `_drafts`, collections, permalinks, Liquid."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from slugify import slugify

from generator.importer.hugo import site_settings
from generator.importer.model import Discovered, Note, Notes, SourcePage
from generator.importer.shortcodes import (
    Context,
    fence,
    flag_leftovers,
    line_of,
    link_or_keep,
    outside_code,
)
from generator.importer.sources import as_date, files_under, read_config, read_text, split_front

PAGE_SUFFIXES = (".md", ".markdown", ".html")
_NEVER = frozenset({"node_modules", "vendor", "_site", "_includes", "_layouts", "_sass",
                    "_data", "_plugins", ".git", ".jekyll-cache"})
_STYLES = {"date": "/:categories/:year/:month/:day/:title:output_ext",
           "pretty": "/:categories/:year/:month/:day/:title/",
           "ordinal": "/:categories/:year/:y_day/:title:output_ext",
           "none": "/:categories/:title:output_ext"}
_POST_NAME = re.compile(r"(\d{4}-\d{2}-\d{2})-(.+)")


def detect(source: Path) -> bool:
    return (source / "_config.yml").is_file() or (source / "_config.yaml").is_file()


def read(source: Path, notes: Notes) -> Discovered:
    name = "_config.yml" if (source / "_config.yml").is_file() else "_config.yaml"
    config = read_config(source / name, name, notes)
    url = str(config.get("url") or "").rstrip("/") + str(config.get("baseurl") or "")
    settings = site_settings(name, config.get("title") or config.get("name"), url,
                             config.get("lang") or config.get("locale"),
                             config.get("description"), config.get("timezone"), notes)
    style = str(config.get("permalink") or "date")
    permalink = _STYLES.get(style, style)
    collections = config.get("collections") or {}
    if isinstance(collections, list):
        collections = {c: {} for c in collections}
    exclude = {str(e).rstrip("/") for e in config.get("exclude") or []}
    pages: list[SourcePage] = []
    static: list[tuple[str, Path]] = []
    for path in files_under(source, skip_dirs=frozenset(exclude) | _NEVER):
        rel = path.relative_to(source).as_posix()
        top = rel.split("/")[0]
        if rel in exclude or top in exclude or path.name in (name, "Gemfile", "Gemfile.lock"):
            continue
        text = read_text(path) if path.suffix.lower() in PAGE_SUFFIXES else None
        split = split_front(text, rel, notes) if text is not None else None
        if path.name.startswith("_"):
            notes.skipped.append(Note(rel, None, "Jekyll leaves out names starting with `_`"))
            continue
        if top.startswith("_"):
            if split is not None:
                page = _document(rel, path, split, top[1:], collections, permalink, notes)
                if page is not None:
                    pages.append(page)
            continue
        if split is None:
            if path.suffix.lower() in (".md", ".markdown"):
                notes.skipped.append(Note(rel, None, "Markdown without front matter (Jekyll "
                                          "copies it as is): not imported"))
            else:
                static.append((rel, path))
            continue
        pages.append(_page(source, rel, path, split, style, notes))
    pages = [_with_files(p, static) for p in pages]
    navigation = []
    data = read_config(source / "_data" / "navigation.yml", "_data/navigation.yml", notes) \
        if (source / "_data" / "navigation.yml").is_file() else {}
    for item in data if isinstance(data, list) else data.get("main") or []:
        if isinstance(item, dict) and (item.get("title") or item.get("name")) and item.get("url"):
            navigation.append((str(item.get("title") or item.get("name")), str(item["url"])))
    roots = tuple(r for r in (source, *(source / d for d in ("img", "images", "assets/img",
                                                          "assets/images"))) if r.is_dir())
    return Discovered(settings, tuple(navigation), tuple(pages), tuple(static), roots,
                      str(config.get("url") or "").rstrip("/") + str(config.get("baseurl") or ""))


def _page(source: Path, rel: str, path: Path, split: tuple[dict[str, Any], str, int],
          style: str, notes: Notes) -> SourcePage:
    meta, body, line = split
    parts = rel.split("/")
    folder = "/".join(parts[:-1])
    index = path.stem == "index" and len(parts) <= 2
    name = parts[-2] if path.stem == "index" and len(parts) > 1 else (
        "home" if path.stem == "index" else path.stem)
    if isinstance(meta.get("permalink"), str):
        old_url = meta["permalink"]
    elif path.stem == "index":
        old_url = f"/{folder}/" if folder else "/"
    elif style.endswith("/") or style == "pretty":
        old_url = f"/{folder}/{path.stem}/" if folder else f"/{path.stem}/"
    else:
        old_url = f"/{folder}/{path.stem}.html" if folder else f"/{path.stem}.html"
    if path.suffix == ".html" and not index:
        notes.warnings.append(Note(rel, line, "an HTML page: its markup is kept as raw HTML "
                                   "in Markdown; check how it looks"))
    return SourcePage(rel, meta, body, line, parts[0] if len(parts) > 1 else "", name,
                      re.sub(r"/+", "/", old_url), draft=meta.get("published") is False,
                      layout=str(meta.get("layout") or ""), index=index, path=path)


def _document(rel: str, path: Path, split: tuple[dict[str, Any], str, int], collection: str,
              collections: dict[str, Any], permalink: str, notes: Notes) -> SourcePage | None:
    meta, body, line = split
    inner = rel.split("/", 1)[1]
    stem = inner.rsplit(".", 1)[0]
    if collection in ("posts", "drafts"):
        dated = _POST_NAME.fullmatch(path.stem)
        name = dated[2] if dated else path.stem
        date = as_date(meta.get("date")) or as_date(dated[1] if dated else None)
        categories = meta.get("categories") or meta.get("category") or []
        if isinstance(categories, str):
            categories = categories.split()
        tokens = {":categories": "/".join(slugify(str(c)) for c in categories),
                  ":year": f"{date.year:04d}" if date else "", ":month": f"{date.month:02d}"
                  if date else "", ":day": f"{date.day:02d}" if date else "",
                  ":i_month": str(date.month) if date else "", ":i_day": str(date.day)
                  if date else "", ":short_year": f"{date.year % 100:02d}" if date else "",
                  ":y_day": f"{date.timetuple().tm_yday:03d}" if date else "",
                  ":title": str(meta.get("slug") or name), ":slug": str(meta.get("slug")
                                                                         or name),
                  ":name": name, ":output_ext": ".html"}
        pattern = str(meta["permalink"]) if isinstance(meta.get("permalink"), str) \
            else permalink
        return SourcePage(rel, meta, body, line, "_posts", name, _fill(pattern, tokens), (),
                          date_from_name=dated[1] if dated else "",
                          draft=collection == "drafts" or meta.get("published") is False,
                          layout=str(meta.get("layout") or ""), path=path)
    settings = collections.get(collection)
    if not isinstance(settings, dict) or settings.get("output") is not True:
        if collection in collections:
            notes.skipped.append(Note(rel, None, f"in the collection `{collection}`, which the "
                                      "old site does not output: data for its templates"))
        else:
            notes.skipped.append(Note(rel, None, f"`_{collection}/` is not a collection in the "
                                      "configuration: not imported"))
        return None
    name = path.stem if path.stem != "index" else Path(inner).parent.name
    pattern = str(meta["permalink"]) if isinstance(meta.get("permalink"), str) else str(
        settings.get("permalink") or "/:collection/:path:output_ext")
    tokens = {":collection": collection, ":path": stem, ":name": name,
              ":title": str(meta.get("slug") or name), ":slug": str(meta.get("slug") or name),
              ":output_ext": ".html"}
    return SourcePage(rel, meta, body, line, collection, name, _fill(pattern, tokens), (),
                      draft=meta.get("published") is False,
                      layout=str(meta.get("layout") or ""), path=path)


def _fill(pattern: str, tokens: dict[str, str]) -> str:
    url = pattern
    for token in sorted(tokens, key=len, reverse=True):
        url = url.replace(token, tokens[token])
    return re.sub(r"/+", "/", "/" + url.lstrip("/"))


def _with_files(page: SourcePage, static: list[tuple[str, Path]]) -> SourcePage:
    """A page that is a folder's index.md takes the files beside it into its bundle."""
    if page.path is None or page.path.stem != "index" or page.index:
        return page
    folder = page.rel.rsplit("/", 1)[0] + "/"
    files = tuple((rel[len(folder):], path) for rel, path in static
                  if rel.startswith(folder) and "/" not in rel[len(folder):])
    if not files:
        return page
    from dataclasses import replace
    return replace(page, files=files)


_INCLUDE = re.compile(r"\{%-?\s*include\s+([^\s%]+)([^%]*)-?%\}")
_LINK_TAG = re.compile(r"\{%-?\s*link\s+([^\s%]+)\s*-?%\}")
_POST_URL = re.compile(r"\{%-?\s*post_url\s+([^\s%]+)\s*-?%\}")
_HIGHLIGHT = re.compile(r"\{%-?\s*highlight\s+(\w+)[^%]*%\}(.*?)\{%-?\s*endhighlight\s*-?%\}",
                        re.S)
_COMMENT = re.compile(r"\{%-?\s*comment\s*-?%\}.*?\{%-?\s*endcomment\s*-?%\}", re.S)
_RAW = re.compile(r"\{%-?\s*(?:end)?raw\s*-?%\}")
_SITE_URL = re.compile(r"\{\{-?\s*site\.(?:url|baseurl)\s*-?\}\}")
_URL_FILTER = re.compile(r"""\{\{-?\s*["']([^"']*)["']\s*\|\s*"""
                         r"""(?:relative_url|absolute_url)\s*-?\}\}""")
_LEFTOVER = re.compile(r"\{\{.*?\}\}|\{%.*?%\}", re.S)


def convert(body: str, ctx: Context, includes: Path | None = None) -> str:
    """Liquid to Markdown: site.url/baseurl, link, post_url, highlight, comment, raw and
    includes that hold no Liquid themselves; other tags are kept and noted."""
    def one(text: str, offset: int) -> str:
        text = _COMMENT.sub("", text)
        text = _HIGHLIGHT.sub(lambda m: fence(m[1], m[2]), text)
        text = _SITE_URL.sub("", text)
        text = _URL_FILTER.sub(lambda m: m[1], text)
        text = _LINK_TAG.sub(lambda m: link_or_keep(ctx, m[1].lstrip("/"), text, m.start(),
                                                    offset, m[0]), text)
        text = _POST_URL.sub(lambda m: link_or_keep(ctx, f"_posts/{m[1]}", text, m.start(),
                                                    offset, m[0]), text)

        def include(m: re.Match[str]) -> str:
            found = (includes / m[1]) if includes else None
            inlined = read_text(found) if found and found.is_file() else None
            if inlined is None:
                ctx.notes.warnings.append(Note(ctx.rel, line_of(ctx, text, m.start(), offset),
                                               f"`{{% include {m[1]} %}}`: the include was "
                                               "not found; kept as written"))
                return m[0]
            if "{{" in inlined or "{%" in inlined:
                ctx.notes.warnings.append(Note(ctx.rel, line_of(ctx, text, m.start(), offset),
                                               f"`{{% include {m[1]} %}}` uses Liquid itself; "
                                               "kept as written"))
                return m[0]
            ctx.notes.converted.append(Note(ctx.rel, line_of(ctx, text, m.start(), offset),
                                            f"`{{% include {m[1]} %}}` inlined"))
            return inlined.strip()
        return _RAW.sub("", _INCLUDE.sub(include, text))

    converted = outside_code(body, one)
    flag_leftovers(converted, body, ctx, _LEFTOVER, "Liquid")
    return converted
