"""Practice collections: one file of best practices, each `##` section one practice, with the
case studies that cite it as evidence."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any, Literal

from pydantic import Field

from generator.config import Config
from generator.content.document import Document
from generator.content.schema import Common
from generator.kinds import builtin
from generator.kinds.index import Index, card_ids, unique
from generator.kinds.kind import Kind, Pages
from generator.model import guides
from generator.model import views as v

FOLDER = "practices"


class PracticeMeta(Common):
    summary: str = Field(min_length=1)
    topic: str = ""
    practice_level: Literal[2, 3] = 2
    authors: tuple[str, ...] = ()
    updated: dt.date | None = None


def meta_of(doc: Document) -> PracticeMeta:
    assert isinstance(doc.meta, PracticeMeta)
    return doc.meta


def card(doc: Document, url: str, config: Config) -> v.Card:
    meta = meta_of(doc)
    count = len(guides.practices(doc.rendered, meta.practice_level))
    return v.Card(doc.id, doc.kind, meta.title, url, meta.summary, topic=meta.topic,
                  count=count)


def link(doc: Document, index: Index) -> None:
    """The authors, among site.yaml `people:`."""
    people = index.config.settings.people
    for i, person in enumerate(meta_of(doc).authors):
        if person not in people:
            index.unknown(doc, ("authors", i), "person", person, people,
                          "site.yaml `people:`")


def view(doc: Document, index: Index) -> v.Collection:
    """A guide's view: its parts in order, each practice with the case studies citing it."""
    meta = meta_of(doc)
    people = index.config.settings.people
    everyone = list(index.pointing("practice", f"{doc.id}#"))
    intro, parts = [], []
    for part in guides.parts(doc.rendered, index.sections_html[doc.id], meta.practice_level):
        if part.role == "intro":
            intro.append(part.html)
            continue
        ids = (unique(index.pointing("practice", f"{doc.id}#{part.anchor}"))
               if part.role == "practice" else [])
        everyone.extend(ids)
        parts.append(v.Practice(part.anchor, part.title, part.html, index.cards_of(ids),
                                part.number, part.level, part.role))
    everyone = unique(everyone)
    anchors = ["", *(p.anchor for p in parts if p.role == "practice")]
    articles = unique(i for a in anchors for i in index.pointing("cites", f"{doc.id}#{a}"))
    return v.Collection(
        id=doc.id, url=index.urls[doc.id], card=index.cards[doc.id], title=meta.title,
        summary=meta.summary, topic=meta.topic, intro_html="".join(intro),
        practices=tuple(p for p in parts if p.role == "practice"),
        evidence=index.cards_of(everyone), draft=meta.draft,
        reads=frozenset(card_ids([*everyone, *articles])) | index.reads[doc.id],
        parts=tuple(parts), practice_level=meta.practice_level, updated=meta.updated,
        authors=tuple(v.Author(p, people[p].name, people[p].role, people[p].url)
                      for p in meta.authors if p in people),
        articles=index.cards_of(articles))


def reprose(view: Any, doc: Document, body: str, sections: list[str]) -> Any:
    new = {p.anchor: p.html for p in guides.parts(doc.rendered, sections,
                                                  meta_of(doc).practice_level)}
    parts = tuple(dataclasses.replace(p, html=new[p.anchor]) for p in view.parts)
    return dataclasses.replace(view, intro_html=new.get("", ""), parts=parts,
                               practices=tuple(p for p in parts if p.role == "practice"))


def without_prose(view: Any) -> Any:
    parts = tuple(dataclasses.replace(p, html="") for p in view.parts)
    return dataclasses.replace(view, intro_html="", parts=parts, practices=tuple(
        p for p in parts if p.role == "practice"))


def routes(pages: Pages) -> None:
    step = ("Best practices", f"{FOLDER}/")
    collections = pages.views(FOLDER)
    pages.add(f"{FOLDER}/index.html", "collections.html", page_kind=FOLDER,
              collections=pages.cards(FOLDER), breadcrumbs=pages.trail(step))
    for collection in collections:
        pages.add(pages.file(collection.url), "collection.html",
                  collection.reads | {collection.id}, page_kind="collection", page=collection,
                  breadcrumbs=pages.trail(step, (collection.card.title,
                                                 pages.rel(collection.url))))


KIND = Kind(builtin("practice"), PracticeMeta, order=lambda d: (d.meta.title.lower(), d.slug),
            card=card, view=view, routes=routes, link=link, sections=True, reprose=reprose,
            without_prose=without_prose)
