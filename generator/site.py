"""Documents -> an immutable Site: URLs, cross-references both ways, derived results, aggregates.

A generic loop over the registry's kinds (kinds/): index every document, let each kind link
its documents (checking references, recording edges), fill links and images in every body,
make each kind's views, then the aggregates (niches, tags, stats). All problems are returned
together; relations are computed once through indexes, never by scanning every page for every
page.
"""

from __future__ import annotations

import dataclasses
import hashlib
import posixpath
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from generator.config import Config
from generator.content.document import Document
from generator.content.sources import Asset
from generator.errors import Problem, did_you_mean
from generator.images import process as img
from generator.kinds.index import (
    Index,
    card_fingerprint,
    card_ids,
    filled,
    highlights,
    tag_slug,
    unique,
)
from generator.kinds.kind import Kind, View
from generator.kinds.registry import Registry
from generator.model import views as v
from generator.model.metrics import format_figure as fmt_figure

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
    # id -> the final link URLs and image html its body's placeholders were filled with, so
    # that an edit of nothing but a body can be re-filled without linking the site again.
    fills: Mapping[str, Fills] = dataclasses.field(default_factory=dict)

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
               ) -> tuple[Site, list[Problem]]:
    """Link every document to the others and derive what templates show."""
    index = _index(config, registry, docs, assets)
    for kind in registry.kinds:
        for doc in index.docs[kind.folder]:
            kind.link(doc, index)
    fills = {doc.id: _fill(doc, index) for doc in docs}
    views = {kind.folder: tuple(kind.view(doc, index) for doc in index.docs[kind.folder])
             for kind in registry.kinds}
    niches, tags, stats = _aggregates(index)
    problems = index.problems + [
        Problem(rel, None, job, "open it in an image editor and export it again, or remove it")
        for rel, job in index.image_jobs.items() if isinstance(job, str) and rel not in index.shown]
    fingerprints = {doc.id: doc.fingerprint for doc in docs} | {
        f"image:{rel}": fingerprint for rel, fingerprint in index.shown.items()} | {
        f"card:{i}": card_fingerprint(card) for i, card in index.cards.items()} | {
        f"order:{folder}": hashlib.blake2b("\n".join(d.id for d in kind_docs).encode(),
                                           digest_size=16).hexdigest()
        for folder, kind_docs in index.docs.items()}
    site = Site(config, registry, views, {view.id: view for group in views.values()
                                          for view in group},
                niches, tags, stats, tuple(index.copied), fingerprints,
                images=(*img.publish(index.image_jobs, index.shown), *index.jobs), fills=fills)
    return site, problems


def _index(config: Config, registry: Registry, docs: list[Document], assets: list[Asset],
           ) -> Index:
    """Every document's kind order, URL, card and anchors."""
    kinds = {kind.folder: kind for kind in registry.kinds}
    by_kind: dict[str, list[Document]] = {folder: [] for folder in kinds}
    for doc in docs:
        by_kind[doc.kind].append(doc)
    for folder, kind in kinds.items():
        by_kind[folder].sort(key=kind.order)
    urls = {doc.id: config.base_path + kinds[doc.kind].path(doc.slug) for doc in docs}
    cards = {doc.id: kinds[doc.kind].card(doc, urls[doc.id], config) for doc in docs}
    anchors = {d.id: {s.anchor: s.title for s in d.rendered.sections if s.anchor}
               | {h.anchor: h.text for h in d.rendered.toc}
               for kind in registry.kinds if kind.sections for d in by_kind[kind.folder]}
    anchors.update({d.id: {h.anchor: h.text for h in d.rendered.toc}
                    for d in docs if d.id not in anchors})
    return Index(config, by_kind, urls, cards, anchors, assets,
                 {doc.rel: doc for doc in docs})


def _fill(doc: Document, index: Index) -> Fills:
    """The final URL of each link and the html of each image of a body; the body filled."""
    links, images = [], []
    for link in doc.rendered.links:
        target, found = _resolve_link(doc, link.target, index)
        if found is None:
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


