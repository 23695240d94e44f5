"""A front-matter edit relinked from the last linking, not by linking every document again.

Linking 10,000 documents again costs ~1.2 s even when nearly every view is reused (site.py
still indexes, links, fills and aggregates every document). A save in `serve` that changes
only what a document's own card and view show (a case study's title, summary or results, a
service's price) moves no edge, URL, order, image or record: the site is then the last one
with that card, the views that read it (kinds/linking.py's rule: a view reads the cards it
lists), the niches, tags and stats listing it, and its fingerprints made again. A case
study's niches or tags (MOVING) also move it between niche and tag lists: those lists are
patched, and related studies ranked again for the studies whose candidates it joined or
left (case_study.near). The last linking's Index (Linking.index) is copied, the edited
document linked in it apart from the others, and its edges, records and body checked (else
None: a full linking). tests/test_incremental.py holds the result to a cold build, byte for
byte.
"""

from __future__ import annotations

import bisect
import copy
import dataclasses
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from generator.content.document import Document
from generator.errors import Problem
from generator.kinds import case_study, linking
from generator.kinds.index import Index, card_fingerprint, card_ids, highlights, tag_slug
from generator.kinds.registry import KINDS, Registry
from generator.model import views as v
from generator.site import Site, _card, _fill, _own, niche_members, tag_view

# The front-matter fields that shape nothing but the document's own card and view (not its
# edges, URL, order, images, aliases or whether it is listed), by kind.
CARD_ONLY = {"case-studies": frozenset({"title", "summary", "metrics"}),
             "services": frozenset({"summary", "price", "tiers"})}
# Fields that also move the document between lists (its niches and tags: each an edge to a
# niche or tag page, and what ranks related studies), by kind: the lists it leaves and joins
# are made again, and the related studies ranked again.
MOVING = {"case-studies": frozenset({"niche", "niches", "tags"})}
RELATIONS = ("niche", "tag")  # the edges MOVING's fields make


@dataclass(frozen=True, slots=True)
class Relinked:
    """The site after the edit, its problems, and what changed: the record ids a route
    reading them must be made again for (`card:<id>`, the id), each view made again by id,
    and the document's new card."""

    site: Site
    problems: list[Problem]
    changed: frozenset[str]
    remade: dict[str, Any]
    card: v.Card  # the document's new card
    pages: bool = False  # a tag page comes, goes or is renamed (its breadcrumbs name it):
    #                      the routes must all be made again


