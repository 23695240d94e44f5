"""What one linking of the site (site.build_site) leaves the next, in `serve`: each card and
view with what it was made from, so that a front-matter edit re-makes only the views that
show something that changed, not all 10,000.

A view is reused only when the site's structure is the one it was made in (every URL, anchor,
edge between documents, document order, record made while linking such as `rank:`, asset and
draft is the same; structural once() values then are too) and none of its own inputs changed: its
document is the same object, its body was filled with the same links and images, and no record
it reads (`card:`, a document id) has changed. A view that used a once() value not marked
structural may depend on any document, and is always made again. What making a view added to
the Index (share-card jobs, problems, shown images) is replayed in the same order, so that the
site is the one a cold linking makes; the randomized tests in tests/test_incremental.py hold
it to that. (Records a view makes, such as `related:<id>`, are replayed too.)
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from generator.config import Config
from generator.content.document import Document
from generator.content.sources import Asset
from generator.errors import Problem
from generator.kinds.index import filled
from generator.model.views import Card

if TYPE_CHECKING:
    from generator.images.plan import Job
    from generator.kinds.index import Index
    from generator.kinds.registry import Registry


@dataclass(frozen=True, slots=True)
class Made:
    """One view and what making it added to the Index."""

    doc: Document
    fills: object
    view: Any
    jobs: tuple[Job, ...]
    problems: tuple[Problem, ...]
    shown: tuple[str, ...]       # images it showed (site-relative paths)
    volatile: bool               # it used a once() value not marked structural
    records: tuple[tuple[str, str], ...] = ()  # records it made (`related:<id>`), fingerprinted


@dataclass(frozen=True, slots=True)
class Filled:
    """One body's final links and images, and what filling it added to the Index."""

    doc: Document
    fills: Any
    problems: tuple[Problem, ...]
    reads: frozenset[str]
    shown: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Linking:
    config: str                                   # the configuration's fingerprint
    markup: str                                   # the theme's image markup's key
    registry: Registry
    cards: Mapping[str, tuple[Document, str, Card]]  # id -> (document, URL, card as made)
    linked: Mapping[str, Card]                    # id -> card after linking (a logo added)
    structure: tuple[object, ...]
    memo: Mapping[str, Any]                       # the structural once() values
    views: Mapping[str, Made]
    filled: Mapping[str, Filled]
    # name (`niches/<id>`, `stats`) -> the cards the highlights of it were made of, and them
    highlights: Mapping[str, tuple[tuple[Card, ...], tuple[Any, ...]]] = field(
        default_factory=dict)
    # The Index as it was left after linking (its edges, cards, bodies, records): what a
    # front-matter edit that moves no edge relinks from (incremental/relink.py).
    index: Index | None = field(default=None, compare=False, repr=False)


def highlighted(last: Linking | None, name: str, cards: tuple[Card, ...],
                make: Callable[[tuple[Card, ...]], tuple[Any, ...]],
                kept: dict[str, tuple[tuple[Card, ...], tuple[Any, ...]]]) -> tuple[Any, ...]:
    """make(cards) (kinds.index.highlights: medians over up to 10,000 cards), or the last
    linking's while it was made of the very same cards; kept for the next one in `kept`."""
    old = last.highlights.get(name) if last is not None else None
    if old is not None and len(old[0]) == len(cards) and all(
            a is b for a, b in zip(old[0], cards, strict=True)):
        out = old[1]
    else:
        out = make(cards)
    kept[name] = (cards, out)
    return out


def usable(last: Linking | None, config: Config, registry: Registry,
           markup: str) -> Linking | None:
    """The last linking, if it was made with this configuration, these kinds and this image
    markup (views hold the html it made)."""
    if (last is None or last.config != config.fingerprint or last.registry is not registry
            or last.markup != markup):
        return None
    return last


def structure(index: Index, assets: Sequence[Asset]) -> tuple[object, ...]:
    """Everything besides a document's own inputs that may shape any view (see above)."""
    edges = {source: {relation: tuple(targets) for relation, targets in out.items() if targets}
             for source, out in index._out.items()}
    order = {folder: [d.id for d in docs] for folder, docs in index.docs.items()}
    return (index.urls, index.anchors, edges, index.unlisted, dict(index.records), order,
            index.absent, tuple(assets))