def _aggregates(index: Index) -> tuple[tuple[v.Niche, ...], tuple[v.Tag, ...], v.Stats]:
    """Niches, tags and the home page's stats: what the edges add up to."""
    base, cards_of = index.base, index.cards_of
    niche_views = []
    for nid, niche in index.config.settings.niches.items():
        ids = index.pointing("niche", nid)
        svc = index.pointing("serves", nid)
        cols = unique(ref.partition("#")[0] for i in ids
                      for ref in index.outgoing(i, "practice"))
        card = index.niche_cards[nid]
        niche_views.append(v.Niche(
            id=f"niches/{nid}", url=card.url, card=card, name=niche.name, pitch=niche.pitch,
            case_studies=cards_of(ids), services=cards_of(svc), collections=cards_of(cols),
            highlights=highlights(cards_of(ids)), reads=frozenset(card_ids([*ids, *svc, *cols]))))
    names: dict[str, str] = {}  # tag slug -> the tag as first written
    for kind_docs in index.docs.values():
        for doc in kind_docs:
            for tag in getattr(doc.meta, "tags", ()):
                names.setdefault(tag_slug(tag), tag)
    tags = tuple(v.Tag(f"tags/{key}", base + f"tags/{key}/", names[key],
                       cards_of(index.pointing("tag", key)),
                       frozenset(card_ids(index.pointing("tag", key))))
                 for key in sorted(set(index.targets("tag"))))
    studies = [index.cards[d.id] for d in index.docs.get("case-studies", [])]
    chosen = _site_highlights(index)
    stats = v.Stats(len(studies), len({c.niche for c in studies}),
                    chosen if index.config.settings.highlights else highlights(studies),
                    frozenset(card_ids(c.id for c in studies)))
    return tuple(niche_views), tags, stats


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


def patch_bodies(site: Site, edits: Iterable[tuple[Document, Document]]) -> Site | None:
    """The site as build_site would make it after these (before, after) edits, when each one
    changed nothing but prose: same metadata, links, images, headings and section titles (so
    no card, URL, relation or cross-reference moved); None when some edit did more.

    This is what makes a save in `serve` cost one page on a 10,000-page site: the views of
    the edited documents get their new bodies, everything else is shared with `site`."""
    fingerprints = dict(site.fingerprints)
    views = dict(site.views)
    by_id = dict(site.by_id)
    for before, after in edits:
        old = site.by_id.get(before.id)
        if not prose_only(before, after) or before.id not in site.fills or old is None:
            return None
        new = reprose(site.registry, old, after, site.fills[before.id])
        group = views[after.kind]
        at = next(i for i, x in enumerate(group) if x.id == after.id)
        views[after.kind] = (*group[:at], new, *group[at + 1:])
        by_id[after.id] = new
        fingerprints[after.id] = after.fingerprint
    return dataclasses.replace(site, fingerprints=fingerprints, views=views, by_id=by_id)


def reprose(registry: Registry, view: Any, doc: Document, fills: Fills) -> Any:
    """A document's view with the body (and sections) of this version of it, filled with the
    link URLs and image html the site was linked with (valid while they did not change)."""
    body, sections = filled(doc.rendered, *fills)
    return registry.kind(doc.kind).reprose(view, doc, body, sections)


def without_prose(registry: Registry, view: Any) -> Any:
    """A view without its body: what reprose needs kept of it (small enough to store)."""
    return _kind_of(registry, view).without_prose(view)


def _kind_of(registry: Registry, view: View) -> Kind:
    return registry.kind(view.id.split("/", 1)[0])


def prose_only(before: Document, after: Document) -> bool:
    """Whether two versions of a document differ in nothing build_site links or derives."""
    a, b = before.rendered, after.rendered
    return (before.kind == after.kind and before.rel == after.rel and before.slug == after.slug
            and before.meta == after.meta and before.positions == after.positions
            and before.warnings == after.warnings
            and [x.target for x in a.links] == [x.target for x in b.links]
            and [(x.src, x.alt, x.title) for x in a.images]
            == [(x.src, x.alt, x.title) for x in b.images]
            and [(h.level, h.text, h.anchor) for h in a.toc]
            == [(h.level, h.text, h.anchor) for h in b.toc]
            and [(s.anchor, s.title) for s in a.sections if s.anchor]
            == [(s.anchor, s.title) for s in b.sections if s.anchor])


def view_by_id(site: Site, doc_id: str) -> Any | None:
    """A document's full view (CaseStudy, Collection, Service, Page...), or None."""
    return site.by_id.get(doc_id)


