"""Documents -> an immutable Site: URLs, cross-references both ways, derived results, aggregates.

A generic loop over the registry's kinds (kinds/): index every document, let each kind link
its documents (checking references, recording edges), fill links and images in every body,
make each kind's views, then the aggregates (niches, tags, stats). All problems are returned
together; relations are computed once through indexes, never by scanning every page for every
page.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from generator.config import Config
from generator.content.document import Document
from generator.content.markdown import Rendered
from generator.content.sources import Asset
from generator.errors import Problem, did_you_mean
from generator.images import plan as img
from generator.images.markup import ImageMarkup
from generator.kinds import linking
from generator.kinds.index import (
    Index,
    _root_image,
    card_fingerprint,
    card_ids,
    filled,
    findall_at_words,
    highlights,
    tag_slug,
    unique,
)
from generator.kinds.linking import Linking
from generator.kinds.registry import Registry
from generator.model import views as v
from generator.model.metrics import format_figure as fmt_figure
from generator.published_files import linked_files

Fills = tuple[tuple[str, ...], tuple[str, ...]]  # a body's final link URLs and image html


@dataclass(frozen=True, slots=True)
class Site:
    config: Config
    registry: Registry
    views: Mapping[str, tuple[Any, ...]]   # kind folder -> its views, in the kind's order
    by_id: Mapping[str, Any]               # document id -> its view
    niches: tuple[v.Niche, ...]
    tags: tuple[v.Tag, ...]
    stats: v.Stats
    assets: tuple[Asset, ...]              # copied as they are (not JPEG/PNG/WebP)
    fingerprints: Mapping[str, str]        # id -> fingerprint of the file it came from
    images: tuple[img.Job, ...] = ()       # image variants and share cards to encode
    redirects: tuple[v.Redirect, ...] = ()  # the pages' `aliases:`
    # id -> the final link URLs and image html its body's placeholders were filled with, so
    # that an edit of nothing but a body can be re-filled without linking the site again.
    fills: Mapping[str, Fills] = dataclasses.field(default_factory=dict)
    # What the next linking may reuse (serve): see kinds/linking.py.
    reuse: Linking | None = dataclasses.field(default=None, compare=False, repr=False)

    def url(self, rel: str) -> str:
        """A site-relative path ('case-studies/') as a root-relative URL under base_path."""
        return self.config.base_path + rel

    def of(self, folder: str) -> tuple[Any, ...]:
        return self.views.get(folder, ())

    # The built-in kinds' views, by the names templates and tests know them by.
    @property
    def case_studies(self) -> tuple[v.CaseStudy, ...]:
        return self.of("case-studies")

    @property
    def collections(self) -> tuple[v.Collection, ...]:
        return self.of("practices")

    @property
    def services(self) -> tuple[v.Service, ...]:
        return self.of("services")

    @property
    def pages(self) -> tuple[v.Page, ...]:
        return self.of("pages")


def published(docs: Iterable[Document], config: Config) -> list[Document]:
    """Drop drafts and future-dated documents (those with a `date`) unless asked for."""
    today = config.today()
    drafts, future = config.options.drafts, config.options.future
    if drafts and future:
        return list(docs)
    keep = []
    for doc in docs:
        meta = doc.meta
        date = getattr(meta, "date", None)
        if (meta.draft and not drafts) or (not future and date is not None and date > today):
            continue
        keep.append(doc)
    return keep


def build_site(config: Config, registry: Registry, docs: list[Document], assets: list[Asset],
               absent: Mapping[str, tuple[str, str]] | None = None, *, markup: ImageMarkup,
               previous: Site | None = None) -> tuple[Site, list[Problem]]:
    """Link every document to the others and derive what templates show. `absent`: the
    content files that are not among `docs`, site-relative path -> (slug, why): a reference
    to one says why ("is a draft"), or nothing when why is "" (its own error says it).
    `markup`: the theme's html for images (output/markup.py). `previous`: the last site
    (`serve`): its cards and views are reused where nothing they were made from changed
    (see kinds/linking.py)."""
    last = linking.usable(previous.reuse if previous else None, config, registry, markup.key)
    index = _index(config, registry, docs, assets, absent or {}, markup, last)
    for kind in registry.kinds:
        for doc in index.docs[kind.folder]:
            kind.link(doc, index)
    shape = linking.structure(index, assets)
    same = linking.same(last, shape)
    filling = linking.fills(docs, index, same, _fill)
    views, made = linking.views(registry, index, filling, shape, same, _own)
    fills = {i: f.fills for i, f in filling.items()}
    kept: dict[str, Any] = {}
    niches, tags, stats = _aggregates(index, functools.partial(linking.highlighted, last,
                                                               kept=kept))
    made = dataclasses.replace(made, highlights=kept, index=index)
    redirects = _redirects(docs, index)
    problems = index.problems + [
        Problem(rel, None, job, "open it in an image editor and export it again, or remove it")
        for rel, job in index.image_jobs.items() if isinstance(job, str) and rel not in index.shown]
    fingerprints = {doc.id: doc.fingerprint for doc in docs} | {
        # a page showing an image is rendered again when the image or its markup changes
        f"image:{rel}": f"{fingerprint} {markup.key}" for rel, fingerprint in index.shown.items()
    } | _card_fingerprints(index.cards, previous) | {
        f"order:{folder}": hashlib.blake2b("\n".join(d.id for d in kind_docs if d.id not in
                                                     index.unlisted).encode(),
                                           digest_size=16).hexdigest()
        for folder, kind_docs in index.docs.items()} | index.records
    site = Site(config, registry, views, {view.id: view for group in views.values()
                                          for view in group},
                niches, tags, stats, tuple(index.copied), fingerprints,
                images=(*img.publish(index.image_jobs, index.shown, linked_files(docs, index)),
                        *index.jobs), fills=fills, redirects=redirects, reuse=made)
    return site, problems


def _card_fingerprints(cards: Mapping[str, v.Card], previous: Site | None) -> dict[str, str]:
    """`card:<id>` -> card_fingerprint of each card; the last site's where the card is the
    very object that site was linked with (most are: see kinds/linking.py)."""
    linked = previous.reuse.linked if previous is not None and previous.reuse else {}
    last = previous.fingerprints if previous is not None else {}
    out = {}
    for i, card in cards.items():
        key = f"card:{i}"
        out[key] = last[key] if linked.get(i) is card else card_fingerprint(card)
    return out


def _index(config: Config, registry: Registry, docs: list[Document], assets: list[Asset],
           absent: Mapping[str, tuple[str, str]], markup: ImageMarkup,
           last: Linking | None = None) -> Index:
    """Every document's kind order, URL, card and anchors."""
    kinds = {kind.folder: kind for kind in registry.kinds}
    by_kind: dict[str, list[Document]] = {folder: [] for folder in kinds}
    for doc in docs:
        by_kind[doc.kind].append(doc)
    for folder, kind in kinds.items():
        by_kind[folder].sort(key=functools.partial(_sort_key, kind.order))
    urls = {doc.id: config.base_path + kinds[doc.kind].path(doc.slug) for doc in docs}
    made = last.cards if last is not None else {}
    cards = {}
    for doc in docs:  # a card is derived from its document and URL alone: reused while those are
        old = made.get(doc.id)
        cards[doc.id] = (old[2] if old is not None and old[0] is doc and old[1] == urls[doc.id]
                         else _card(kinds[doc.kind].card(doc, urls[doc.id], config), doc))
    sectioned = {kind.folder for kind in registry.kinds if kind.sections}
    anchors = {d.id: _anchors(d.rendered, d.kind in sectioned) for d in docs}
    return Index(config, by_kind, urls, cards, anchors, assets,
                 {doc.rel: doc for doc in docs}, absent, markup=markup)


