"""The frozen view objects templates receive. Each names the other records it was derived from
(`reads`), so the renderer knows exactly which pages a change touches."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from generator.content.schema import CallToAction, Comparison, ImageRef, Price, Testimonial
from generator.model.metrics import Result
from generator.pickling import pickled_by_fields


@pickled_by_fields
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
    flat_fee: bool = False         # every price of the service is a flat fee
    topic: str = ""
    count: int = 0                 # practices in a collection
    full_title: str = ""           # the page's title when `title` is its short_title
    unlisted: bool = False         # built, but shown in no list (output/pages.py filters)
    niches: tuple[str, ...] = ()   # every niche id of a case study, `niche` first
    logo_html: str = ""            # the client's logo, a sized <img>/<picture> (safe html)
    team: tuple[str, ...] = ()     # people ids of a case study's `team:` (their pages list it)


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class Quote:
    """A testimonial, its photo ready to insert."""

    quote: str
    name: str
    role: str
    photo_html: str = ""


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class ClientInfo:
    """The "about the client" block of a case study."""

    name: str
    url: str | None
    industry: str
    about_html: str   # inline Markdown, rendered (safe html)
    logo_html: str


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class Photo:
    """A person's photo from site.yaml `people:`: a static file, with its size for <img>."""

    url: str        # root-relative
    width: int
    height: int


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class Member:
    """A person of site.yaml `people:` who worked on a case study: links to their page."""

    id: str
    name: str
    role: str
    url: str         # their page, /people/<id>/
    photo: Photo | None = None
    bio: str = ""


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class Redirect:
    """An old URL (`aliases:`) of a page: a redirect page at `path`, and a `_redirects` line."""

    path: str      # site-relative: 'case-study/iwoca/' or 'old.html'
    target: str    # root-relative URL of the page, base path included
    id: str = ""   # the page's id: the redirect reads its card (its URL)


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class PracticeRef:
    """A practice applied by a case study: link to its anchor in a collection."""

    collection: str   # collection id
    title: str        # practice title, or the collection title when the whole collection
    collection_title: str
    url: str


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class Practice:
    """One `##` section of a collection, with the case studies that show it working."""

    anchor: str
    title: str
    html: str
    evidence: tuple[Card, ...]
    number: int = 0        # 1, 2... in the guide; 0 for prose and chapters
    level: int = 2         # the heading's level
    role: str = "practice"  # practice | prose (a `{-}` heading) | chapter (at practice_level 3)


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class Author:
    """A person from site.yaml `people:`, as a byline shows them."""

    id: str
    name: str
    role: str
    url: str | None


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class Heading:
    level: int
    text: str
    anchor: str


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class OgImage:
    """The share preview of a page: what the og:image meta tags say."""

    url: str   # absolute
    width: int
    height: int
    type: str  # MIME type
    alt: str


@pickled_by_fields
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
    niches: tuple[Card, ...] = ()
    client_info: ClientInfo | None = None
    testimonials: tuple[Quote, ...] = ()
    team: tuple[Member, ...] = ()
    call_to_action: CallToAction | None = None   # the page's own; else site.yaml's
    unlisted: bool = False


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class Collection:
    id: str
    url: str
    card: Card
    title: str
    summary: str
    topic: str
    intro_html: str
    practices: tuple[Practice, ...]     # the numbered, citable practices
    evidence: tuple[Card, ...]          # every case study citing any practice here
    draft: bool
    reads: frozenset[str]
    articles: tuple[Card, ...] = ()     # every article citing the collection or a practice
    parts: tuple[Practice, ...] = ()    # after the intro, in order: practices, prose, chapters
    practice_level: int = 2
    authors: tuple[Author, ...] = ()
    updated: dt.date | None = None
    call_to_action: CallToAction | None = None
    unlisted: bool = False


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class PriceTag:
    """A price ready to show: '£300' + 'per project', with 'from' and '+ VAT' apart."""

    text: str         # the whole: "from £300 per project + VAT", "Price on request"
    amount: str       # "£300", "€100–500", "" when on request
    per: str          # "per project", "a month", "" when one-off
    prefix: str       # "from" or ""
    note: str         # "+ VAT"
    on_request: bool
    flat: bool        # a flat fee (see the module docstring)
    low: float | None = None    # for JSON-LD
    high: float | None = None
    currency: str = ""
    period: str = ""  # the `per:` as written, "" for one-off
    unit_code: str = ""


    def offer(self, name: str, url: str) -> dict[str, Any]:
        """A schema.org Offer: a price, or a range (`from` has only a minimum), per a
        period when there is one; on request, no price at all."""
        data: dict[str, Any] = {"@type": "Offer", "name": name, "url": url,
                                "availability": "https://schema.org/InStock"}
        if self.on_request:
            return data | {"description": self.text}
        spec: dict[str, Any] = {"@type": "UnitPriceSpecification",
                                "priceCurrency": self.currency}
        if self.low == self.high and not self.prefix:
            spec["price"] = data["price"] = _number(self.low)
        else:
            spec["minPrice"] = _number(self.low)
            if self.high != self.low:
                spec["maxPrice"] = _number(self.high)
        if self.unit_code:
            spec["unitCode"] = self.unit_code
        if self.period:
            spec["unitText"] = self.period
        if self.note:
            spec["description"] = self.note
        return data | {"priceCurrency": self.currency, "priceSpecification": spec}


def _number(value: float | None) -> float | int | None:
    return int(value) if value is not None and float(value).is_integer() else value


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class Answer:
    """A FAQ entry: the answer as written (`a`), as plain text and as inline html."""

    q: str
    a: str
    text: str
    html: str


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class Tier:
    """One column of a tiered offer."""

    name: str
    description: str
    price: PriceTag | None
    includes: tuple[str, ...]


@pickled_by_fields
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
    faq: tuple[Answer, ...]
    html: str
    case_studies: tuple[Card, ...]
    draft: bool
    reads: frozenset[str]
    og_image: OgImage | None = None
    price_tag: PriceTag | None = None
    tiers: tuple[Tier, ...] = ()
    testimonials: tuple[Quote, ...] = ()
    flat_fee: bool = False
    call_to_action: CallToAction | None = None
    unlisted: bool = False


@pickled_by_fields
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
    call_to_action: CallToAction | None = None
    unlisted: bool = False


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class Highlight:
    """A home or niche tile: a median over `count` case studies ('−47%', 'Cost per lead',
    count 2), one case study's headline result (note: the client), or a figure from site.yaml."""

    label: str
    text: str
    count: int = 0      # case studies behind a median; 0 when not an aggregate
    note: str = ""      # who, for one case study's result
    url: str = ""


@pickled_by_fields
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


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class Tag:
    id: str
    url: str
    name: str
    case_studies: tuple[Card, ...]  # every page tagged so, case studies and articles
    reads: frozenset[str]

    # Split here rather than with `selectattr` in the template: each pass of a Jinja filter
    # over a tag's 2,000 cards costs ~10 ms in the sandbox.
    @property
    def studies(self) -> tuple[Card, ...]:
        return tuple(c for c in self.case_studies if c.kind == "case-studies")

    @property
    def articles(self) -> tuple[Card, ...]:
        return tuple(c for c in self.case_studies if c.kind == "articles")


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class Stats:
    """The home page's results strip."""

    engagements: int
    niches: int
    highlights: tuple[Highlight, ...]
    reads: frozenset[str]