def relink(site: Site, problems: Sequence[Problem], before: Document, after: Document,
           ) -> Relinked | None:
    """`site` after one document changed from `before` to `after`, when the change is one of
    CARD_ONLY's and the site had no errors; None otherwise (link it again)."""
    last = site.reuse
    old = last.index if last is not None else None
    if (last is None or old is None or not _built_in(site.registry)
            or site.config.settings.highlights or any(p.severity == "error" for p in problems)
            or not _card_only(before, after)):
        return None
    doc_id, kind = after.id, site.registry.kind(after.kind)
    index = _copy(old, after)
    url = old.urls[doc_id]
    made_card = _card(kind.card(after, url, site.config), after)
    index.cards[doc_id] = index.made[doc_id] = made_card
    moved = _links_alike(index, old, kind.link, after)
    if moved is None:
        return None
    related = _moved(index, old, after, moved)
    if related is None:
        return None
    card = index.cards[doc_id]  # as linked (a client's logo added)
    shown = len(index.shown_by[doc_id])
    fills = _fill(after, index)
    was = last.filled.get(doc_id)
    if was is None or fills != was.fills or index.problems:
        return None
    filled = linking.Filled(after, fills, (), frozenset(index.reads[doc_id]),
                            tuple(index.shown_by[doc_id][shown:]))

    changed = frozenset({f"card:{doc_id}", doc_id, *(f"related:{i}" for i in related)})
    shown_card = {f"card:{doc_id}"}  # what a view that only lists the document reads of it
    views = dict(last.views)
    remade: dict[str, Any] = {}
    out = dict(site.views)
    for k in site.registry.kinds:
        group = index.docs[k.folder]
        redo = [d for d in group if d.id == doc_id or views[d.id].volatile
                or not views[d.id].view.reads.isdisjoint(changed)]
        for doc in redo:
            was_made = views[doc.id]
            if (k.recard is not None and doc.id != doc_id and not was_made.volatile
                    and was_made.view.reads.isdisjoint(changed - shown_card)):
                made = dataclasses.replace(was_made, view=k.recard(was_made.view, card))
                views[doc.id] = remade[doc.id] = made  # (it lists the card, nothing more)
                continue
            if doc.id != doc_id:
                index.reads[doc.id] = set(last.filled[doc.id].reads)
            made = linking.make_view(k.view, _own, doc, index,
                                     fills if doc.id == doc_id else last.filled[doc.id].fills)
            if made.shown != was_made.shown:
                return None  # (another image: its fingerprint and files would change)
            views[doc.id] = remade[doc.id] = made
        if redo:
            out[k.folder] = tuple(views[d.id].view for d in group)
    order = [d.id for k in site.registry.kinds for d in index.docs[k.folder]]
    if [p for i in order for p in last.views[i].problems] != list(problems):
        return None  # (problems besides the views': not this path's to patch)

    kept = dict(last.highlights)
    # the tags whose pages are made again: those it left or joined, and any it spells
    # otherwise (a tag's page is named as the first document to name it spells it)
    respelled = _tags_of(before) != _tags_of(after)
    touched = {slug for relation, slug in moved if relation == "tag"} | (
        {tag_slug(t) for t in (*_tags_of(before), *_tags_of(after))} if respelled else set())
    aggregates = _aggregates(site, index, card, moved, touched, last, kept)
    if aggregates is None:
        return None
    niches, tags, stats = aggregates
    lists = {n.id for n in niches if ("niche", n.id.split("/", 1)[1]) in moved} | {
        t.id for t in tags if t.id.split("/", 1)[1] in touched}
    fingerprints = dict(site.fingerprints)
    fingerprints[doc_id] = after.fingerprint
    fingerprints[f"card:{doc_id}"] = card_fingerprint(card)
    fingerprints.update((name, index.records[name]) for name in index.recorded)
    for made in remade.values():
        fingerprints.update(made.records)
    old_jobs = sum(len(last.views[i].jobs) for i in order)
    images = (*site.images[:len(site.images) - old_jobs],
              *(job for i in order for job in views[i].jobs))
    reuse = dataclasses.replace(
        last, cards={**last.cards, doc_id: (after, url, made_card)},
        linked={**last.linked, doc_id: card}, views=views,
        filled={**last.filled, doc_id: filled}, highlights=kept, index=index,
        # (edges moved: a full linking cannot tell which views read them, and makes all)
        structure=last.structure if not moved else ())
    by_id = dict(site.by_id)
    by_id.update((i, made.view) for i, made in remade.items())
    new = dataclasses.replace(site, views=out, by_id=by_id, niches=niches, tags=tags,
                              stats=stats, fingerprints=fingerprints, images=images,
                              fills={**site.fills, doc_id: fills}, reuse=reuse)
    return Relinked(new, [p for i in order for p in views[i].problems], changed | lists,
                    {i: made.view for i, made in remade.items()}, card,
                    {(t.id, t.name) for t in tags} != {(t.id, t.name) for t in site.tags})


def _built_in(registry: Registry) -> bool:
    """Only the built-in kinds and pages, whose views and routes this module knows."""
    return tuple(registry.kinds) == KINDS and set(registry.routes) == {"people"}


def _card_only(before: Document, after: Document) -> bool:
    """Whether nothing changed but CARD_ONLY's and MOVING's fields."""
    fields = CARD_ONLY.get(after.kind)
    if fields is not None:
        fields |= MOVING.get(after.kind, frozenset())
    a, b = before.meta, after.meta
    return (fields is not None and before.kind == after.kind and before.rel == after.rel
            and before.slug == after.slug and type(a) is type(b)
            and before.warnings == after.warnings
            and before.rendered == after.rendered
            and all(getattr(a, name) == getattr(b, name)
                    for name in type(a).model_fields if name not in fields))