@functools.lru_cache(maxsize=32768)  # serve: nearly every body is the same as last time
def _anchors(rendered: Rendered, sections: bool) -> Mapping[str, str]:
    """A body's anchors -> their heading text: its sections' (kinds that keep them), its
    headings', then any other id in it (an h4-h6 heading, a raw <a id="...">) with ""."""
    own = {s.anchor: s.title for s in rendered.sections if s.anchor} if sections else {}
    own |= {h.anchor: h.text for h in rendered.toc}
    return {**{m: "" for m in findall_at_words(_BODY_ID, rendered.html)}, **own}


def _sort_key(order: Callable[[Document], Any], doc: Document) -> tuple[Any, ...]:
    """Manual order first (`weight:`), then the kind's own."""
    return (*_weight(doc.meta), order(doc))


def _weight(meta: Any) -> tuple[bool, int]:
    """Manual order first (`weight:`, lower first), then the pages without a weight."""
    weight = getattr(meta, "weight", None)
    return (weight is None, weight or 0)


def _card(card: v.Card, doc: Document) -> v.Card:
    """A kind's card with what every page has: its short title, and whether it is listed."""
    meta = doc.meta
    title = getattr(meta, "name", meta.title) if card.title == meta.title else card.title
    return dataclasses.replace(card, title=title, full_title=meta.title,
                               unlisted=getattr(meta, "unlisted", False))


