"""The site while it is being linked: every document's URL, card and anchors, the edges the
kinds record between documents, and the problems found so far.

It is the one mutable thing of site.build_site, and it never leaves it: kinds write edges
and problems into it while linking, then read them while making their views."""

from __future__ import annotations

import functools
import hashlib
import posixpath
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar

from slugify import slugify

from generator.config import Config
from generator.content.document import Document
from generator.content.markdown import Rendered, fill, render
from generator.content.schema import Testimonial
from generator.content.sources import Asset
from generator.errors import Problem, did_you_mean
from generator.images import plan as img
from generator.images.markup import ImageMarkup
from generator.model import views as v
from generator.model.metrics import Result, aggregate

T = TypeVar("T")


class Index:
    """URLs, cards and anchors of every document; edges; image planning; problems."""

    def __init__(self, config: Config, docs: Mapping[str, list[Document]],
                 urls: Mapping[str, str], cards: dict[str, v.Card],
                 anchors: Mapping[str, Mapping[str, str]], assets: list[Asset],
                 by_rel: Mapping[str, Document],
                 absent: Mapping[str, tuple[str, str]] | None = None, *,
                 markup: ImageMarkup) -> None:
        self.config = config
        self.markup = markup          # the theme's: the html that shows an image
        self.base = config.base_path
        self.docs = docs              # folder -> its documents, in the kind's order
        self.urls = urls              # id -> URL
        self.cards = cards            # id -> card (a kind may add to it while linking)
        self.made = dict(cards)       # id -> card as its kind made it
        # An unlisted document is in no list: what it names does not list it back.
        self.unlisted = {d.id for group in docs.values() for d in group
                         if getattr(d.meta, "unlisted", False)}
        self.anchors = anchors        # id -> anchor -> heading text
        self.by_rel = by_rel          # content path -> document
        # The content files not among the documents: path -> (slug, why), see build_site.
        self.absent = absent or {}
        self._absent_slugs = {(rel.split("/")[1], slug): (rel, why)
                              for rel, (slug, why) in self.absent.items()
                              if rel.count("/") == 2 and rel.lower().endswith(".md")}
        self.problems: list[Problem] = []
        self.html: dict[str, str] = {}                # id -> body, links and images filled
        self.sections_html: dict[str, list[str]] = {}
        self.jobs: list[img.Job] = []                 # share cards and other extra images
        self.reads: dict[str, set[str]] = defaultdict(set)  # id -> records/images it shows
        self.niche_cards = {nid: v.Card(f"niches/{nid}", "niches", n.name,
                                        self.base + f"niches/{nid}/", n.pitch)
                            for nid, n in config.settings.niches.items()}
        self._out: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
        self._in: dict[str, list[str]] = defaultdict(list)
        self._memo: dict[str, Any] = {}
        self.structural: dict[str, Any] = {}  # the once() values marked structural
        self.unstructured = False  # set when a value not marked structural is asked for
        self.shown_by: dict[str, list[str]] = defaultdict(list)  # id -> images it showed
        self.assets = {a.rel: a for a in assets}
        self.image_jobs, self.copied = img.plan(config.site_dir, assets)
        self.shown: dict[str, str] = {}  # site-relative path -> fingerprint, of shown images
        # Fingerprints of records kinds derive beyond cards (a case study's ranking keys,
        # `rank:<id>`), which pages may read: Site.fingerprints holds them too.
        self.records: dict[str, str] = {}
        self.recorded: list[str] = []  # the names recorded, in order (kinds/linking.py replays)

    # Edges between documents (and niches, tags...), kept as ids, in the order recorded.
    def point(self, source: str, relation: str, target: str) -> None:
        """Record that document `source` names `target` (e.g. 'service', 'services/audit')."""
        self._out[source][relation].append(target)
        if source not in self.unlisted:
            self._in[f"{relation}:{target}"].append(source)

    def outgoing(self, source: str, relation: str) -> list[str]:
        return self._out[source][relation] if source in self._out else []

    def pointing(self, relation: str, target: str) -> list[str]:
        """The documents that named `target`, in the order they did."""
        return self._in.get(f"{relation}:{target}", [])

    def targets(self, relation: str) -> list[str]:
        """Every target of a relation, in the order first named."""
        prefix = f"{relation}:"
        return [key[len(prefix):] for key in self._in if key.startswith(prefix)]

    def record(self, name: str, value: object) -> None:
        """Fingerprint a derived record (`rank:<id>`) that pages may list in their reads."""
        self.records[name] = hashlib.blake2b(repr(value).encode(), digest_size=16).hexdigest()
        self.recorded.append(name)

    def slugs(self, folder: str) -> set[str]:
        return {d.slug for d in self.docs.get(folder, ())}

    def cards_of(self, ids: Iterable[str]) -> tuple[v.Card, ...]:
        return tuple(self.cards[i] for i in ids)

    def once(self, name: str, make: Callable[[], T], structural: bool = False) -> T:
        """A value a kind derives from all its documents at once (e.g. related studies).
        `structural`: derived from nothing but the edges, the documents' order and the
        records (`rank:`), so that a relinking in which none of those changed may reuse it."""
        if name not in self._memo:
            self._memo[name] = make()
            if structural:
                self.structural[name] = self._memo[name]
        if name not in self.structural:
            self.unstructured = True  # what used it may depend on any document
        return self._memo[name]

    def seed(self, memo: Mapping[str, Any]) -> None:
        """Structural values of a linking whose structure this one has (see once)."""
        self._memo.update(memo)
        self.structural.update(memo)

    def unknown(self, doc: Document, key: tuple[str | int, ...], what: str, value: str,
                choices: Iterable[str], where: str) -> None:
        """Report a reference to something that does not exist, with the likely fix."""
        choices = list(choices)
        hint = did_you_mean(value, choices) or (
            f"known: {', '.join(sorted(choices))}" if choices else f"add it to {where}")
        self.problems.append(Problem(doc.rel, doc.line(*key), f"unknown {what} `{value}`", hint))

    def missing(self, doc: Document, key: tuple[str | int, ...], what: str, folder: str,
                slug: str) -> None:
        """Report a reference to a document of `folder` that is not published: why (a draft,
        a future date), or nothing when it did not load (its own error says so), or, when
        there is no such file, the likely fix."""
        if (folder, slug) in self._absent_slugs:
            rel, why = self._absent_slugs[folder, slug]
            if why:
                self.problems.append(Problem(doc.rel, doc.line(*key),
                                             f"{what} `{slug}` ({rel}) {why}", PUBLISH_HINT))
            return
        self.unknown(doc, key, what, slug, self.slugs(folder), f"content/{folder}/")

    def resolve_link(self, doc: Document, target: str) -> tuple[tuple[str, str], str | None]:
        """A link as written -> (final URL, id of the document linked to, '' for a file or
        generated page), or ((message, hint), None) when it dangles (message '' when the
        target's own error says why): .md files, files, root-relative paths, #anchors."""
        path = target.partition("#")[0]
        if path and not path.startswith("/"):
            rel = posixpath.normpath(posixpath.join(posixpath.dirname(doc.rel), path))
            if rel not in self.by_rel and rel in self.absent:
                why = self.absent[rel][1]
                return ((f"link to `{target}`: {rel} {why}", PUBLISH_HINT) if why
                        else ("", "")), None
        return _resolve_link(doc, target, self)

    def inline(self, doc: Document, key: tuple[str | int, ...], text: str, label: str = "",
               ) -> tuple[str, str]:
        """One paragraph of inline Markdown (no raw html), its file links resolved: (html,
        plain text). `label` starts the message of a link that dangles."""
        line = doc.line(*key) or 1
        rendered = render(text, raw_html=False, line_offset=line - 1)
        links = []
        for link in rendered.links:
            target, found = self.resolve_link(doc, link.target)
            if found is None:
                if target[0]:
                    self.problems.append(Problem(doc.rel, line, label + target[0], target[1]))
            else:
                self.reads[doc.id].add(f"card:{found}")
            links.append(target[0] if found is not None else "#")
        body = fill(rendered.html, links, ["" for _ in rendered.images]).strip()
        if body.startswith("<p>") and body.endswith("</p>") and body.count("<p>") == 1:
            body = body[3:-4]
        return body, rendered.text

    def quotes(self, doc: Document, one: Testimonial | None, several: Iterable[Testimonial],
               ) -> tuple[v.Quote, ...]:
        """`testimonial:` then `testimonials:`, each photo through the image pipeline."""
        keyed: list[tuple[tuple[str | int, ...], Testimonial]] = (
            [(("testimonial",), one)] if one else [])
        keyed += [(("testimonials", i), t) for i, t in enumerate(several)]
        return tuple(v.Quote(t.quote, t.name, t.role, self.picture(
            doc, t.photo, t.name, doc.line(*key, "photo"), "", self.config.image_sizes("photo"))
            if t.photo else "") for key, t in keyed)

    def picture(self, doc: Document, src: str, alt: str, line: int | None, alt_hint: str,
                sizes: str | None = None, eager: bool = False, title: str = "") -> str:
        """An image reference checked and turned into html ('' and a problem when it fails)."""
        rel = image_rel(doc, src)
        asset, job = self.assets.get(rel), self.image_jobs.get(rel)
        if asset is None and rel in self.absent:  # a file that could not be read: said already
            pass
        elif asset is None:
            self.problems.append(Problem(
                doc.rel, line, f"image `{src}` not found",
                did_you_mean(src, [posixpath.relpath(r, posixpath.dirname(doc.rel))
                                   for r in self.image_jobs]) or f"put the file at {rel}"))
        elif not alt.strip():
            self.problems.append(Problem(doc.rel, line, f"image `{src}` has no alt text",
                                         alt_hint))
        else:
            self.shown[rel] = asset.fingerprint
            self.shown_by[doc.id].append(rel)
            self.reads[doc.id].add(f"image:{rel}")
            if isinstance(job, str):
                self.problems.append(Problem(doc.rel, line, f"image `{src}`: {job}",
                                             f"open {rel} in an image editor and export it "
                                             "again"))
            elif job is None:
                return self.markup.img(self.base + asset.out, alt, title)
            else:
                return self.markup.picture(job, alt, self.base, title=title, eager=eager,
                                            sizes=sizes or self.config.image_sizes("prose"))
        return ""


