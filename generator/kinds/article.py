"""Articles: posts and guides, with authors (people ids from site.yaml), tags, a cover, an
updated date and a series whose articles link to each other in date order. An article may
cite practices (shown back on their collection) and link to anything in its body."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from pydantic import Field, field_validator

from generator.config import Config
from generator.content.document import Document
from generator.content.schema import Common, ImageRef, check_slug
from generator.images import plan as img
from generator.kinds import builtin
from generator.kinds.index import Index, card_ids, image_rel, tag_slug, toc
from generator.kinds.kind import Kind, Pages
from generator.model import views as v

FOLDER = "articles"
ALT_HINT = "add `alt:`, a sentence saying what the picture shows"


class ArticleMeta(Common):
    date: dt.date = Field(description="The day it was published.")
    summary: str = Field(min_length=1, description="One or two sentences, for lists and the feed.")
    authors: tuple[str, ...] = Field((), description="Who wrote it: ids from site.yaml `people:`.")
    tags: tuple[str, ...] = Field((), description="Each gets a page at `/tags/<tag>/`, with "
                                  "the case studies of the same tag.")
    cover: ImageRef | None = Field(None, description="An image beside the file, shown at the "
                                   "top and as the share image.")
    updated: dt.date | None = Field(None, description="The day of its last real revision "
                                    "(the byline and `dateModified`).")
    series: str | None = Field(None, description="An id shared by the articles of a series: "
                               "each links to the others, oldest first.")
    practices: tuple[str, ...] = Field((), description="Practices it discusses, "
                                       "`collection[#anchor]`: listed on the collection.")
    weight: int | None = Field(None, description="Manual order in the list: lower first, "
                               "then newest first.")

    _series = field_validator("series")(classmethod(lambda cls, v: check_slug(v)))


@dataclass(frozen=True, slots=True)
class Author:
    id: str
    name: str
    role: str
    url: str        # the person's page


@dataclass(frozen=True, slots=True)
class Article:
    """What article.html receives as `page`."""

    id: str
    url: str
    card: v.Card
    title: str
    date: dt.date
    updated: dt.date | None
    summary: str
    authors: tuple[Author, ...]
    tags: tuple[tuple[str, str], ...]           # (name, URL)
    series: str
    series_parts: tuple[v.Card, ...]            # the whole series in date order, this one too
    practices: tuple[v.PracticeRef, ...]
    cover_html: str
    html: str
    toc: tuple[v.Heading, ...]
    words: int
    draft: bool
    reads: frozenset[str]
    og_image: v.OgImage | None = None


def meta_of(doc: Document) -> ArticleMeta:
    assert isinstance(doc.meta, ArticleMeta)
    return doc.meta


def card(doc: Document, url: str, config: Config) -> v.Card:
    meta = meta_of(doc)
    people = config.settings.people
    return v.Card(doc.id, doc.kind, meta.title, url, meta.summary, meta.date,
                  who=", ".join(people[a].name for a in meta.authors if a in people),
                  practices=meta.practices, tags=meta.tags)


def link(doc: Document, index: Index) -> None:
    """Authors, cited practices, tags."""
    meta = meta_of(doc)
    people = index.config.settings.people
    for i, person in enumerate(meta.authors):
        if person in people:
            index.point(doc.id, "author", person)
        else:
            index.unknown(doc, ("authors", i), "person", person, people, "site.yaml `people:`")
    collections = index.slugs("practices")
    for i, ref in enumerate(meta.practices):
        slug, _, anchor = ref.partition("#")
        cid = f"practices/{slug}"
        if slug not in collections:
            index.unknown(doc, ("practices", i), "practice collection", slug, collections,
                          "content/practices/")
        elif anchor and anchor not in index.anchors[cid]:
            index.unknown(doc, ("practices", i), f"practice in `{slug}`", anchor,
                          index.anchors[cid], f"the `##` headings of {slug}")
        else:
            index.point(doc.id, "cites", f"{cid}#{anchor}")
    for tag in meta.tags:
        index.point(doc.id, "tag", tag_slug(tag))


def view(doc: Document, index: Index) -> Article:
    meta = meta_of(doc)
    config, base = index.config, index.base
    people = config.settings.people
    cover_html = index.picture(doc, meta.cover.src, meta.cover.alt, doc.line("cover", "src"),
                               ALT_HINT, config.image_sizes("cover"),
                               eager=True) if meta.cover else ""
    cover_job = index.image_jobs.get(image_rel(doc, meta.cover.src)) if meta.cover else None
    og = img.og_job(cover_job, f"{FOLDER}/{doc.slug}/") if isinstance(
        cover_job, img.ImageJob) else None
    if og is not None:
        index.jobs.append(og)
    parts = index.once("series", lambda: _series(index)).get(meta.series or "", [])
    refs = [ref.partition("#")[::2] for ref in index.outgoing(doc.id, "cites")]
    return Article(
        id=doc.id, url=index.urls[doc.id], card=index.cards[doc.id], title=meta.title,
        date=meta.date, updated=meta.updated, summary=meta.summary,
        authors=tuple(Author(a, people[a].name, people[a].role, base + f"people/{a}/")
                      for a in meta.authors if a in people),
        tags=tuple((t, base + f"tags/{tag_slug(t)}/") for t in meta.tags),
        series=meta.series or "", series_parts=index.cards_of(parts),
        practices=tuple(_practice_ref(cid, anchor, index) for cid, anchor in refs),
        cover_html=cover_html, html=index.html[doc.id], toc=toc(doc),
        words=doc.rendered.words, draft=meta.draft,
        reads=frozenset({*card_ids(parts), *(c for c, _ in refs), *index.reads[doc.id]}),
        og_image=img.og_image(og, config.base_url, meta.cover.alt) if og and meta.cover
        else None)


def _series(index: Index) -> dict[str, list[str]]:
    """Series id -> its articles' ids, oldest first."""
    out: dict[str, list[str]] = defaultdict(list)
    docs = sorted(index.docs.get(FOLDER, []), key=lambda d: (meta_of(d).date, d.slug))
    for doc in docs:
        if meta_of(doc).series:
            out[meta_of(doc).series or ""].append(doc.id)
    return out