def same(last: Linking | None, shape: tuple[object, ...]) -> Linking | None:
    """The last linking, if the site's structure is still the one it was made in."""
    return last if last is not None and last.structure == shape else None


def fills(docs: Sequence[Document], index: Index, last: Linking | None,
          fill: Callable[[Document, Index], Any]) -> dict[str, Filled]:
    """Every body filled (site._fill), or its filling replayed: with the structure the same,
    a body's links and images resolve as they did while the document is the same object."""
    out = {}
    for doc in docs:
        old = last.filled.get(doc.id) if last is not None else None
        if old is not None and old.doc is doc:
            index.problems.extend(old.problems)
            index.reads[doc.id] |= old.reads
            for rel in old.shown:
                index.shown[rel] = index.assets[rel].fingerprint
                index.shown_by[doc.id].append(rel)
            index.html[doc.id], index.sections_html[doc.id] = filled(doc.rendered, *old.fills)
            out[doc.id] = old
            continue
        problems, shown = len(index.problems), len(index.shown_by[doc.id])
        made = fill(doc, index)
        out[doc.id] = Filled(doc, made, tuple(index.problems[problems:]),
                             frozenset(index.reads[doc.id]),
                             tuple(index.shown_by[doc.id][shown:]))
    return out


def views(registry: Registry, index: Index, fills: Mapping[str, Filled],
          shape: tuple[object, ...], last: Linking | None,
          own: Callable[[Any, Document], Any]) -> tuple[dict[str, tuple[Any, ...]], Linking]:
    """Every kind's views, in the kind's order, each made or reused; and the Linking to keep.
    `last`: the last linking if its structure is this one's (see `same`); `own` finishes a
    kind's view (site._own)."""
    same = last is not None
    changed: set[str] = set()
    if same:
        assert last is not None
        index.seed(last.memo)
        changed = {f"card:{i}" for i, card in index.cards.items()
                   if last.linked.get(i) != card}
        changed |= {doc.id for group in index.docs.values() for doc in group
                    if (made := last.views.get(doc.id)) is None or made.doc is not doc}
    out: dict[str, tuple[Any, ...]] = {}
    kept: dict[str, Made] = {}
    for kind in registry.kinds:
        group = []
        for doc in index.docs[kind.folder]:
            old = last.views.get(doc.id) if same and last is not None else None
            if (old is not None and not old.volatile and old.doc is doc
                    and old.fills == fills[doc.id].fills
                    and old.view.reads.isdisjoint(changed)):
                index.jobs.extend(old.jobs)
                index.problems.extend(old.problems)
                index.records.update(old.records)
                for rel in old.shown:
                    index.shown[rel] = index.assets[rel].fingerprint
                    index.shown_by[doc.id].append(rel)
                made = old
            else:
                made = make_view(kind.view, own, doc, index, fills[doc.id].fills)
            kept[doc.id] = made
            group.append(made.view)
        out[kind.folder] = tuple(group)
    cards = {doc.id: (doc, index.urls[doc.id], card) for group in index.docs.values()
             for doc in group if (card := index.made.get(doc.id)) is not None}
    return out, Linking(index.config.fingerprint, index.markup.key, registry, cards,
                        dict(index.cards), shape, dict(index.structural), kept, fills)


def make_view(view: Callable[[Document, Index], Any], own: Callable[[Any, Document], Any],
          doc: Document, index: Index, fills: object) -> Made:
    jobs, problems, shown = len(index.jobs), len(index.problems), len(index.shown_by[doc.id])
    records = len(index.recorded)
    index.unstructured = False
    made = own(view(doc, index), doc)
    return Made(doc, fills, made, tuple(index.jobs[jobs:]), tuple(index.problems[problems:]),
                tuple(index.shown_by[doc.id][shown:]), index.unstructured,
                tuple((name, index.records[name]) for name in index.recorded[records:]))
