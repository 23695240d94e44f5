"""From the other generator's pages to casefolio's: kinds, slugs, front matter, aliases and
links. Pure: nothing is written here (the writer does that)."""

from __future__ import annotations

import datetime as dt
import posixpath
import re
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from slugify import slugify

from generator.importer.model import (
    Discovered,
    ImportedPage,
    ImportedSite,
    Note,
    Notes,
    SourcePage,
    table,
)
from generator.importer.shortcodes import Context, outside_code
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
_MD_LINK = re.compile(r"(\]\()(<?)([^)\s>]+)(>?)")
_REF_DEF = re.compile(r"^( {0,3}\[[^\]]+\]:[ \t]*)(\S+)", re.M)
_HTML_ATTR = re.compile(r"""(\b(?:href|src)=)(["'])([^"']+)\2""")
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
    by_url = {_norm(p.old_url): t for p, t in ((p, targets[p.rel]) for p, _, _ in chosen)}
    for table_ in (by_url, list_urls):
        _through_redirects(table_, found.redirects)
    pages = []
    for page, kind, _ in chosen:
        target = targets[page.rel]
        resolver = _resolver(target, targets, by_url, list_urls, found.old_site)
        ctx = Context(page.rel, page.body_line, notes, resolver)
        body = convert(page.body, ctx)
        body = _relink(body, target, by_url, list_urls, found.old_site,
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
        moved = _new_url(url, by_url, list_urls, found.old_site)
        if moved and not any(item["url"] == moved for item in navigation):
            navigation.append({"label": label, "url": moved})
    if not navigation:
        navigation = [{"label": label, "url": f"/{kind}/"} for kind, label in
                      (("case-studies", "Case studies"), ("articles", "Articles"))
                      if any(p.kind == kind for p in pages)]
    if navigation:
        settings["navigation"] = navigation
    redirects = _list_redirects(list_urls, pages, found.static, notes)
    return ImportedSite(generator, settings, tuple(pages), found.static, notes, redirects)


def _through_redirects(table_: dict[str, Any], redirects: tuple[tuple[str, str], ...]) -> None:
    """Old URLs the old host redirected (`/updates/*` -> `/blog/:splat`) lead where their
    target leads: added to the table of old URLs, never over a real one."""
    for source, target in redirects:
        if source.endswith("/*") and target.endswith(":splat"):
            into, prefix = _norm(target.removesuffix(":splat")), source[:-1]
            for old in [o for o in table_ if o.startswith(into)]:
                table_.setdefault(_norm(prefix + old[len(into):]), table_[old])
        elif "*" not in source and ":" not in target and _norm(target) in table_:
            table_.setdefault(_norm(source), table_[_norm(target)])


def _list_redirects(list_urls: dict[str, str], pages: list[ImportedPage],
                    static: tuple[tuple[str, Path], ...], notes: Notes,
                    ) -> tuple[tuple[str, str], ...]:
    """(old list URL, new list URL) for each old section list (/blog/) that casefolio's list
    replaces at another URL (/articles/): a redirect page goes in static/, as a list page
    has no `aliases:`; unless a page or file is there now."""
    taken = {_norm(p.url) for p in pages} | {_norm(a) for p in pages
                                              for a in p.meta.get("aliases", ())}
    taken |= {_norm("/" + rel) for rel, _ in static}
    found = []
    for old, new in sorted(list_urls.items()):
        if _norm(old) in (_norm(new), "/") or _norm(old) in taken or old.startswith("//"):
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
        if _norm(alias) in (_norm(url), *(f"/{f}/" for f in SITE_FOLDERS)):
            continue  # the same URL, or casefolio's own list there: it answers already
        if alias not in found:
            found.append(alias)
    return found


def _norm(url: str) -> str:
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


def _new_url(url: str, by_url: dict[str, ImportedPage], list_urls: dict[str, str],
             old_site: str) -> str | None:
    if url.strip() in ("", "#"):
        return None
    path = _old_path(url, old_site)
    if path is None:
        return url
    if (page := by_url.get(_norm(path))) is not None:
        return page.url
    return list_urls.get(_norm(path), path)


def _resolver(target: ImportedPage, targets: dict[str, ImportedPage],
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
            page = by_url.get(_norm(old))
            if page is None:
                return list_urls.get(_norm(old))
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


def _relink(body: str, target: ImportedPage, by_url: dict[str, ImportedPage],
            list_urls: dict[str, str], old_site: str,
            static: frozenset[str] = frozenset()) -> str:
    """Links to the old site's pages become file links (Markdown) or new URLs (raw HTML); a
    relative link to a file only static/ has becomes root-relative."""
    here = posixpath.dirname(target.rel)

    def rooted(url: str) -> str | None:
        path = url.removeprefix("./").split("#")[0].split("?")[0]
        return "/" + url.removeprefix("./") if (
            path in static and not re.match(r"[A-Za-z][\w+.-]*:|[/#.]", url)) else None

    def markdown(url: str) -> str:
        path = _old_path(url, old_site)
        if path is None:
            return rooted(url) or url
        path, hashmark, anchor = path.partition("#")
        if (page := by_url.get(_norm(path))) is not None and path.rstrip("/") != "":
            return posixpath.relpath(page.rel, here) + hashmark + anchor
        if (new := list_urls.get(_norm(path))) is not None:
            return new + hashmark + anchor
        return (path if url != path and urlsplit(url).netloc else url) if path else url

    def html(url: str) -> str:
        path = _old_path(url, old_site)
        if path is None:
            return rooted(url) or url
        path, hashmark, anchor = path.partition("#")
        if (page := by_url.get(_norm(path))) is not None and path.rstrip("/") != "":
            return page.url + hashmark + anchor
        return list_urls.get(_norm(path), path) + hashmark + anchor

    def convert(text: str, _offset: int) -> str:
        text = _MD_LINK.sub(lambda m: m[1] + m[2] + markdown(m[3]) + m[4], text)
        text = _REF_DEF.sub(lambda m: m[1] + markdown(m[2]), text)
        return _HTML_ATTR.sub(lambda m: m[1] + m[2] + html(m[3]) + m[2], text)
    return outside_code(body, convert)
