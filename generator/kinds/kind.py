"""What a content kind is: one record naming its schema, card, links, view and pages.

site.build_site and output/render.routes loop over these; nothing else knows the kinds."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from generator.config import Config
from generator.content.document import Document
from generator.content.schema import Common
from generator.images.plan import CardJob
from generator.kinds import KindName
from generator.model.views import Card

if TYPE_CHECKING:
    from generator.kinds.index import Index


class View(Protocol):
    """What every kind's view has: the site and the renderer read nothing else generically."""

    @property
    def id(self) -> str: ...
    @property
    def url(self) -> str: ...
    @property
    def card(self) -> Card: ...
    @property
    def title(self) -> str: ...
    @property
    def reads(self) -> frozenset[str]: ...


class Pages(Protocol):
    """Where a kind adds its routes (output/render implements it): the kind names paths,
    templates and contexts; the renderer derives what each page reads from the context."""

    @property
    def page_size(self) -> int: ...
    @property
    def config(self) -> Config: ...
    def views(self, folder: str) -> Sequence[Any]: ...
    def cards(self, folder: str) -> list[Card]: ...
    def add(self, path: str, template: str, reads: Iterable[str] = (), **context: Any) -> None: ...
    def trail(self, *steps: tuple[str, str]) -> tuple[Any, ...]: ...
    def file(self, url: str) -> str: ...
    def rel(self, url: str) -> str: ...
    def pager(self, section: str, number: int, pages: int) -> dict[str, Any]: ...


def no_links(doc: Document, index: Index) -> None:
    """A kind whose documents name no other records (but links and images in the body)."""


def with_body(view: Any, doc: Document, body: str, sections: list[str]) -> Any:
    """The usual reprose: a view whose body is `html`."""
    return dataclasses.replace(view, html=body)


def without_body(view: Any) -> Any:
    return dataclasses.replace(view, html="")


def with_card(view: Any, card: Card, fields: Sequence[str]) -> Any:
    """A view with another version of a card it lists in these fields (tuples of cards): a
    kind's `recard` when its views show nothing of the documents they list but their cards."""
    changes = {}
    for name in fields:
        value = getattr(view, name)
        if any(c.id == card.id for c in value):
            changes[name] = tuple(card if c.id == card.id else c for c in value)
    return dataclasses.replace(view, **changes) if changes else view


@dataclass(frozen=True, slots=True)
class Kind:
    """One content kind. `card`, `link` and `view` are called once per document, in the
    registry's kind order and the kind's `order` within it; `routes` once per build."""

    name: KindName
    meta: type[Common]                           # the front matter's schema
    order: Callable[[Document], Any]             # sort key of its documents
    card: Callable[[Document, str, Config], Card]
    view: Callable[[Document, Index], View]
    routes: Callable[[Pages], None]
    link: Callable[[Document, Index], None] = no_links  # check references, record edges
    at_root: bool = False      # pages live at /<slug>/, not /<folder>/<slug>/
    sections: bool = False     # keep each `##` section's html (collections show them apart)
    reprose: Callable[[Any, Document, str, list[str]], Any] = with_body
    without_prose: Callable[[Any], Any] = without_body
    # The view of a document that lists another whose card changed (and nothing else did),
    # without making it again; None: made again (it may show more of that document).
    recard: Callable[[Any, Card], Any] | None = None
    archetype: str = ""        # `casefolio new` text for a kind without a file in archetypes/
    nav: bool = True           # listed in the header's default navigation
    # the generated share card a document will have, when nothing but the document and the
    # configuration decide it (None: it has none, or it depends on the linked site): such
    # cards are drawn beside the linking (incremental/memo.cards_ahead)
    share_card: Callable[[Document, Config], CardJob | None] | None = None

    @property
    def folder(self) -> str:
        return self.name.folder

    def path(self, slug: str) -> str:
        """Where a document lives, relative to the site root: 'case-studies/acme/'."""
        return f"{slug}/" if self.at_root else f"{self.folder}/{slug}/"