def _resolve_link(doc: Document, target: str, index: Index,
                  ) -> tuple[tuple[str, str], str | None]:
    """A relative .md link -> (final URL, id of the document linked to), or ((message, hint),
    None) when it dangles. A link to a file or generated page (not a document) gives ''
    for the id; one to `#anchor` on the same page is checked against its headings."""
    path, _, fragment = target.partition("#")
    if not path:
        return _resolve_anchor(doc, target, fragment, doc, index)
    if path.startswith("/"):
        return resolve_root(doc, target, index)
    rel = posixpath.normpath(posixpath.join(posixpath.dirname(doc.rel), path))
    found = index.by_rel.get(rel)
    anchors = index.anchors
    if found is None and not path.endswith(".md"):
        rel, _, query = rel.partition("?")
        fragment = f"{query and '?' + query}{fragment and '#' + fragment}"
        asset = index.assets.get(rel)
        if asset is not None:
            return (index.base + asset.out + fragment, ""), ""
        page = index.urls[doc.id].removeprefix(index.base)  # a URL relative to the page's
        as_url = posixpath.normpath(posixpath.join("/" + page, path))
        if not as_url.startswith("//") and as_url != "/..":
            as_url += "/" if path.endswith("/") and as_url != "/" else ""
            resolved, ok = resolve_root(doc, as_url + fragment, index)
            if ok is not None:
                return resolved, ok
        hint = did_you_mean(rel, index.assets) or f"put the file at {rel}"
        return (f"link to `{target}`: no such file ({rel})", hint), None
    if found is None:
        hint = did_you_mean(rel, index.by_rel) or "check the file name and the ../ part"
        return (f"link to `{target}`: no such content file ({rel})", hint), None
    if fragment and fragment not in anchors[found.id]:
        hint = did_you_mean(fragment, anchors[found.id]) or (
            f"anchors in {rel}: {', '.join(sorted(anchors[found.id])) or 'none'}")
        return (f"link to `{target}`: no heading with anchor `#{fragment}` in {rel}",
                hint), None
    url = index.urls[found.id] + (f"#{fragment}" if fragment else "")
    return (url, ""), found.id


# Ids the theme's pages have besides the body's headings: `#main`, `#cta`...
THEME_IDS = frozenset({"main", "cta", "cta-form", "evidence", "used-in", "top"})
# What the theme publishes at the site root besides documents and files.
_LISTING = re.compile(r"(?:page/\d+/)?")  # a kind's list page, or one of its pages
SITE_FILES = frozenset({"", "index.html", "feed.xml", "sitemap.xml", "robots.txt", "404.html",
                        "_redirects", "_headers"})


def _resolve_anchor(doc: Document, target: str, fragment: str, found: Document, index: Index,
                    ) -> tuple[tuple[str, str], str | None]:
    """`#fragment` on the page of `found`, checked against its headings' ids."""
    anchors = index.anchors[found.id]
    if fragment in anchors or fragment in THEME_IDS:
        return (f"#{fragment}" if found is doc else f"{index.urls[found.id]}#{fragment}",
                ""), found.id
    hint = did_you_mean(fragment, anchors) or (
        f"anchors in {found.rel}: {', '.join(sorted(anchors)) or 'none'}")
    return (f"link to `{target}`: no heading with anchor `#{fragment}` in {found.rel}",
            hint), None


def resolve_root(doc: Document, target: str, index: Index,
                 ) -> tuple[tuple[str, str], str | None]:
    """A root-relative link (`/case-studies/x/`, `/img/a.png`): under the base_url's path,
    checked against what the site publishes there."""
    path, _, fragment = target.partition("#")
    path, _, query = path.partition("?")
    inside = path.lstrip("/")
    suffix = (f"?{query}" if query else "") + (f"#{fragment}" if fragment else "")
    url = index.base + inside + suffix
    pages = index.once("links:pages", lambda: {
        u.removeprefix(index.base): i for i, u in index.urls.items()})
    outs = index.once("links:outs", lambda: {a.out for a in index.assets.values()})
    page = pages.get(inside) or pages.get(inside + "/")
    if page is not None:
        found = index.once("links:ids", lambda: {d.id: d for d in index.by_rel.values()})[page]
        if fragment:
            resolved, ok = _resolve_anchor(doc, target, fragment, found, index)
            return ((url, ""), page) if ok is not None else (resolved, None)
        return (url, ""), page
    first, _, rest = inside.partition("/")
    generated = inside in SITE_FILES or first == "tags" or (
        first in index.docs and _LISTING.fullmatch(rest) is not None) or (
        first == "niches" and (not rest or index.base + inside in {
            c.url for c in index.niche_cards.values()}))
    if inside in outs or inside.rstrip("/") + "/index.html" in outs or generated:
        return (url, ""), ""
    hint = did_you_mean(inside, [*pages, *outs]) or (
        "a root-relative link names a path under the site's root (static/ or a page's URL)")
    return (f"link to `{target}`: nothing is published at /{inside}", hint), None


def _root_image(doc: Document, src: str, index: Index) -> str:
    """A root-relative image (`/img/a.png`) as the path, from the document, of the file
    published there (static/img/a.png); as written when there is none."""
    by_out = index.once("links:by-out", lambda: {a.out: a.rel for a in index.assets.values()})
    rel = by_out.get(src.lstrip("/").partition("?")[0].partition("#")[0])
    return posixpath.relpath(rel, posixpath.dirname(doc.rel)) if rel else src
