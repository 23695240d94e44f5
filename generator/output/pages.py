"""The route records, and what a kind's `routes` adds its pages to (`_Pages`): the pieces
routes.py and patching.py both make routes with, kept apart from the site so that they stay
low in the import chain (the records are in every cache and every incremental stage)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from generator.model.views import Card
from generator.pickling import pickled_by_fields

if TYPE_CHECKING:
    from generator.site import Site


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class Route:
    """One output file to render: where it goes, with which template, reading what."""

    path: str                       # relative to the output folder, e.g. case-studies/x/index.html
    template: str
    context: Mapping[str, Any]
    reads: frozenset[str]           # ids of the records the context was derived from


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class Crumb:
    """One step of a page's breadcrumb trail (the last one is the page itself)."""

    label: str
    url: str


class _Pages:
    """The routes being made, in order: what each kind's `routes` adds its pages to."""

    def __init__(self, site: Site, last: Mapping[str, Made] | None = None) -> None:
        self.site = site
        self.out: list[Route] = []
        self.last = last or {}
        self.made: dict[str, Made] = {}
        self.page_size = site.config.settings.page_size
        self.config = site.config

    def views(self, folder: str) -> Sequence[Any]:
        return self.site.of(folder)

    def cards(self, folder: str) -> list[Card]:
        """The cards lists show (not `unlisted:`), in the site's order."""
        group = self.site.niches if folder == "niches" else self.site.of(folder)
        return [item.card for item in group if not item.card.unlisted]

    def add(self, path: str, template: str, reads: Iterable[str] = (), **context: Any) -> None:
        context.setdefault("breadcrumbs", ())
        page: Any = context.get("page")
        if hasattr(page, "call_to_action"):  # a document's page: its own, else the site's
            context.setdefault("call_to_action", page.call_to_action
                               or self.site.config.settings.call_to_action)
            context.setdefault("noindex", page.unlisted)  # an unlisted page is noindex
        reads = frozenset(reads)
        old = self.last.get(path)
        if (old is not None and old.template == template and old.reads == reads
                and old.route.context == context):  # values compared by identity first
            route = old.route
        else:  # (_reads_of walks every card of a list: 10,000 on the home page)
            route = Route(path, template, context, reads | _reads_of(context))
        self.made[path] = Made(template, reads, route)
        self.out.append(route)

    def trail(self, *steps: tuple[str, str]) -> tuple[Crumb, ...]:
        """Home, then each (label, site-relative path) step."""
        return tuple(Crumb(label, self.site.url(rel)) for label, rel in (("Home", ""), *steps))

    def file(self, url: str) -> str:
        return _file(self.site, url)

    def rel(self, url: str) -> str:
        return _rel(self.site, url)

    def pager(self, section: str, number: int, pages: int) -> dict[str, Any]:
        return _pager(self.site, section, number, pages)


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class Made:
    """A route as `_Pages.add` made it: reused while asked again with equal arguments."""

    template: str
    reads: frozenset[str]  # as given to add (the route's also has those of its context)
    route: Route


def _reads_of(context: Mapping[str, Any]) -> frozenset[str]:
    """Every record a context carries: a card reads `card:<id>`, a full view its own id and
    whatever it was derived from. Deriving this from the context itself means a template can
    never show data its route does not depend on."""
    found: set[str] = set()
    for value in context.values():
        for item in value if isinstance(value, list | tuple) else (value,):
            if isinstance(item, Card):
                found.add(f"card:{item.id}")
            elif isinstance(getattr(item, "reads", None), frozenset):
                found |= item.reads
                if getattr(item, "id", ""):
                    found.add(item.id)
    return frozenset(found)


def _rel(site: Site, url: str) -> str:
    return url[len(site.config.base_path):]


def _file(site: Site, url: str) -> str:
    return _rel(site, url) + "index.html"


def _pretty(path: str) -> str:
    return path[: -len("index.html")] if path.endswith("index.html") else path


def _pager(site: Site, section: str, number: int, pages: int) -> dict[str, Any]:
    def link(n: int) -> str:
        return site.url(section + ("" if n == 1 else f"page/{n}/"))
    return {"number": number, "pages": pages,
            "previous": link(number - 1) if number > 1 else None,
            "next": link(number + 1) if number < pages else None}
