"""Which pages must be rendered again: a page's key is a digest of everything its bytes come
from, so a route whose key did not change is last build's output as it is, and a rebuild need
not even key the routes whose reads did not change."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # (annotations only: this module stays low in the import chain)
    from generator.output.pages import Route
    from generator.output.theme import Theme
    from generator.output.writer import Output
    from generator.site import Site


def affected(routes_: list[Route], changed: frozenset[str]) -> list[int]:
    """Indexes of the routes that read any of these record ids."""
    return [i for i, route in enumerate(routes_) if not route.reads.isdisjoint(changed)]


def changed_records(before: Mapping[str, str], after: Mapping[str, str]) -> set[str]:
    """The record ids (documents, `card:`, `order:`, `rank:`, `image:`) whose fingerprint is
    not the same in these two sites' fingerprints, or that only one of them has."""
    return {i for i, fp in after.items() if before.get(i) != fp} | (before.keys() - after.keys())


def stale(routes_: Sequence[Route], last: Mapping[str, Route], changed: set[str],
          ) -> list[int]:
    """Indexes of the routes whose key may differ from last build's route at their path, the
    site's configuration and theme being the same: a new path, another template or other
    reads, or a read record in `changed`. Every other route's key, and so its output, is last
    build's (page_key is a function of nothing else), so it is not even keyed again."""
    out = []
    for i, route in enumerate(routes_):
        old = last.get(route.path)
        if (old is None or old.template != route.template or not route.reads.isdisjoint(changed)
                or (old.reads is not route.reads and old.reads != route.reads)):
            out.append(i)
    return out


def plan(routes_: list[Route], site: Site, theme: Theme,
         previous: Mapping[str, Output] | None = None) -> tuple[list[Output | None], list[str]]:
    """Each route's key, and its previous output where that key did not change (else None:
    it must be rendered)."""
    previous = previous or {}
    shown_everywhere = theme_key(site, theme)
    closures: dict[str, str] = {}
    reads_keys: dict[frozenset[str], str] = {}
    outputs: list[Output | None] = []
    keys = []
    for route in routes_:
        if route.template not in closures:
            closures[route.template] = theme.closure_fingerprint(route.template)
        key = page_key(route, closures[route.template], site.config.fingerprint,
                       site.fingerprints, shown_everywhere, reads_keys)
        old = previous.get(route.path)
        outputs.append(old if old is not None and old.key == key else None)
        keys.append(key)
    return outputs, keys


def theme_key(site: Site, theme: Theme) -> str:
    """What every page shows besides its context: the asset names and the menu's cards."""
    return "".join(sorted(theme.asset_urls.values())) + "".join(
        site.fingerprints[f"card:{p.id}"] for p in site.pages)


def page_key(route: Route, template_key: str, config_key: str, fingerprints: Mapping[str, str],
             theme_key: str, reads_keys: dict[frozenset[str], str] | None = None) -> str:
    """The key of a route's output: everything its bytes come from, as one digest."""
    reads = reads_keys.get(route.reads) if reads_keys is not None else None
    if reads is None:  # 400 index pages read the same 10,000 case studies: hash them once
        reads = hashlib.blake2b("\0".join(sorted(
            f"{i}={fingerprints.get(i, '')}" for i in route.reads)).encode(),
            digest_size=16).hexdigest()
        if reads_keys is not None:
            reads_keys[route.reads] = reads
    digest = hashlib.blake2b(digest_size=16)
    for part in (config_key, template_key, theme_key, route.path, reads):
        digest.update(part.encode())
        digest.update(b"\0")
    return digest.hexdigest()
