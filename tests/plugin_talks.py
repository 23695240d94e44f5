"""A site plugin adding a complete content kind, talks, through the public extension point
only (generator.kinds): schema, card, links to case studies, view, listing and pages, a
`new` archetype, templates, a Jinja filter and a markdown-it rule. tests/test_plugins.py
builds and serves sites with it; docs/plugins.md shows the same plugin."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import Field

from generator.config import Config
from generator.content.document import Document
from generator.content.schema import Common
from generator.kinds import KindName
from generator.kinds.index import Index, card_ids
from generator.kinds.kind import Kind, Pages
from generator.kinds.registry import Registry
from generator.model.views import Card

FOLDER = "talks"


class TalkMeta(Common):
    """content/talks/*.md: a conference talk, and the case studies it draws on."""

    date: dt.date
    event: str = Field(min_length=1)
    summary: str = ""
    case_studies: tuple[str, ...] = ()   # slugs of case studies


@dataclass(frozen=True, slots=True)
class Talk:
    """What talk.html receives as `page`."""

    id: str
    url: str
    card: Card
    title: str
    date: dt.date
    event: str
    summary: str
    html: str
    case_studies: tuple[Card, ...]
    draft: bool
    reads: frozenset[str]


def meta_of(doc: Document) -> TalkMeta:
    assert isinstance(doc.meta, TalkMeta)
    return doc.meta


def card(doc: Document, url: str, config: Config) -> Card:
    meta = meta_of(doc)
    return Card(doc.id, doc.kind, meta.title, url, meta.summary, meta.date, who=meta.event)


def link(doc: Document, index: Index) -> None:
    studies = index.slugs("case-studies")
    for i, slug in enumerate(meta_of(doc).case_studies):
        if slug in studies:
            index.point(doc.id, "talk-cites", f"case-studies/{slug}")
        else:
            index.unknown(doc, ("case_studies", i), "case study", slug, studies,
                          "content/case-studies/")


def view(doc: Document, index: Index) -> Talk:
    meta, cited = meta_of(doc), index.outgoing(doc.id, "talk-cites")
    return Talk(doc.id, index.urls[doc.id], index.cards[doc.id], meta.title, meta.date,
                meta.event, meta.summary, index.html[doc.id], index.cards_of(cited),
                meta.draft, frozenset(card_ids(cited)) | index.reads[doc.id])


def routes(pages: Pages) -> None:
    step = ("Talks", f"{FOLDER}/")
    talks = pages.views(FOLDER)
    pages.add(f"{FOLDER}/index.html", "talks.html", page_kind=FOLDER,
              talks=[t.card for t in talks], breadcrumbs=pages.trail(step))
    for talk in talks:
        pages.add(pages.file(talk.url), "talk.html", talk.reads | {talk.id},
                  page_kind="talk", page=talk,
                  breadcrumbs=pages.trail(step, (talk.title, pages.rel(talk.url))))


ARCHETYPE = """\
---
title: {{title}}
date: {{date}}
event: "The conference"
summary: ""
case_studies: []
draft: true
---
What the talk says.
"""

KIND = Kind(KindName("talk", FOLDER, "Talks"), TalkMeta,
            order=lambda d: (-meta_of(d).date.toordinal(), d.slug),
            card=card, view=view, routes=routes, link=link, archetype=ARCHETYPE)


def shout(md: Any) -> None:
    """A markdown-it plugin: `!!text!!` becomes <mark>text</mark>."""
    def rule(state: Any, silent: bool) -> bool:
        start = state.pos
        if not state.src.startswith("!!", start):
            return False
        end = state.src.find("!!", start + 2)
        if end < 0:
            return False
        if not silent:
            state.push("html_inline", "", 0).content = "<mark>"
            token = state.push("text", "", 0)
            token.content = state.src[start + 2:end]
            state.push("html_inline", "", 0).content = "</mark>"
        state.pos = end + 2
        return True
    md.inline.ruler.before("emphasis", "shout", rule)


def plugin(registry: Registry) -> None:
    registry.add_kind(KIND)
    registry.add_templates(Path(__file__).parent / "plugin_talks_templates")
    registry.add_filter("year", lambda day: str(day.year))
    registry.add_markdown(shout)
