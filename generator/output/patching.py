"""`serve`'s routes of an edited site made from the last site's, instead of all made again:
after a prose edit (patch_routes) or a front-matter edit that linked the site again
(relinked_routes)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from generator.model.views import Card, Stats
from generator.output.keys import affected
from generator.output.pages import Made, Route, _file, _Pages, _reads_of
from generator.site import Site


def patch_routes(routes_: list[Route], site: Site, changed: frozenset[str]) -> list[Route]:
    """The routes of `site` after patch_bodies changed the views `changed`: routes reading
    one of them get its new view in their context; the others are the very same objects."""
    views = {i: site.by_id.get(i) for i in changed}
    out = list(routes_)
    for i in affected(routes_, changed):
        route = routes_[i]
        context = {name: _swapped(value, views) for name, value in route.context.items()}
        out[i] = Route(route.path, route.template, context, route.reads)
    return out


class _Only(_Pages):
    """Pages of nothing but these views: a kind's routes run with it add their own pages
    again (a breadcrumb shows the title), and nothing else."""

    def __init__(self, site: Site, last: Mapping[str, Made], views: Sequence[Any]) -> None:
        super().__init__(site, last)
        self.only = views
        self.paths = {_file(site, view.url) for view in views}

    def views(self, folder: str) -> Sequence[Any]:
        return [view for view in self.only if view.id.split("/", 1)[0] == folder]

    def cards(self, folder: str) -> list[Card]:
        return []

    def add(self, path: str, template: str, reads: Iterable[str] = (), **context: Any) -> None:
        if path in self.paths:
            super().add(path, template, reads, **context)


def relinked_routes(routes_: list[Route], made: Mapping[str, Made], site: Site,
                    changed: frozenset[str], remade: Mapping[str, Any], card: Card,
                    ) -> tuple[list[Route], dict[str, Made]] | None:
    """made_routes() of a site relinked after a front-matter edit (incremental/relink.py),
    from the last site's routes: the pages of the `remade` views made again by their kinds,
    the pages of routes not bound to a kind (people) made again, and in every other route
    that reads a `changed` record its views, niches, tags and stats swapped for the site's,
    and the edited document's `card` for its new one (by id: a reused route holds equal
    objects, not always the very ones). None when a
    remade view's page is not where it was."""
    registry = site.registry
    own = _remade(site, made, list(remade.values()))
    if own is None:
        return None
    again = _Pages(site, made)
    for routes_of in registry.routes.values():
        routes_of(again)
    fresh = {**own.made, **again.made}
    now: dict[str, Any] = {**remade, **{n.id: n for n in site.niches},
                           **{t.id: t for t in site.tags}}
    out, made_now = list(routes_), dict(made)
    for i, route in enumerate(routes_):
        found = fresh.pop(route.path, None)
        if found is not None:
            out[i], made_now[route.path] = found.route, found
        elif not route.reads.isdisjoint(changed):
            was = made.get(route.path)
            if was is None:
                return None
            context = {name: _swapped(value, now, card, site.stats)
                       for name, value in route.context.items()}
            new = Route(route.path, route.template, context, was.reads | _reads_of(context))
            out[i], made_now[route.path] = new, Made(was.template, was.reads, new)
    return (out, made_now) if not fresh else None  # (a page that is new: link it again)


def own_routes(made: Mapping[str, Made], site: Site, view: Any) -> list[Route] | None:
    """The routes of one view made again (the edited document's, after relink), as
    relinked_routes makes them, so that its page can be rendered before the others'
    routes are patched; None when its pages are not where they were."""
    own = _remade(site, made, [view])
    if own is None or not own.paths <= made.keys():
        return None
    return [m.route for m in own.made.values()]


def _remade(site: Site, made: Mapping[str, Made], views: Sequence[Any]) -> _Only | None:
    """The pages of these views, made again by their kinds' routes; None when they are not
    the pages the views' URLs name (a page that comes or goes: link the site again)."""
    own = _Only(site, made, views)
    folders = {view.id.split("/", 1)[0] for view in views}
    for kind in site.registry.kinds:
        if kind.folder in folders:
            kind.routes(own)
    return own if own.made.keys() == own.paths else None


def _swapped(value: Any, now: Mapping[str, Any], card: Card | None = None,
             stats: Stats | None = None) -> Any:
    """A context value with `now`'s object in place of each view, niche or tag in it (by id),
    and, when given, the edited document's new `card` for its old one and the site's `stats`.
    A list or tuple in which nothing changed is returned as it is."""
    if isinstance(value, Card):
        return card if card is not None and value.id == card.id else value
    if stats is not None and isinstance(value, Stats):
        return stats
    found = now.get(getattr(value, "id", None) or "")
    if found is not None:
        return found
    if isinstance(value, list | tuple) and value:
        items = [_swapped(item, now, card, stats) for item in value]
        if any(a is not b for a, b in zip(items, value, strict=True)):
            return type(value)(items)
    return value
