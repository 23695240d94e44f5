"""Services: a productized offer with a price, deliverables, FAQ and the case studies that
prove it."""

from __future__ import annotations

from pydantic import Field, field_validator, model_validator

from generator.config import Config
from generator.content.document import Document
from generator.content.schema import (
    Common,
    Faq,
    Invalid,
    Price,
    Testimonial,
    Tier,
    _on_request,
)
from generator.images import plan as img
from generator.kinds import builtin
from generator.kinds.index import Index, card_ids, headline
from generator.kinds.kind import Kind, Pages
from generator.model import views as v
from generator.model.offers import card_price, service_tags

FOLDER = "services"


class ServiceMeta(Common):
    summary: str = Field(min_length=1)
    niches: tuple[str, ...] = ()
    price: Price | None = None
    tiers: tuple[Tier, ...] = ()
    deliverables: tuple[str, ...] = ()
    outcome: str = ""
    faq: tuple[Faq, ...] = ()
    testimonials: tuple[Testimonial, ...] = ()

    _price = field_validator("price", mode="before")(classmethod(
        lambda cls, v: _on_request(v)))

    @model_validator(mode="after")
    def _price_or_tiers(self) -> ServiceMeta:
        if self.price is not None and self.tiers:
            raise Invalid("give either `price:` or `tiers:`, not both",
                          "a tiered offer puts a `price:` in each tier")
        return self


def meta_of(doc: Document) -> ServiceMeta:
    assert isinstance(doc.meta, ServiceMeta)
    return doc.meta


def card(doc: Document, url: str, config: Config) -> v.Card:
    meta = meta_of(doc)
    text, flat = card_price(meta.price, meta.tiers)
    return v.Card(doc.id, doc.kind, meta.title, url, meta.summary, price_text=text,
                  flat_fee=flat)


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
        else (cards[doc.id].price_text, "flat fee" if cards[doc.id].flat_fee else "")),
        config.settings.title) if config.settings.share_cards else None
    if og is not None:
        index.jobs.append(og)
    own, tier_tags = service_tags(meta.price, meta.tiers)
    return v.Service(
        id=doc.id, url=index.urls[doc.id], card=cards[doc.id], title=meta.title,
        summary=meta.summary,
        niches=tuple(index.niche_cards[n] for n in meta.niches if n in index.niche_cards),
        price=meta.price, price_text=cards[doc.id].price_text,
        deliverables=meta.deliverables, outcome=meta.outcome,
        faq=tuple(_answer(doc, i, faq, index) for i, faq in enumerate(meta.faq)),
        html=index.html[doc.id], case_studies=index.cards_of(studies), draft=meta.draft,
        reads=frozenset(card_ids(studies)) | index.reads[doc.id],
        og_image=img.og_image(og, config.base_url, meta.title) if og else None,
        price_tag=own, tiers=tuple(v.Tier(t.name, t.description, tag, t.includes)
                                   for t, tag in zip(meta.tiers, tier_tags, strict=True)),
        testimonials=index.quotes(doc, None, meta.testimonials),
        flat_fee=cards[doc.id].flat_fee)


def _answer(doc: Document, i: int, faq: Faq, index: Index) -> v.Answer:
    """A FAQ answer as inline Markdown, its file links resolved like the body's."""
    html, text = index.inline(doc, ("faq", i, "a"), faq.a, f"faq[{i}].a: ")
    return v.Answer(faq.q, faq.a, text, html)


def routes(pages: Pages) -> None:
    step = ("Services", f"{FOLDER}/")
    services = pages.views(FOLDER)
    pages.add(f"{FOLDER}/index.html", "services.html", page_kind=FOLDER,
              services=[s for s in services if not s.unlisted], breadcrumbs=pages.trail(step))
    for service in services:
        pages.add(pages.file(service.url), "service.html", service.reads | {service.id},
                  page_kind="service", page=service,
                  breadcrumbs=pages.trail(step, (service.card.title, pages.rel(service.url))))


KIND = Kind(builtin("service"), ServiceMeta, order=lambda d: (d.meta.title.lower(), d.slug),
            card=card, view=view, routes=routes, link=link)