def _copy(old: Index, doc: Document) -> Index:
    """The last linking's Index with `doc` in place of its last version, and empty what
    making views adds to (jobs, problems, shown images, reads): the edges are shared."""
    index = copy.copy(old)
    index.docs = {folder: [doc if d.id == doc.id else d for d in group]
                  if folder == doc.kind else group for folder, group in old.docs.items()}
    index.by_rel = {**old.by_rel, doc.rel: doc}
    index.cards, index.made = dict(old.cards), dict(old.made)
    index.html, index.sections_html = dict(old.html), dict(old.sections_html)
    index.problems, index.jobs, index.recorded = [], [], []
    index.reads, index.shown_by = defaultdict(set), defaultdict(list)
    index.shown = {}
    index.records = dict(old.records)
    index._memo = dict(old.structural)  # values not marked structural are made again
    index.structural = dict(old.structural)
    index.unstructured = False
    return index


def _links_alike(index: Index, old: Index, link: Any, doc: Document,
                 ) -> frozenset[tuple[str, str]] | None:
    """Link `doc` apart from the others: None unless it finds nothing wrong, and names and
    records what it did but for RELATIONS' edges (then every other document links as it
    did); else the (relation, target) lists it left or joined (none: the same edges)."""
    index._out, index._in = defaultdict(lambda: defaultdict(list)), defaultdict(list)
    try:
        link(doc, index)
        out = index._out[doc.id]
    finally:
        index._out, index._in = old._out, old._in
    mine = {r: t for r, t in out.items() if t}
    was = {r: t for r, t in old._out[doc.id].items() if t} if doc.id in old._out else {}
    if index.problems or any(mine.get(r) != was.get(r) for r in {*mine, *was}
                             if r not in RELATIONS):
        return None
    moved = frozenset((r, t) for r in RELATIONS if mine.get(r) != was.get(r)
                      for t in (*mine.get(r, ()), *was.get(r, ())))
    if not moved and any(index.records[n] != old.records.get(n) for n in index.recorded):
        return None
    if moved:
        if doc.kind not in MOVING or doc.id in index.unlisted:
            return None
        index._out = defaultdict(lambda: defaultdict(list), old._out)
        index._out[doc.id] = out
    return moved


def _moved(index: Index, old: Index, doc: Document,
           moved: frozenset[tuple[str, str]]) -> set[str] | None:
    """After `doc`'s niches or tags moved: the lists of the `moved` (relation, target)
    made again in the documents' order, related studies ranked again; the ids of the
    studies whose related list changed (None: a related list was never made)."""
    if not moved:
        return set()
    index._in = defaultdict(list, old._in)
    place = {d.id: n for n, d in enumerate(d for group in index.docs.values() for d in group)}
    mine = index._out[doc.id]
    for relation, target in moved:
        key = f"{relation}:{target}"
        names = [i for i in old._in.get(key, ()) if i != doc.id]
        at = bisect.bisect([place[i] for i in names], place[doc.id])  # in the documents' order
        names[at:at] = [doc.id] * mine.get(relation, []).count(target)
        if names:
            index._in[key] = names
        else:  # (as a cold linking has no list of a tag nobody names)
            index._in.pop(key, None)
    before = old.structural.get("related")
    if before is None:
        return None
    again = {doc.id}  # it, and the studies whose candidates it joined or left
    for relation, target in moved:
        for where in (old, index):
            again |= case_study.near(where, relation, target, doc.id)
    after = case_study.related_studies(index, again, before)
    index._memo["related"] = index.structural["related"] = after
    return {i for i in before.keys() | after.keys() if before.get(i) != after.get(i)}


