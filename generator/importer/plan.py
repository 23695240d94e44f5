"""From the other generator's pages to casefolio's: kinds, slugs, front matter, aliases and
links (rewritten by links.py; list redirects chosen by redirects.py). Pure: nothing is
written here (the writer does that)."""

from __future__ import annotations

import datetime as dt
import posixpath
import re
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from slugify import slugify

from generator.importer.links import (
    new_url,
    norm,
    relink,
    resolver_for,
    static_only,
    through_redirects,
)
from generator.importer.model import (
    Discovered,
    ImportedPage,
    ImportedSite,
    Note,
    Notes,
    SourcePage,
    table,
)
from generator.importer.redirects import list_redirects
from generator.importer.shortcodes import Context
from generator.importer.sources import as_date

CASE_SECTIONS = frozenset({"case-studies", "case-study", "casestudies", "case_studies", "work",
                           "clients", "portfolio", "customers", "success-stories"})
ARTICLE_SECTIONS = frozenset({"blog", "posts", "post", "_posts", "news", "articles", "updates",
                              "journal", "insights"})
NICHE = "general"
# A page is at /<slug>/: these slugs are casefolio's own lists (/services/, /tags/...).
SITE_FOLDERS = frozenset({"case-studies", "practices", "services", "articles", "tags",
                          "niches", "people", "assets", "page"})
# Heading ids as the old generator made them, so `#anchor` links written for it still land:
# Hugo's goldmark makes GitHub-type ids (`hugo`); Jekyll's kramdown reads GFM and makes
# GitHub's; Zola's slugify (ASCII, transliterated, runs of other characters one `-`) is ours.
ANCHORS = {"hugo": "hugo", "jekyll": "github", "zola": "default"}
SUMMARY_MAX = 160
_COVER_KEYS = ("cover", "image", "images", "featured_image", "feature_image", "feature_photo",
               "preview_image", "og_img", "metaimage", "thumbnail")
_MAPPED = frozenset({"title", "linktitle", "date", "publishdate", "summary", "description",
                     "excerpt", "draft", "published", "slug", "url", "path", "permalink",
                     "tags", "categories", "taxonomies", "weight", "aliases", "redirect_from",
                     "client", "client_name", "company", "layout", "template", "extra",
                     *_COVER_KEYS})
_MORE = re.compile(r"<!--\s*more\s*-->")


def kind_of(page: SourcePage, case_sections: frozenset[str],
            article_sections: frozenset[str]) -> str:
    section = page.section.strip("/").split("/")[-1].lower() if page.section else ""
    layout = page.layout.lower()
    if section in case_sections or "case" in layout.replace("showcase", ""):
        return "case-studies"
    if section in article_sections:
        return "articles"
    return "pages"


def _free_page_slug(page: SourcePage, base: str, taken: dict[tuple[str, str], str],
                    notes: Notes) -> str:
    """A page named like one of casefolio's lists (services.md -> /services/, the services
    list): its old URL's name when that is free (a Jekyll `permalink: /what-we-do/` keeps
    its URL), else `<name>-overview`; the old URL still answers (an alias, or the list)."""
    old = slugify(page.old_url.strip("/").split("/")[-1].removesuffix(".html"))
    slug = (old if old and old not in SITE_FOLDERS and ("pages", old) not in taken
            else f"{base}-overview")
    notes.human.append(Note(page.rel, None, f"/{base}/ is casefolio's {base} list: this page "
                            f"is /{slug}/" + (" (its old URL)" if f"/{slug}/" == page.old_url
                                              else "") + (
                            "; make what it offers services (content/services/), each with "
                            "its price" if base == "services" else "")))
    return slug


