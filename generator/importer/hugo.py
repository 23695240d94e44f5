"""Hugo: hugo.toml/config.yaml, content/ sections, bundles and `_index.md`, shortcodes."""

from __future__ import annotations

import re
from pathlib import Path, PurePosixPath
from typing import Any

from slugify import slugify

from generator.importer.model import Discovered, Note, Notes, SourcePage, table
from generator.importer.shortcodes import (
    CALLOUTS,
    Context,
    args,
    callout,
    fence,
    flag_leftovers,
    image,
    link_or_keep,
    outside_code,
    video_link,
)
from generator.importer.sources import as_date, files_under, read_config, read_text, split_front

CONFIG_NAMES = ("hugo.toml", "hugo.yaml", "hugo.yml", "config.toml", "config.yaml",
                "config.yml")
CONTENT_SUFFIXES = (".md", ".markdown")


def detect(source: Path) -> bool:
    return any((source / n).is_file() for n in CONFIG_NAMES) and (source / "content").is_dir()


def read(source: Path, notes: Notes) -> Discovered:
    config_name = next((n for n in CONFIG_NAMES if (source / n).is_file()), None)
    config: dict[str, Any] = {}
    if config_name is None:
        notes.human.append(Note("hugo.toml", None, "no Hugo configuration found: set `title` "
                                "and `base_url` in site.yaml"))
    else:
        config = read_config(source / config_name, config_name, notes)
    lower = {k.lower(): v for k, v in config.items()}
    params = table(lower.get("params"))
    settings = site_settings(config_name or "hugo.toml", lower.get("title"),
                             lower.get("baseurl"), lower.get("languagecode") or lower.get(
                                 "defaultcontentlanguage") or lower.get("locale"),
                             lower.get("description") or params.get("description"),
                             lower.get("timezone"), notes)
    content = source / str(lower.get("contentdir") or "content")
    static_dir = source / str(lower.get("staticdir") or "static")
    permalinks = table(lower.get("permalinks"))
    pages, menu, loose = _pages(source, content, permalinks, notes)
    navigation = _menu(lower.get("menu") or lower.get("menus"), notes, config_name) + menu
    static = [(p.relative_to(static_dir).as_posix(), p) for p in files_under(static_dir)]
    static += loose
    parser: Any = lower.get("markup")
    for key in ("goldmark", "parser", "autoheadingidtype"):  # Hugo's keys ignore case
        parser = {k.lower(): v for k, v in table(parser).items()}.get(key)
    id_type = str(parser or "github")
    if id_type != "github":  # casefolio's `anchors: hugo` is Hugo's default type only
        notes.human.append(Note(config_name or "hugo.toml", None, f"autoHeadingIDType "
                                f"`{id_type}`: headings get Hugo's default (github) ids here; "
                                "`casefolio check` names each `#anchor` link that misses"))
    if isinstance(lower.get("taxonomies"), dict):
        others = sorted(set(lower["taxonomies"]) - {"tag"})
        if others:
            notes.converted.append(Note(config_name or "", None, "taxonomies "
                                        f"{', '.join(others)} became tags (casefolio has tags)"))
    return Discovered(settings, tuple(navigation), tuple(pages), tuple(static),
                      (static_dir,), str(lower.get("baseurl") or ""))


def site_settings(rel: str, title: Any, base_url: Any, language: Any, description: Any,
                  timezone: Any, notes: Notes) -> dict[str, Any]:
    """The site.yaml fields every generator's configuration has some spelling of."""
    settings: dict[str, Any] = {"title": str(title or "My site")}
    if not title:
        notes.human.append(Note(rel, None, "no site title: set `title:` in site.yaml"))
    url = str(base_url or "")
    if not re.match(r"https?://[^/\s]+", url):
        notes.human.append(Note(rel, None, f"base URL `{url}` is not an absolute http(s) URL: "
                                "set `base_url:` in site.yaml"))
        url = "https://example.com/"
    settings["base_url"] = url if url.endswith("/") else url + "/"
    if isinstance(language, str) and re.fullmatch(r"[A-Za-z]{2,3}([-_][A-Za-z0-9]+)*",
                                                  language):
        settings["language"] = language.replace("_", "-").lower()
    if isinstance(timezone, str) and timezone:
        import zoneinfo
        try:
            zoneinfo.ZoneInfo(timezone)
            settings["timezone"] = timezone
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            notes.warnings.append(Note(rel, None, f"unknown time zone `{timezone}`: left out"))
    if isinstance(description, str) and description.strip():
        settings["tagline"] = description.strip()
    return settings