def _aggregates(site: Site, index: Index, card: v.Card, moved: frozenset[tuple[str, str]],
                touched: set[str],
                last: linking.Linking, kept: dict[str, tuple[tuple[v.Card, ...], tuple[Any, ...]]],
                ) -> tuple[tuple[v.Niche, ...], tuple[v.Tag, ...], v.Stats] | None:
    """The niches, tags and stats with the new card where they list it, the lists the
    document left or joined (and the `touched` tags' pages) made again as site._aggregates
    makes them, highlights made again where a card they count changed what they count."""
    def swap(cards: tuple[v.Card, ...]) -> tuple[v.Card, ...]:
        return tuple(card if c.id == card.id else c for c in cards)

    def again(name: str, cards: tuple[v.Card, ...]) -> tuple[Any, ...] | None:
        old = last.highlights.get(name)
        if old is None:
            return None
        if len(old[0]) != len(cards) or any(
                a is not b and _counted(a) != _counted(b)
                for a, b in zip(old[0], cards, strict=True)):
            out = highlights(cards)
        else:
            out = old[1]
        kept[name] = (cards, out)
        return out

    key = f"card:{card.id}"
    niches = []
    for niche in site.niches:
        nid = niche.id.split("/", 1)[1]
        if ("niche", nid) in moved:
            ids, svc, cols = niche_members(index, nid)
            studies = index.cards_of(ids)
            made = again(niche.id, studies)
            if made is None:
                return None
            niche = dataclasses.replace(
                niche, case_studies=studies, services=index.cards_of(svc),
                collections=index.cards_of(cols), highlights=made,
                reads=frozenset(card_ids([*ids, *svc, *cols])))
        elif key in niche.reads:
            studies = swap(niche.case_studies)
            made = again(niche.id, studies)
            if made is None:
                return None
            niche = dataclasses.replace(niche, case_studies=studies,
                                        services=swap(niche.services),
                                        collections=swap(niche.collections), highlights=made)
        niches.append(niche)
    tags = _tags(site, index, touched) if touched else site.tags
    if tags is None:
        return None
    tags = tuple(dataclasses.replace(tag, case_studies=swap(tag.case_studies))
                 if key in tag.reads and tag.id.split("/", 1)[1] not in touched
                 else tag for tag in tags)
    stats = site.stats
    if key in stats.reads:
        counted = last.highlights.get("stats")
        studies = swap(counted[0]) if counted is not None else ()
        made = again("stats", studies) if counted is not None else None
        if made is None:
            return None
        stats = dataclasses.replace(stats, highlights=made, niches=len(
            {n for c in studies for n in c.niches}) if moved else stats.niches)
    return tuple(niches), tags, stats


def _tags_of(doc: Document) -> tuple[str, ...]:
    return getattr(doc.meta, "tags", ())


def _tags(site: Site, index: Index, touched: set[str]) -> tuple[v.Tag, ...] | None:
    """Every tag page as site._aggregates makes it: those of the `touched` tags (by slug)
    made again, the others as they were; None when two spellings of a tag meet (its error
    says so). Only the documents naming a touched tag are read for its spelling (the first
    written): the site was linked without a clash, and every other tag's are as they were."""
    docs = {d.id: d for group in index.docs.values() for d in group}
    names: dict[str, str] = {}
    for slug in touched:
        for i in index.pointing("tag", slug):  # in the documents' order, as site.py reads
            for spelled in _tags_of(docs[i]):
                if tag_slug(spelled) == slug:
                    first = names.setdefault(slug, spelled)
                    if first != spelled and first.casefold() != spelled.casefold():
                        return None
    was = {tag.id: tag for tag in site.tags}
    out = []
    for slug in sorted(set(index.targets("tag"))):
        tag = was.get(f"tags/{slug}")
        if tag is None or slug in touched:
            tag = tag_view(index, slug, names[slug])
        out.append(tag)
    return tuple(out)


def _counted(card: v.Card) -> tuple[object, ...]:
    """What kinds.index.highlights reads of a card."""
    return (card.id, card.results, card.featured, card.headline, card.who, card.url)