def plan(generator: str, found: Discovered, convert: Callable[[str, Context], str],
         case_sections: frozenset[str], article_sections: frozenset[str],
         notes: Notes) -> ImportedSite:
    """Decide every file of the imported site: which kind each page is, its slug, aliases,
    front matter and body, and what the report says about it."""
    list_urls: dict[str, str] = {}      # old section URL -> casefolio list URL
    chosen: list[tuple[SourcePage, str, str]] = []
    taken: dict[tuple[str, str], str] = {}
    for page in found.pages:
        if page.skip:
            notes.skipped.append(Note(page.rel, None, page.skip))
            continue
        kind = kind_of(page, case_sections, article_sections)
        if page.index:
            if kind != "pages" or page.old_url == "/":
                new = "/" if page.old_url == "/" else f"/{kind}/"
                list_urls[page.old_url] = new
                notes.skipped.append(Note(page.rel, None, f"the section page {page.old_url} is "
                                          f"casefolio's own list {new} (not imported)"))
                continue
            notes.converted.append(Note(page.rel, None, "a section page, imported as a page; "
                                        "casefolio does not list the section's pages on it"))
        elif kind == "pages" and not _MORE.sub("", page.body).strip():
            notes.skipped.append(Note(page.rel, None, "no body: data that a template of the "
                                      "old site shows elsewhere"))
            continue
        base = slugify(str(page.meta.get("slug") or re.sub(r"^\d{4}-\d{2}-\d{2}-", "",
                                                            page.name))) or "page"
        if kind == "pages" and base in SITE_FOLDERS:
            base = _free_page_slug(page, base, taken, notes)
        slug = base
        if (kind, slug) in taken:
            parent = slugify(page.section.strip("/").split("/")[-1]) or "more"
            slug = f"{parent}-{base}"
            number = 2
            while (kind, slug) in taken:
                slug, number = f"{parent}-{base}-{number}", number + 1
            notes.warnings.append(Note(page.rel, None, f"slug `{base}` is taken by "
                                       f"{taken[(kind, base)]}: this page is `{slug}`"))
        taken[(kind, slug)] = page.rel
        chosen.append((page, kind, slug))
    for page, kind, _ in chosen:
        if kind != "pages" and page.section:
            list_urls.setdefault("/" + page.section.strip("/") + "/", f"/{kind}/")

    covers: dict[str, tuple[str | None, tuple[tuple[str, Path], ...]]] = {}
    for page, kind, _ in chosen:  # a cover joins the bundle: decided before any link is made
        files = list(page.files)
        extra = table(page.meta.get("extra"))
        cover = (_cover(page, page.meta, extra, files, found.static_roots, notes)
                 if kind != "pages" else None)
        covers[page.rel] = cover, tuple(files)
    targets = {page.rel: ImportedPage(kind, slug, {}, "", page.rel, page.old_url,
                                      covers[page.rel][1]) for page, kind, slug in chosen}
    by_url = {norm(p.old_url): t for p, t in ((p, targets[p.rel]) for p, _, _ in chosen)}
    for table_ in (by_url, list_urls):
        through_redirects(table_, found.redirects)
    pages = []
    for page, kind, _ in chosen:
        target = targets[page.rel]
        resolver = resolver_for(target, targets, by_url, list_urls, found.old_site)
        ctx = Context(page.rel, page.body_line, notes, resolver)
        body = convert(page.body, ctx)
        body = relink(body, target, by_url, list_urls, found.old_site,
                       static_only(found.static, target))
        meta = _meta(page, kind, target.url, body, covers[page.rel][0], notes)
        pages.append(replace(target, meta=meta, body=_MORE.sub("", body).lstrip("\n")))

    settings = dict(found.settings)
    if ANCHORS[generator] != "default":
        settings["markdown"] = {"anchors": ANCHORS[generator]}
    if any(p.kind == "case-studies" for p in pages):
        settings["niches"] = {NICHE: {"name": "General"}}
    navigation: list[dict[str, str]] = []
    for label, url in found.navigation:
        moved = new_url(url, by_url, list_urls, found.old_site)
        if moved and not any(item["url"] == moved for item in navigation):
            navigation.append({"label": label, "url": moved})
    if not navigation:
        navigation = [{"label": label, "url": f"/{kind}/"} for kind, label in
                      (("case-studies", "Case studies"), ("articles", "Articles"))
                      if any(p.kind == kind for p in pages)]
    if navigation:
        settings["navigation"] = navigation
    redirects = list_redirects(list_urls, pages, found.static, notes)
    return ImportedSite(generator, settings, tuple(pages), found.static, notes, redirects)