def _menu(menus: Any, notes: Notes, rel: str | None) -> list[tuple[str, str]]:
    main = menus.get("main") if isinstance(menus, dict) else None
    if not isinstance(main, list):
        return []
    items = sorted((m for m in main if isinstance(m, dict)),
                   key=lambda m: m.get("weight", 0) if isinstance(m.get("weight"), int) else 0)
    placeholders = {str(m.get("identifier") or m.get("name")) for m in items
                    if not m.get("parent") and str(m.get("url") or m.get("pageRef") or "#")
                    in ("#", "")}
    found = []
    for item in items:
        label, url = str(item.get("name") or ""), str(item.get("url") or item.get("pageRef")
                                                        or "")
        if item.get("parent") and str(item["parent"]) not in placeholders:
            notes.converted.append(Note(rel or "", None, f"menu entry `{label}` is a submenu "
                                        "item: left out (casefolio menus are one level)"))
            continue
        if label and url not in ("", "#"):
            found.append((label, url if url.startswith(("/", "http")) else "/" + url))
    return found


def _pages(source: Path, content: Path, permalinks: dict[str, Any], notes: Notes,
           ) -> tuple[list[SourcePage], list[tuple[str, str]], list[tuple[str, Path]]]:
    pages: list[SourcePage] = []
    menu: list[tuple[str, str]] = []
    loose: list[tuple[str, Path]] = []
    all_files = files_under(content)
    bundles = {p.parent for p in all_files if p.name in ("index.md", "index.markdown")}
    headless: set[Path] = set()
    for path in all_files:
        rel = path.relative_to(source).as_posix()
        inner = path.relative_to(content)
        bundle = next((b for b in bundles if b in path.parents), None)
        if path.suffix.lower() not in CONTENT_SUFFIXES:
            if bundle is None:  # a file of a section: published at its content path
                loose.append((inner.as_posix(), path))
            continue
        if bundle is not None and path.parent != bundle:
            continue  # Markdown inside a leaf bundle is a resource of the bundle
        text = read_text(path)
        split = split_front(text, rel, notes) if text is not None else None
        if split is None:
            if text is not None and text.strip():
                notes.warnings.append(Note(rel, 1, "no front matter: file skipped"))
            continue
        meta, body, body_line = split
        index = path.name.startswith("_index.")
        folder = inner.parent
        section = inner.parts[0] if len(inner.parts) > 1 else ""
        if index and (meta.get("headless") is True or _never(meta.get("cascade"))):
            headless.add(path.parent)
        skip = ""
        if any(h in path.parents for h in headless) and not index:
            skip = "in a headless section: data that a template of the old site shows"
        elif meta.get("headless") is True or _never(meta) or _never(meta.get("cascade")):
            skip = "never rendered by the old site (headless or `build: render: never`)"
        if index:
            name = folder.name or "home"
        elif path.stem == "index":
            name = folder.name
        else:
            name = path.stem
        files: tuple[tuple[str, Path], ...] = ()
        if path.stem == "index" and not index:
            files = tuple((f.relative_to(path.parent).as_posix(), f) for f in all_files
                          if path.parent in f.parents and f != path)
        old_url = "/" + "/".join(folder.parts) + "/" if folder.parts else "/"
        if not index:
            old_url = _url(meta, folder, name, section, permalinks)
        entry = meta.get("menu")
        if entry == "main" or (isinstance(entry, list) and "main" in entry) or (
                isinstance(entry, dict) and "main" in entry):
            menu.append((str(meta.get("linkTitle") or meta.get("title") or name), old_url))
        pages.append(SourcePage(
            rel, meta, body, body_line, section, name, old_url, files,
            date_from_name=(m[1] if (m := re.match(r"(\d{4}-\d{2}-\d{2})", name)) else ""),
            draft=meta.get("draft") is True,
            layout=str(meta.get("layout") or meta.get("type") or ""), index=index, skip=skip,
            path=path))
    return pages, menu, loose


