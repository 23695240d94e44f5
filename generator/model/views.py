"""The frozen view objects templates receive. Each names the other records it was derived from
(`reads`), so the renderer knows exactly which pages a change touches."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from generator.content.schema import Comparison, Faq, ImageRef, Price, Testimonial
from generator.model.metrics import Result


@dataclass(frozen=True, slots=True)
class Card:
    """A short view of any page, for lists: derived only from that page's own file.

    Pages that show another page only through its card read `card:<id>`, whose fingerprint
    changes with the card, not with every edit of that page's body."""

    id: str
    kind: str
    title: str
    url: str
    summary: str
    date: dt.date | None = None
    who: str = ""                  # client name or confidential description
    niche: str = ""                # niche id
    niche_name: str = ""
    headline: Result | None = None  # first metric
    results: tuple[Result, ...] = ()
    services: tuple[str, ...] = ()
    practices: tuple[str, ...] = ()  # refs as written: collection[#anchor]
    tags: tuple[str, ...] = ()
    featured: bool = False
    price_text: str = ""
    topic: str = ""
    count: int = 0                 # practices in a collection


@dataclass(frozen=True, slots=True)
class PracticeRef:
    """A practice applied by a case study: link to its anchor in a collection."""

    collection: str   # collection id
    title: str        # practice title, or the collection title when the whole collection
    collection_title: str
    url: str


@dataclass(frozen=True, slots=True)
class Practice:
    """One `##` section of a collection, with the case studies that show it working."""

    anchor: str
    title: str
    html: str
    evidence: tuple[Card, ...]


@dataclass(frozen=True, slots=True)
class Heading:
    level: int
    text: str
    anchor: str


@dataclass(frozen=True, slots=True)
class OgImage:
    """The share preview of a page: what the og:image meta tags say."""

    url: str   # absolute
    width: int
    height: int
    type: str  # MIME type
    alt: str


@dataclass(frozen=True, slots=True)
class CaseStudy:
    id: str
    url: str
    card: Card
    title: str
    date: dt.date
    summary: str
    who: str
    client: str | None
    confidential: bool
    niche: Card
    services: tuple[Card, ...]
    practices: tuple[PracticeRef, ...]
    duration: str
    results: tuple[Result, ...]
    testimonial: Testimonial | None
    tags: tuple[tuple[str, str], ...]   # (name, url)
    cover: ImageRef | None
    comparisons: tuple[Comparison, ...]
    html: str
    toc: tuple[Heading, ...]
    words: int
    related: tuple[Card, ...]
    draft: bool
    reads: frozenset[str]
    cover_html: str = ""        # a sized <picture>, ready to insert (safe html)
    comparisons_html: str = ""  # the before/after figures, ready to insert (safe html)
    og_image: OgImage | None = None


@dataclass(frozen=True, slots=True)
class Collection:
    id: str
    url: str
    card: Card
    title: str
    summary: str
    topic: str
    intro_html: str
    practices: tuple[Practice, ...]
    evidence: tuple[Card, ...]          # every case study citing any practice here
    draft: bool
    reads: frozenset[str]
    articles: tuple[Card, ...] = ()     # every article citing the collection or a practice


@dataclass(frozen=True, slots=True)
class Service:
    id: str
    url: str
    card: Card
    title: str
    summary: str
    niches: tuple[Card, ...]
    price: Price | None
    price_text: str
    deliverables: tuple[str, ...]
    outcome: str
    faq: tuple[Faq, ...]
    html: str
    case_studies: tuple[Card, ...]
    draft: bool
    reads: frozenset[str]
    og_image: OgImage | None = None


@dataclass(frozen=True, slots=True)
class Page:
    id: str
    url: str
    card: Card
    title: str
    summary: str
    menu: bool
    html: str
    toc: tuple[Heading, ...]
    draft: bool
    reads: frozenset[str]


@dataclass(frozen=True, slots=True)
class Highlight:
    """A home or niche tile: a median over `count` case studies ('−47%', 'Cost per lead',
    count 2), one case study's headline result (note: the client), or a figure from site.yaml."""

    label: str
    text: str
    count: int = 0      # case studies behind a median; 0 when not an aggregate
    note: str = ""      # who, for one case study's result
    url: str = ""


@dataclass(frozen=True, slots=True)
class Niche:
    id: str
    url: str
    card: Card
    name: str
    pitch: str
    case_studies: tuple[Card, ...]
    services: tuple[Card, ...]
    collections: tuple[Card, ...]
    highlights: tuple[Highlight, ...]
    reads: frozenset[str]


@dataclass(frozen=True, slots=True)
class Tag:
    id: str
    url: str
    name: str
    case_studies: tuple[Card, ...]
    reads: frozenset[str]


@dataclass(frozen=True, slots=True)
class Stats:
    """The home page's results strip."""

    engagements: int
    niches: int
    highlights: tuple[Highlight, ...]
    reads: frozenset[str]