def _meta(page: SourcePage, kind: str, url: str, body: str, cover: str | None,
          notes: Notes) -> dict[str, Any]:
    src, extra = page.meta, table(page.meta.get("extra"))
    meta: dict[str, Any] = {}
    meta["title"] = str(src.get("title") or page.name.replace("-", " ").capitalize())
    if not src.get("title"):
        notes.human.append(Note(page.rel, None, f"no title: `{meta['title']}` was made from "
                                "the file name"))
    if src.get("linkTitle") or src.get("linktitle"):
        meta["short_title"] = str(src.get("linkTitle") or src.get("linktitle"))
    date = as_date(src.get("date")) or as_date(src.get("publishDate")) or as_date(
        page.date_from_name)
    if kind != "pages":
        if date is None:
            date = dt.date(2000, 1, 1)
            notes.human.append(Note(page.rel, None, "no date: set to 2000-01-01, put the "
                                    "real one in `date:`"))
        meta["date"] = date
    summary = _summary(src, extra, body)
    if summary or kind != "pages":
        if not summary:
            summary = meta["title"][:SUMMARY_MAX]
            notes.human.append(Note(page.rel, None, "no description or first paragraph: the "
                                    "summary is the title, write a real one"))
        meta["summary"] = summary
    if kind == "case-studies":
        client = next((str(v) for v in (src.get("client"), src.get("client_name"),
                                        src.get("company"), extra.get("client_name"),
                                        extra.get("client")) if isinstance(v, str) and v), "")
        if not client and (m := re.match(r"\s*case study\s*[-:–—|]\s*(.+)", meta["title"],
                                         re.I)):
            client = m[1].strip()
        if client:
            meta["client"] = client
        else:
            meta["confidential"] = True
            meta["client_description"] = "a client"
            notes.human.append(Note(page.rel, None, "no client name found: marked "
                                    "`confidential: true`; set `client:` or describe them in "
                                    "`client_description:`"))
        meta["niche"] = NICHE
        notes.human.append(Note(page.rel, None, "add the results as `metrics:` (before/after, "
                                "a value or a change); the importer does not guess numbers"
                                + _results_hint(src, extra)))
    tags = _tags(src)
    if tags and kind != "pages":
        meta["tags"] = tags
    if isinstance(src.get("weight"), int) and not isinstance(src.get("weight"), bool):
        meta["weight"] = src["weight"]
    if page.draft or src.get("draft") is True or src.get("published") is False:
        meta["draft"] = True
    if _unlisted(src):
        meta["unlisted"] = True
    if cover:
        meta["cover"] = {"src": cover, "alt": meta["title"]}
    aliases = _aliases(page, url)
    if aliases:
        meta["aliases"] = aliases
    left = sorted(k for k in src if k.lower() not in _MAPPED)
    if left:
        notes.converted.append(Note(page.rel, None, "fields left behind: " + ", ".join(left)))
    return meta


def _summary(src: dict[str, Any], extra: dict[str, Any], body: str) -> str:
    for value in (src.get("summary"), src.get("description"), src.get("excerpt"),
                  extra.get("subtitle")):
        if isinstance(value, str) and value.strip():
            return _shorten(_plain(value))
    before_more = _MORE.split(body, 1)[0] if _MORE.search(body) else body
    for block in re.split(r"\n\s*\n", before_more):
        text = block.strip()
        if not text or text.startswith(("#", "!", "<", "{", "|", "```", "~~~", ">", "[!", "---",
                                        "- ", "* ", "1. ")):
            continue
        plain = _plain(text)
        if plain:
            return _shorten(plain)
    return ""