PUBLISH_HINT = ("publish it (remove `draft: true`, or wait for its date) or remove the "
                "reference; `casefolio serve` and `build --drafts --future` show it")


def image_rel(doc: Document, src: str) -> str:
    """An image reference, relative to the content file, as a site-relative path."""
    return posixpath.normpath(posixpath.join(posixpath.dirname(doc.rel), src))


_WORD = re.compile(r"\w")


def findall_at_words(pattern: re.Pattern[str], html: str) -> list[str]:
    """pattern.findall(html) of its matches that start a word: the `\b` a pattern would
    begin with, checked here. Python's re looks for a pattern that begins with `\b` at every
    position, one that begins with a letter only where that letter is (0.21 -> 0.09 ms for a
    9 kB page; ~2,000 pages are searched when a 1,000-study site is linked)."""
    return [m[1] for m in pattern.finditer(html)
            if not (m.start() and _WORD.match(html, m.start() - 1))]


def headline(metric: Result | None, who: str = "") -> tuple[str, str]:
    """A share card's key result: ('+38%', 'Mobile conversion rate, Lumen Skincare'),
    ('400+ days', 'Unbroken uptime record, Kuvio')."""
    if metric is None:
        return "", ""
    return metric.primary, f"{metric.label}, {who}" if who else metric.label


