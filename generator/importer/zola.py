"""Zola: config.toml, content/ sections with `+++` TOML, `aliases`, `@/` links, shortcodes."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from slugify import slugify

from generator.importer.hugo import site_settings
from generator.importer.model import Discovered, Note, Notes, SourcePage, table
from generator.importer.shortcodes import (
    CALLOUTS,
    Context,
    args,
    callout,
    flag_leftovers,
    link_or_keep,
    outside_code,
    video_link,
)
from generator.importer.sources import files_under, read_config, read_text, split_front

_DATED = re.compile(r"(\d{4}-\d{2}-\d{2})(?:[T ][\d:]+)?[_-](.+)")


def detect(source: Path) -> bool:
    if not (source / "config.toml").is_file() or not (source / "content").is_dir():
        return False
    text = read_text(source / "config.toml") or ""
    return re.search(r"^base_url\s*=", text, re.M) is not None


def read(source: Path, notes: Notes) -> Discovered:
    config = read_config(source / "config.toml", "config.toml", notes)
    extra = table(config.get("extra"))
    settings = site_settings("config.toml", config.get("title"), config.get("base_url"),
                             config.get("default_language"), config.get("description"),
                             None, notes)
    content, static_dir = source / "content", source / "static"
    pages, loose = _pages(source, content, notes)
    navigation = []
    for item in extra.get("menu") or extra.get("main_menu") or []:
        if isinstance(item, dict) and (item.get("name") or item.get("title")) and item.get(
                "url"):
            url = str(item["url"]).replace("$BASE_URL", "")
            navigation.append((str(item.get("name") or item.get("title")),
                               url if url.startswith(("/", "http")) else "/" + url))
    taxonomies = [str(t.get("name")) for t in config.get("taxonomies") or []
                  if isinstance(t, dict)]
    if set(taxonomies) - {"tags"}:
        notes.converted.append(Note("config.toml", None, "taxonomies "
                                    f"{', '.join(sorted(set(taxonomies) - {'tags'}))} became "
                                    "tags (casefolio has tags)"))
    static = [(p.relative_to(static_dir).as_posix(), p) for p in files_under(static_dir)]
    return Discovered(settings, tuple(navigation), tuple(pages), tuple(static + loose),
                      (static_dir,), str(config.get("base_url") or ""))


def _pages(source: Path, content: Path, notes: Notes,
           ) -> tuple[list[SourcePage], list[tuple[str, Path]]]:
    pages: list[SourcePage] = []
    loose: list[tuple[str, Path]] = []
    all_files = files_under(content)
    bundles = {p.parent for p in all_files if p.name == "index.md"}
    sections: dict[Path, dict[str, Any]] = {}
    for path in all_files:
        if path.name == "_index.md" and (text := read_text(path)):
            split = split_front(text, path.relative_to(source).as_posix(), Notes())
            sections[path.parent] = split[0] if split else {}
    for path in all_files:
        rel = path.relative_to(source).as_posix()
        inner = path.relative_to(content)
        bundle = next((b for b in bundles if b in path.parents), None)
        if path.suffix.lower() != ".md":
            if bundle is None:
                loose.append((inner.as_posix(), path))
            continue
        text = read_text(path)
        split = split_front(text, rel, notes) if text is not None else None
        if split is None:
            if text is not None and text.strip():
                notes.warnings.append(Note(rel, 1, "no front matter: file skipped"))
            continue
        meta, body, body_line = split
        index = path.name == "_index.md"
        folder = inner.parent
        section_dir = path.parent.parent if path.name == "index.md" else path.parent
        section_meta = sections.get(section_dir, {})
        section = folder.parts[0] if folder.parts and not (index and len(folder.parts) == 0) \
            else ""
        name = folder.name if path.name == "index.md" else (folder.name or "home") if index \
            else path.stem
        date_from_name = ""
        if (m := _DATED.fullmatch(name)) and not index:
            date_from_name, name = m[1], m[2]
        skip = ""
        if section_meta.get("render") is False and not index:
            skip = "in a section with `render = false`: data that a template shows"
        elif meta.get("render") is False:
            skip = "`render = false`: never rendered by the old site"
        files: tuple[tuple[str, Path], ...] = ()
        if path.name == "index.md":
            files = tuple((f.relative_to(path.parent).as_posix(), f) for f in all_files
                          if path.parent in f.parents and f != path)
        if isinstance(meta.get("path"), str) and meta["path"].strip():
            old_url = "/" + meta["path"].strip().strip("/") + "/"
        elif index:
            old_url = "/" + "/".join(folder.parts) + "/" if folder.parts else "/"
        else:
            parent = folder.parent.parts if path.name == "index.md" else folder.parts
            slug = slugify(str(meta.get("slug") or name))
            old_url = "/" + "/".join([*parent, slug]) + "/"
        pages.append(SourcePage(rel, meta, body, body_line, section, name, old_url, files,
                                date_from_name=date_from_name, draft=meta.get("draft") is True,
                                layout=str(meta.get("template") or section_meta.get(
                                    "page_template") or ""),
                                index=index, skip=skip, path=path))
    return pages, loose


_LINK = re.compile(r"(\]\(\s*<?|\bhref=[\"'])@/([^)\s>\"']+)")
_BLOCK = re.compile(r"\{%\s*(\w+)\s*\(([^)]*)\)\s*%\}(.*?)\{%\s*end\s*%\}", re.S)
_INLINE = re.compile(r"\{\{\s*(\w+)\s*\(([^)]*)\)\s*\}\}")
_LEFTOVER = re.compile(r"\{\{.*?\}\}|\{%.*?%\}", re.S)


def convert(body: str, ctx: Context) -> str:
    """`@/` internal links to file links; youtube/vimeo and callout shortcodes to Markdown;
    other shortcodes kept and noted."""
    def one(text: str, offset: int) -> str:
        text = _LINK.sub(lambda m: m[1] + link_or_keep(ctx, "content/" + m[2], text, m.start(),
                                                       offset, "@/" + m[2]), text)

        def block(m: re.Match[str]) -> str:
            name = m[1].lower()
            if name in CALLOUTS:
                named = args(m[2])[1]
                return callout(named.get("type") or named.get("kind") or name, m[3])
            return m[0]

        def inline(m: re.Match[str]) -> str:
            name, named = m[1].lower(), args(m[2])[1]
            if name in ("youtube", "vimeo") and named.get("id"):
                return video_link(name, named["id"])
            return m[0]
        return _INLINE.sub(inline, _BLOCK.sub(block, text))

    converted = outside_code(body, one)
    flag_leftovers(converted, body, ctx, _LEFTOVER, "Zola shortcode")
    return converted
