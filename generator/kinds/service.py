"""Services: a productized offer with a price, deliverables, FAQ and the case studies that
prove it."""

from __future__ import annotations

from pydantic import Field

from generator.config import Config
from generator.content.document import Document
from generator.content.schema import Common, Faq, Price
from generator.images import process as img
from generator.kinds import builtin
from generator.kinds.index import Index, card_ids, headline
from generator.kinds.kind import Kind, Pages
from generator.model import views as v
from generator.model.metrics import format_value

FOLDER = "services"


class ServiceMeta(Common):
    summary: str = Field(min_length=1)
    niches: tuple[str, ...] = ()
    price: Price | None = None
    deliverables: tuple[str, ...] = ()
    outcome: str = ""
    faq: tuple[Faq, ...] = ()


def meta_of(doc: Document) -> ServiceMeta:
    assert isinstance(doc.meta, ServiceMeta)
    return doc.meta


def price_text(meta: ServiceMeta) -> str:
    if meta.price is None:
        return ""
    per = {"month": "/month", "week": "/week", "project": " per project"}[meta.price.per]
    return f"{format_value(meta.price.amount, meta.price.currency)}{per}"


def card(doc: Document, url: str, config: Config) -> v.Card:
    meta = meta_of(doc)
    return v.Card(doc.id, doc.kind, meta.title, url, meta.summary, price_text=price_text(meta))


def link(doc: Document, index: Index) -> None:
    niches = index.config.settings.niches
    for i, niche in enumerate(meta_of(doc).niches):
        if niche not in niches:
            index.unknown(doc, ("niches", i), "niche", niche, niches, "site.yaml `niches:`")
        elif doc.id not in index.pointing("serves", niche):
            index.point(doc.id, "serves", niche)


def view(doc: Document, index: Index) -> v.Service:
    meta = meta_of(doc)
    config, cards = index.config, index.cards
    studies = index.pointing("service", doc.id)
    proof = studies[:1]
    og = img.card_job(f"{FOLDER}/{doc.slug}/", meta.title, *(
        headline(cards[proof[0]].headline, cards[proof[0]].who) if proof
        else (cards[doc.id].price_text, "flat fee" if meta.price else "")),
        config.settings.title) if config.settings.share_cards else None
    if og is not None:
        index.jobs.append(og)
    return v.Service(
        id=doc.id, url=index.urls[doc.id], card=cards[doc.id], title=meta.title,
        summary=meta.summary,
        niches=tuple(index.niche_cards[n] for n in meta.niches if n in index.niche_cards),
        price=meta.price, price_text=cards[doc.id].price_text,
        deliverables=meta.deliverables, outcome=meta.outcome, faq=meta.faq,
        html=index.html[doc.id], case_studies=index.cards_of(studies), draft=meta.draft,
        reads=frozenset(card_ids(studies)) | index.reads[doc.id],
        og_image=img.og_image(og, config.base_url, meta.title) if og else None)


def routes(pages: Pages) -> None:
    step = ("Services", f"{FOLDER}/")
    services = pages.views(FOLDER)
    pages.add(f"{FOLDER}/index.html", "services.html", page_kind=FOLDER,
              services=list(services), breadcrumbs=pages.trail(step))
    for service in services:
        pages.add(pages.file(service.url), "service.html", service.reads | {service.id},
                  page_kind="service", page=service,
                  breadcrumbs=pages.trail(step, (service.title, pages.rel(service.url))))


KIND = Kind(builtin("service"), ServiceMeta, order=lambda d: (d.meta.title.lower(), d.slug),
            card=card, view=view, routes=routes, link=link)
