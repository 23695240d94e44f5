"""Practice collections: one file of best practices, each `##` section one practice, with the
case studies that cite it as evidence."""

from __future__ import annotations

import dataclasses
from typing import Any

from pydantic import Field

from generator.config import Config
from generator.content.document import Document
from generator.content.schema import Common
from generator.kinds import builtin
from generator.kinds.index import Index, card_ids, unique
from generator.kinds.kind import Kind, Pages
from generator.model import views as v

FOLDER = "practices"


class PracticeMeta(Common):
    summary: str = Field(min_length=1)
    topic: str = ""


def meta_of(doc: Document) -> PracticeMeta:
    assert isinstance(doc.meta, PracticeMeta)
    return doc.meta


def card(doc: Document, url: str, config: Config) -> v.Card:
    meta = meta_of(doc)
    count = sum(1 for s in doc.rendered.sections if s.anchor)
    return v.Card(doc.id, doc.kind, meta.title, url, meta.summary, topic=meta.topic,
                  count=count)


def view(doc: Document, index: Index) -> v.Collection:
    meta = meta_of(doc)
    whole = index.pointing("practice", f"{doc.id}#")
    practices, everyone = [], list(whole)
    sections = index.sections_html[doc.id]
    for section, section_html in zip(doc.rendered.sections, sections, strict=True):
        if not section.anchor:
            continue
        ids = unique(index.pointing("practice", f"{doc.id}#{section.anchor}"))
        everyone.extend(ids)
        practices.append(v.Practice(section.anchor, section.title, section_html,
                                    index.cards_of(ids)))
    intro = "".join(h for s, h in zip(doc.rendered.sections, sections, strict=True)
                    if not s.anchor)
    everyone = unique(everyone)
    anchors = ["", *(p.anchor for p in practices)]
    articles = unique(i for a in anchors for i in index.pointing("cites", f"{doc.id}#{a}"))
    return v.Collection(
        id=doc.id, url=index.urls[doc.id], card=index.cards[doc.id], title=meta.title,
        summary=meta.summary, topic=meta.topic, intro_html=intro, practices=tuple(practices),
        evidence=index.cards_of(everyone), draft=meta.draft,
        reads=frozenset(card_ids([*everyone, *articles])) | index.reads[doc.id],
        articles=index.cards_of(articles))


def reprose(view: Any, doc: Document, body: str, sections: list[str]) -> Any:
    practices = iter(view.practices)
    parts = [(s.anchor, h) for s, h in zip(doc.rendered.sections, sections, strict=True)]
    return dataclasses.replace(
        view, intro_html="".join(h for a, h in parts if not a),
        practices=tuple(dataclasses.replace(next(practices), html=h) for a, h in parts if a))


def without_prose(view: Any) -> Any:
    return dataclasses.replace(view, intro_html="", practices=tuple(
        dataclasses.replace(p, html="") for p in view.practices))


def routes(pages: Pages) -> None:
    step = ("Best practices", f"{FOLDER}/")
    collections = pages.views(FOLDER)
    pages.add(f"{FOLDER}/index.html", "collections.html", page_kind=FOLDER,
              collections=[c.card for c in collections], breadcrumbs=pages.trail(step))
    for collection in collections:
        pages.add(pages.file(collection.url), "collection.html",
                  collection.reads | {collection.id}, page_kind="collection", page=collection,
                  breadcrumbs=pages.trail(step, (collection.title, pages.rel(collection.url))))


KIND = Kind(builtin("practice"), PracticeMeta, order=lambda d: (d.meta.title.lower(), d.slug),
            card=card, view=view, routes=routes, sections=True, reprose=reprose,
            without_prose=without_prose)
