"""Pages: about, contact and the like, at /<slug>/; `menu: true` puts one in the header."""

from __future__ import annotations

from generator.config import Config
from generator.content.document import Document
from generator.content.schema import Common
from generator.kinds import builtin
from generator.kinds.index import Index, toc
from generator.kinds.kind import Kind, Pages
from generator.model import views as v

FOLDER = "pages"


class PageMeta(Common):
    summary: str = ""
    menu: bool = False


def meta_of(doc: Document) -> PageMeta:
    assert isinstance(doc.meta, PageMeta)
    return doc.meta


def card(doc: Document, url: str, config: Config) -> v.Card:
    meta = meta_of(doc)
    return v.Card(doc.id, doc.kind, meta.title, url, meta.summary)


def view(doc: Document, index: Index) -> v.Page:
    meta = meta_of(doc)
    return v.Page(id=doc.id, url=index.urls[doc.id], card=index.cards[doc.id], title=meta.title,
                  summary=meta.summary, menu=meta.menu, html=index.html[doc.id], toc=toc(doc),
                  draft=meta.draft, reads=frozenset(index.reads[doc.id]))


def routes(pages: Pages) -> None:
    for page in pages.views(FOLDER):
        pages.add(pages.file(page.url), "page.html", page.reads | {page.id}, page_kind="page",
                  page=page, breadcrumbs=pages.trail((page.card.title, pages.rel(page.url))))


KIND = Kind(builtin("page"), PageMeta, order=lambda d: d.slug, card=card, view=view,
            routes=routes, at_root=True, nav=False)