def highlights(cards: Iterable[v.Card], limit: int = 3) -> tuple[v.Highlight, ...]:
    """The contract's default tiles: medians of results two or more case studies share, then
    the featured case studies' headline results, the largest first. A label held by one
    case study is never an aggregate."""
    cards = list(cards)
    shared = aggregate((card.id, r) for card in cards for r in card.results)
    out = [v.Highlight(a.label, a.text, a.count) for a in shared[:limit]]
    taken = {a.label.casefold() for a in shared}
    featured = sorted((c for c in cards if c.featured and c.headline is not None
                       and c.headline.label.strip().casefold() not in taken),
                      key=lambda c: (-c.headline.magnitude, c.id))  # type: ignore[union-attr]
    for card in featured[:max(0, limit - len(out))]:
        r = card.headline
        assert r is not None
        out.append(v.Highlight(r.label, r.primary, note=card.who, url=card.url))
    return tuple(out)


def toc(doc: Document) -> tuple[v.Heading, ...]:
    return tuple(v.Heading(h.level, h.text, h.anchor) for h in doc.rendered.toc)


@functools.lru_cache(maxsize=4096)
def tag_slug(tag: str) -> str:
    """A tag's URL segment (slugify is slow enough to matter at 10,000 pages)."""
    return slugify(tag, replacements=_TAG_SIGNS) or "tag"