def _practice_ref(cid: str, anchor: str, index: Index) -> v.PracticeRef:
    title = index.cards[cid].title
    if anchor:
        return v.PracticeRef(cid, index.anchors[cid][anchor], title,
                             f"{index.urls[cid]}#{anchor}")
    return v.PracticeRef(cid, title, title, index.urls[cid])


def reprose(view: Any, doc: Document, body: str, sections: list[str]) -> Any:
    return dataclasses.replace(view, html=body, words=doc.rendered.words)


# Which articles a paginated list shows depends on the order of all of them.
ORDER = f"order:{FOLDER}"


def routes(pages: Pages) -> None:
    articles = pages.views(FOLDER)
    step = ("Articles", f"{FOLDER}/")
    size = pages.page_size
    cards = [a.card for a in articles]
    count = max(1, -(-len(cards) // size))
    for number in range(1, count + 1):
        path = f"{FOLDER}/" + ("" if number == 1 else f"page/{number}/")
        pages.add(path + "index.html", "articles.html", [ORDER], page_kind=FOLDER,
                  articles=cards[(number - 1) * size: number * size],
                  pager=pages.pager(f"{FOLDER}/", number, count),
                  breadcrumbs=pages.trail(step) if number == 1 else pages.trail(
                      step, (f"Page {number}", path)))
    for article in articles:
        pages.add(pages.file(article.url), "article.html", article.reads | {article.id},
                  page_kind="article", page=article,
                  breadcrumbs=pages.trail(step, (article.title, pages.rel(article.url))))


def order(doc: Document) -> tuple[Any, ...]:
    """Weighted articles first (lower first), then newest first."""
    meta = meta_of(doc)
    return (meta.weight is None, meta.weight or 0, -meta.date.toordinal(), doc.slug)


KIND = Kind(builtin("article"), ArticleMeta, order=order, card=card, view=view,
            routes=routes, link=link, reprose=reprose)
