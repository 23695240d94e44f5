"""A prose-only edit applied to what was built, without linking the site again: patch_bodies
makes the Site after it (`serve`), reprose a cached view with its new body (the one-off build
of incremental/prose.py). prose_only says whether an edit is one."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from generator.content.document import Document
from generator.kinds.index import filled
from generator.kinds.kind import Kind, View
from generator.kinds.registry import Registry

if TYPE_CHECKING:  # (annotations only: this module stays low in the import chain)
    from generator.site import Fills, Site


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
            and [(h.level, h.text, h.anchor, h.unnumbered) for h in a.toc]
            == [(h.level, h.text, h.anchor, h.unnumbered) for h in b.toc]
            and [(s.anchor, s.title) for s in a.sections if s.anchor]
            == [(s.anchor, s.title) for s in b.sections if s.anchor])