# Signs that tell common tags apart, kept in their URL: C, C++ and C# get three pages.
_TAG_SIGNS = (("++", " plus plus "), ("+", " plus "), ("#", " sharp "))


def card_fingerprint(card: v.Card) -> str:
    return hashlib.blake2b(repr(card).encode(), digest_size=16).hexdigest()


def card_ids(ids: Iterable[str]) -> list[str]:
    return [f"card:{i}" for i in ids]


@functools.lru_cache(maxsize=16384)
def filled(rendered: Rendered, links: tuple[str, ...], images: tuple[str, ...],
           ) -> tuple[str, list[str]]:
    """A body with its final link URLs and images; remembered, since in `serve` nearly every
    document is unchanged from one rebuild to the next."""
    return (fill(rendered.html, links, images),
            [fill(s.html, links, images) for s in rendered.sections])


def unique(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))


def _resolve_link(doc: Document, target: str, index: Index,
                  ) -> tuple[tuple[str, str], str | None]:
    """A relative .md link -> (final URL, id of the document linked to), or ((message, hint),
    None) when it dangles. A link to a file or generated page (not a document) gives ''
    for the id; one to `#anchor` on the same page is checked against its headings."""
    path, _, fragment = target.partition("#")
    if not path:
        return _resolve_anchor(doc, target, fragment, doc, index)
    if path.startswith("/"):
        return resolve_root(doc, target, index)
    rel = posixpath.normpath(posixpath.join(posixpath.dirname(doc.rel), path))
    found = index.by_rel.get(rel)
    anchors = index.anchors
    if found is None and not path.endswith(".md"):
        rel, _, query = rel.partition("?")
        fragment = f"{query and '?' + query}{fragment and '#' + fragment}"
        asset = index.assets.get(rel)
        if asset is not None:
            return (index.base + asset.out + fragment, ""), ""
        page = index.urls[doc.id].removeprefix(index.base)  # a URL relative to the page's
        as_url = posixpath.normpath(posixpath.join("/" + page, path))
        if not as_url.startswith("//") and as_url != "/..":
            as_url += "/" if path.endswith("/") and as_url != "/" else ""
            resolved, ok = resolve_root(doc, as_url + fragment, index)
            if ok is not None:
                return resolved, ok
        hint = did_you_mean(rel, index.assets) or f"put the file at {rel}"
        return (f"link to `{target}`: no such file ({rel})", hint), None
    if found is None:
        hint = did_you_mean(rel, index.by_rel) or "check the file name and the ../ part"
        return (f"link to `{target}`: no such content file ({rel})", hint), None
    if fragment and fragment not in anchors[found.id]:
        hint = did_you_mean(fragment, anchors[found.id]) or (
            f"anchors in {rel}: {', '.join(sorted(anchors[found.id])) or 'none'}")
        return (f"link to `{target}`: no heading with anchor `#{fragment}` in {rel}",
                hint), None
    url = index.urls[found.id] + (f"#{fragment}" if fragment else "")
    return (url, ""), found.id