def _own(view: Any, doc: Document) -> Any:
    """A view with the page's own call to action and `unlisted:` (views that have them)."""
    names = {f.name for f in dataclasses.fields(view)} if dataclasses.is_dataclass(view) else ()
    if "call_to_action" not in names or "unlisted" not in names:
        return view
    return dataclasses.replace(view, call_to_action=getattr(doc.meta, "call_to_action", None),
                               unlisted=getattr(doc.meta, "unlisted", False))


def _fill(doc: Document, index: Index) -> Fills:
    """The final URL of each link and the html of each image of a body; the body filled."""
    links, images = [], []
    for link in doc.rendered.links:
        target, found = index.resolve_link(doc, link.target)
        if found is None:
            if target[0]:
                index.problems.append(Problem(doc.rel, link.line, target[0], target[1]))
            links.append("#")
        else:
            links.append(target[0])
            if found:
                index.reads[doc.id].add(f"card:{found}")  # a link shows the target's URL
    for image in doc.rendered.images:
        src = _root_image(doc, image.src, index) if image.src.startswith("/") else image.src
        images.append(index.picture(doc, src, image.alt, image.line, "describe the "
                                    f"picture: ![the new checkout]({image.src})",
                                    title=image.title))
    fills = (tuple(links), tuple(images))
    index.html[doc.id], index.sections_html[doc.id] = filled(doc.rendered, *fills)
    return fills


def _aggregates(index: Index, highlighted: Callable[..., tuple[v.Highlight, ...]],
                ) -> tuple[tuple[v.Niche, ...], tuple[v.Tag, ...], v.Stats]:
    """Niches, tags and the home page's stats: what the edges add up to. `highlighted(name,
    cards, highlights)`: highlights(cards), remembered by name (linking.highlighted)."""
    cards_of = index.cards_of
    niche_views = []
    for nid, niche in index.config.settings.niches.items():
        ids, svc, cols = niche_members(index, nid)
        card = index.niche_cards[nid]
        niche_views.append(v.Niche(
            id=f"niches/{nid}", url=card.url, card=card, name=niche.name, pitch=niche.pitch,
            case_studies=cards_of(ids), services=cards_of(svc), collections=cards_of(cols),
            highlights=highlighted(f"niches/{nid}", cards_of(ids), highlights),
            reads=frozenset(card_ids([*ids, *svc, *cols]))))
    names: dict[str, str] = {}  # tag slug -> the tag as first written
    files: dict[str, str] = {}  # tag slug -> the file that first wrote it
    clashes: set[tuple[str, str]] = set()
    for kind_docs in index.docs.values():
        for doc in kind_docs:
            if doc.id in index.unlisted:
                continue
            for i, tag in enumerate(getattr(doc.meta, "tags", ())):
                key = tag_slug(tag)
                first = names.setdefault(key, tag)
                if first.casefold() != tag.casefold() and (first, tag) not in clashes:
                    clashes.add((first, tag))  # "C++" and "C" would share one page: say so
                    index.problems.append(Problem(
                        doc.rel, doc.line("tags", i), f"tags `{first}` (in {files[key]}) and "
                        f"`{tag}` would share one page, tags/{key}/", "spell them the same, or "
                        "rename one so that its letters and digits differ"))
                files.setdefault(key, doc.rel)
    tags = tuple(tag_view(index, key, names[key]) for key in sorted(set(index.targets("tag"))))
    studies = tuple(index.cards[d.id] for d in index.docs.get("case-studies", [])
                    if d.id not in index.unlisted)
    chosen = _site_highlights(index)
    stats = v.Stats(len(studies), len({n for c in studies for n in c.niches}),
                    chosen if index.config.settings.highlights
                    else highlighted("stats", studies, highlights),
                    frozenset(card_ids(c.id for c in studies)))
    return tuple(niche_views), tags, stats