def _plain(text: str) -> str:
    text = re.sub(r"<[^>]+>", "", text)
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", text)
    text = re.sub(r"\[([^\]]*)\]\[[^\]]*\]", r"\1", text)
    text = re.sub(r"[*_`]{1,3}", "", text)
    return re.sub(r"\s+", " ", text).strip()


def _shorten(text: str) -> str:
    if len(text) <= SUMMARY_MAX:
        return text
    cut = text[:SUMMARY_MAX - 1].rsplit(" ", 1)[0].rstrip(",;:.")
    return cut + "…"


def _results_hint(src: dict[str, Any], extra: dict[str, Any]) -> str:
    where = [k for k in (*src, *(f"extra.{k}" for k in extra))
             if re.search(r"stat|result|metric|number", k, re.I)]
    return f" (the source has results in {', '.join(f'`{w}`' for w in where)})" if where else ""


def _tags(src: dict[str, Any]) -> list[str]:
    values: list[Any] = []
    for key in ("tags", "categories"):
        values += src[key] if isinstance(src.get(key), list) else (
            [src[key]] if isinstance(src.get(key), str) else [])
    if isinstance(src.get("taxonomies"), dict):
        for items in src["taxonomies"].values():
            values += items if isinstance(items, list) else []
    seen: list[str] = []
    for value in values:
        tag = slugify(str(value))
        if tag and tag not in seen:
            seen.append(tag)
    return seen


def _unlisted(src: dict[str, Any]) -> bool:
    for key in ("_build", "build"):
        build = src.get(key)
        if isinstance(build, dict) and build.get("list") in ("never", False, "false"):
            return True
    return src.get("sitemap") is False or (isinstance(src.get("sitemap"), dict)
                                           and src["sitemap"].get("exclude") is True)


def _cover(page: SourcePage, src: dict[str, Any], extra: dict[str, Any],
           files: list[tuple[str, Path]], static_roots: tuple[Path, ...],
           notes: Notes) -> str | None:
    value: Any = next((src.get(k) or extra.get(k) for k in _COVER_KEYS
                       if src.get(k) or extra.get(k)), None)
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, dict):
        value = value.get("image") or value.get("src")
    if not isinstance(value, str) or not value.strip():
        return None
    if re.match(r"[a-z]+:", value):
        notes.warnings.append(Note(page.rel, None, f"the cover image {value} is on another "
                                   "site: left out (download it beside the page to use it)"))
        return None
    name = posixpath.basename(value)
    bundled = {n: f for n, f in files}
    if name in bundled:
        return name
    relative = value.lstrip("/")
    folder = page.path.parent if page.path else None
    for root in ((folder,) if folder and not value.startswith("/") else ()) + static_roots:
        candidate = root / relative
        if candidate.is_file():
            files.append((name, candidate))
            return name
    notes.warnings.append(Note(page.rel, None, f"the cover image {value} was not found: "
                               "left out"))
    return None


def _aliases(page: SourcePage, url: str) -> list[str]:
    found: list[str] = []
    wanted = [page.old_url]
    for key in ("aliases", "redirect_from"):
        value = page.meta.get(key)
        wanted += value if isinstance(value, list) else ([value] if isinstance(value, str)
                                                         else [])
    for alias in wanted:
        alias = str(alias).strip()
        if not alias or re.match(r"[a-z]+:", alias):
            continue
        if not alias.startswith("/"):
            alias = "/" + (page.section.strip("/") + "/" if page.section else "") + alias
        if norm(alias) in (norm(url), *(f"/{f}/" for f in SITE_FOLDERS)):
            continue  # the same URL, or casefolio's own list there: it answers already
        if alias not in found:
            found.append(alias)
    return found