# Ids the theme's pages have besides the body's headings: `#main`, `#cta`...
THEME_IDS = frozenset({"main", "cta", "cta-form", "evidence", "used-in", "top"})
# What the theme publishes at the site root besides documents and files.
_LISTING = re.compile(r"(?:page/\d+/)?")  # a kind's list page, or one of its pages
SITE_FILES = frozenset({"", "index.html", "feed.xml", "sitemap.xml", "robots.txt", "404.html",
                        "_redirects", "_headers"})


def _resolve_anchor(doc: Document, target: str, fragment: str, found: Document, index: Index,
                    ) -> tuple[tuple[str, str], str | None]:
    """`#fragment` on the page of `found`, checked against its headings' ids."""
    anchors = index.anchors[found.id]
    if fragment in anchors or fragment in THEME_IDS:
        return (f"#{fragment}" if found is doc else f"{index.urls[found.id]}#{fragment}",
                ""), found.id
    hint = did_you_mean(fragment, anchors) or (
        f"anchors in {found.rel}: {', '.join(sorted(anchors)) or 'none'}")
    return (f"link to `{target}`: no heading with anchor `#{fragment}` in {found.rel}",
            hint), None


def resolve_root(doc: Document, target: str, index: Index,
                 ) -> tuple[tuple[str, str], str | None]:
    """A root-relative link (`/case-studies/x/`, `/img/a.png`): under the base_url's path,
    checked against what the site publishes there."""
    path, _, fragment = target.partition("#")
    path, _, query = path.partition("?")
    inside = path.lstrip("/")
    suffix = (f"?{query}" if query else "") + (f"#{fragment}" if fragment else "")
    url = index.base + inside + suffix
    pages = index.once("links:pages", lambda: {
        u.removeprefix(index.base): i for i, u in index.urls.items()})
    outs = index.once("links:outs", lambda: {a.out for a in index.assets.values()})
    page = pages.get(inside) or pages.get(inside + "/")
    if page is not None:
        found = index.once("links:ids", lambda: {d.id: d for d in index.by_rel.values()})[page]
        if fragment:
            resolved, ok = _resolve_anchor(doc, target, fragment, found, index)
            return ((url, ""), page) if ok is not None else (resolved, None)
        return (url, ""), page
    first, _, rest = inside.partition("/")
    generated = inside in SITE_FILES or first == "tags" or (
        first in index.docs and _LISTING.fullmatch(rest) is not None) or (
        first == "niches" and (not rest or index.base + inside in {
            c.url for c in index.niche_cards.values()})) or (
        first == "people" and (not rest or rest.rstrip("/") in index.config.settings.people))
    if inside in outs or inside.rstrip("/") + "/index.html" in outs or generated:
        return (url, ""), ""
    hint = did_you_mean(inside, [*pages, *outs]) or (
        "a root-relative link names a path under the site's root (static/ or a page's URL)")
    return (f"link to `{target}`: nothing is published at /{inside}", hint), None


def _root_image(doc: Document, src: str, index: Index) -> str:
    """A root-relative image (`/img/a.png`) as the path, from the document, of the file
    published there (static/img/a.png); as written when there is none."""
    by_out = index.once("links:by-out", lambda: {a.out: a.rel for a in index.assets.values()})
    rel = by_out.get(src.lstrip("/").partition("?")[0].partition("#")[0])
    return posixpath.relpath(rel, posixpath.dirname(doc.rel)) if rel else src