def niche_members(index: Index, nid: str) -> tuple[list[str], list[str], list[str]]:
    """The ids a niche's page lists: its case studies, the services serving it, and the
    practice collections those case studies cite."""
    ids = index.pointing("niche", nid)
    cols = unique(ref.partition("#")[0] for i in ids for ref in index.outgoing(i, "practice"))
    return ids, index.pointing("serves", nid), cols


def tag_view(index: Index, slug: str, name: str) -> v.Tag:
    """A tag's page: the documents naming it (`name`: the tag as first written)."""
    ids = index.pointing("tag", slug)
    return v.Tag(f"tags/{slug}", index.base + f"tags/{slug}/", name, index.cards_of(ids),
                 frozenset(card_ids(ids)))


def _site_highlights(index: Index) -> tuple[v.Highlight, ...]:
    """site.yaml `highlights:`, resolved: each case study's result found by its label."""
    config, out = index.config, []
    slugs = {d.slug: d.id for d in index.docs.get("case-studies", [])}
    lines = config.highlight_lines
    for i, entry in enumerate(config.settings.highlights):
        line = lines[i] if i < len(lines) else None
        if entry.value is not None:
            out.append(v.Highlight(entry.label or "", fmt_figure(entry.value, entry.unit)))
            continue
        study = slugs.get(entry.case_study or "")
        if study is None:
            index.problems.append(Problem(
                "site.yaml", line, f"highlights[{i}]: no published case study "
                f"`{entry.case_study}`", did_you_mean(entry.case_study or "", slugs)
                or "use a case study's slug (its file name)"))
            continue
        card = index.cards[study]
        found = [r for r in card.results if r.label == entry.metric] or [
            r for r in card.results if r.label.strip().casefold()
            == (entry.metric or "").strip().casefold()]
        if not found:
            labels = [r.label for r in card.results]
            index.problems.append(Problem(
                "site.yaml", line, f"highlights[{i}]: `{entry.case_study}` has no result "
                f"labelled `{entry.metric}`", did_you_mean(entry.metric or "", labels)
                or f"its results: {', '.join(labels) or 'none'}"))
            continue
        out.append(v.Highlight(found[0].label, found[0].primary, note=card.who, url=card.url))
    return tuple(out)


def alias_output(path: str) -> str:
    """Where an alias's redirect page goes: 'old.html' as is, 'old/x' -> 'old/x/index.html'."""
    last = path.rstrip("/").rsplit("/", 1)[-1]
    return path if "." in last and not path.endswith("/") else path.rstrip("/") + "/index.html"


def _redirects(docs: Iterable[Document], index: Index) -> tuple[v.Redirect, ...]:
    """Each `aliases:` entry as a redirect; an alias taken by a page or another alias is an
    error naming both files."""
    taken: dict[str, str] = {"index.html": "the home page"}
    for folder, what in (("case-studies", "the case study index"), ("practices", "the "
                         "practices index"), ("services", "the services index"),
                         ("tags", "the tags index")):
        taken[f"{folder}/index.html"] = what
    for nid in index.config.settings.niches:
        taken[f"niches/{nid}/index.html"] = f"the niche page of `{nid}` (site.yaml)"
    docs = list(docs)
    for doc in docs:
        line = doc.line("slug")
        taken[index.urls[doc.id][len(index.base):] + "index.html"] = (
            f"{doc.rel}:{line}" if line else doc.rel)
    out = []
    for doc in docs:
        for i, alias in enumerate(getattr(doc.meta, "aliases", ())):
            line = doc.line("aliases", i)
            path = alias_output(alias.lstrip("/"))
            other = taken.get(path)
            if other is not None:
                index.problems.append(Problem(
                    doc.rel, line, f"the alias `{alias}` is already the URL of {other}",
                    "remove the alias, or change the other page's slug or alias"))
                continue
            taken[path] = f"an alias in {doc.rel}:{line}" if line else f"an alias in {doc.rel}"
            out.append(v.Redirect(alias.lstrip("/"), index.urls[doc.id], doc.id))
    return tuple(sorted(out, key=lambda r: r.path))


_BODY_ID = re.compile(r"""(?:id|name)=["']([^"'\s]+)["']""")  # each at a word's start