def _never(meta: Any) -> bool:
    if not isinstance(meta, dict):
        return False
    build = meta.get("_build") or meta.get("build")
    return isinstance(build, dict) and build.get("render") in ("never", False, "false")


def _url(meta: dict[str, Any], folder: PurePosixPath | Path, name: str, section: str,
         permalinks: dict[str, Any]) -> str:
    if isinstance(meta.get("url"), str) and meta["url"].strip():
        url = meta["url"].strip()
        return url if url.startswith("/") else "/" + url
    slug = str(meta.get("slug") or "").strip()
    pattern = permalinks.get(section)
    if isinstance(pattern, dict):
        pattern = pattern.get("page")
    if isinstance(pattern, str):
        date = as_date(meta.get("date"))
        title = slugify(str(meta.get("title") or name))
        tokens = {":year": f"{date.year:04d}" if date else "", ":month": f"{date.month:02d}"
                  if date else "", ":day": f"{date.day:02d}" if date else "",
                  ":slugorfilename": slug or name, ":slugorcontentbasename": slug or name,
                  ":contentbasename": name, ":filename": name, ":slug": slug or title,
                  ":title": title, ":sections": "/".join(folder.parts), ":section": section}
        url = pattern
        for token in sorted(tokens, key=len, reverse=True):
            url = url.replace(token, tokens[token])
        url = re.sub(r"/+", "/", "/" + url.strip("/") + "/")
        return url.lower()
    parts = [*folder.parts, slug or name] if slug else [*folder.parts, name]
    if name == folder.name and not slug and folder.parts:
        parts = list(folder.parts)
    elif slug and folder.parts and name == folder.name:
        parts = [*folder.parts[:-1], slug]
    return ("/" + "/".join(parts) + "/").lower()


_PAIRED = re.compile(r"\{\{([<%])\s*(\w+)([^}]*?)\s*[>%]\}\}(.*?)\{\{[<%]\s*/\s*\2\s*[>%]\}\}",
                     re.S)
_SINGLE = re.compile(r"\{\{([<%])\s*(\w+)\s*(.*?)\s*/?\s*[>%]\}\}", re.S)
_LEFTOVER = re.compile(r"\{\{[<%]\s*[^/].*?[>%]\}\}", re.S)


def convert(body: str, ctx: Context) -> str:
    """Hugo shortcodes to Markdown: figure, youtube, vimeo, gist, ref/relref, highlight and
    callouts; any other shortcode is kept and noted with its line."""
    def paired(text: str, offset: int) -> str:
        def one(m: re.Match[str]) -> str:
            name, positional, inner = m[2].lower(), args(m[3])[0], m[4]
            if name == "highlight":
                return fence(positional[0] if positional else "", inner)
            if name in CALLOUTS:
                named = args(m[3])[1]
                kind = named.get("type") or (positional[0] if positional else name)
                return callout(name if kind in ("", "info") and name != "notice" else kind,
                               inner)
            return m[0]
        return _PAIRED.sub(one, text)

    def single(text: str, offset: int) -> str:
        def one(m: re.Match[str]) -> str:
            name = m[2].lower()
            positional, named = args(m[3])
            if name == "figure":
                src = named.get("src", positional[0] if positional else "")
                return image(src, named.get("alt") or named.get("caption") or named.get(
                    "title", ""), named.get("title", ""), named.get("caption", ""))
            if name in ("youtube", "vimeo") and (named.get("id") or positional):
                return video_link(name, named.get("id") or positional[0])
            if name == "gist" and len(positional) >= 2:
                return f"[{positional[1]} on GitHub Gist](https://gist.github.com/" \
                       f"{positional[0]}/{positional[1]})"
            if name in ("ref", "relref") and positional:
                target = positional[0].lstrip("/")
                key = target if target.startswith("content/") else f"content/{target}"
                return link_or_keep(ctx, key, text, m.start(), offset, m[0])
            return m[0]
        return _SINGLE.sub(one, text)

    converted = outside_code(outside_code(body, paired), single)
    flag_leftovers(converted, body, ctx, _LEFTOVER, "Hugo shortcode")
    return converted

