"""Site -> Outputs. Every route names its template and the records its context reads, so a
page whose inputs did not change is never rendered twice (its bytes come from the last build)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from generator.config import Config
from generator.kinds import person
from generator.kinds.registry import for_site
from generator.model.views import Card, Stats
from generator.output.theme import Theme, as_uri, render_template
from generator.output.writer import Output
from generator.pickling import pickled_by_fields
from generator.site import Site, alias_output


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


# Which case studies a paginated list or the feed shows depends on the order of all of them;
# this one fingerprint stands for that order, so each page reads only its own cards.
ORDER = "order:case-studies"


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


def routes(site: Site, last: Mapping[str, Made] | None = None) -> list[Route]:
    """Every page of the site, in a stable order: the registry's, then the sitemap. `last`:
    made_routes() of the last site's routes (`serve`), each reused while its arguments hold."""
    return made_routes(site, last)[0]


def made_routes(site: Site, last: Mapping[str, Made] | None = None,
                ) -> tuple[list[Route], dict[str, Made]]:
    """routes(), and each one as made, by path, for the next call."""
    pages = _Pages(site, last)
    registry = site.registry
    kinds = {kind.folder: kind.routes for kind in registry.kinds}
    for name in registry.page_order:
        (_SITE_WIDE.get(name) or kinds.get(name) or registry.routes[name])(pages)
    for redirect in site.redirects:
        pages.add(alias_output(redirect.path), "redirect.html", [f"card:{redirect.id}"],
                  page_kind="redirect", noindex=True, target=redirect.target,
                  target_url=_origin(site.config) + redirect.target)
    urls = _sitemap(site, pages.out)
    # it shows nothing but these URLs and dates: it reads them, not every card (a title edit
    # would render its 20,000 lines again)
    shown = hashlib.blake2b("\n".join(f"{u['loc']} {u['lastmod']}" for u in urls).encode(),
                            digest_size=16).hexdigest()
    pages.add("sitemap.xml", "sitemap.xml", [f"sitemap:{shown}"], page_kind="sitemap",
              urls=urls)
    pages.add("robots.txt", "robots.txt", page_kind="robots")
    return pages.out, pages.made


def _home(pages: _Pages) -> None:
    site = pages.site
    pages.add("index.html", "home.html", site.stats.reads, page_kind="home", stats=site.stats,
              featured=_featured(site), services=pages.cards("services"),
              collections=pages.cards("practices"), niches=pages.cards("niches"),
              case_studies=pages.cards("case-studies"),
              logos=_logos(pages.cards("case-studies")),
              team=[person.member(site.config, pid) for pid in site.config.settings.people])


def _niches(pages: _Pages) -> None:
    for niche in pages.site.niches:
        pages.add(pages.file(niche.url), "niche.html", niche.reads, page_kind="niche",
                  page=niche, breadcrumbs=pages.trail((niche.name, pages.rel(niche.url))))


def _tags(pages: _Pages) -> None:
    site, step = pages.site, ("Tags", "tags/")
    if site.tags:
        pages.add("tags/index.html", "tags.html", _ids(site.case_studies), page_kind="tags",
                  tags=list(site.tags), breadcrumbs=pages.trail(step))
    for tag in site.tags:
        pages.add(pages.file(tag.url), "tag.html", tag.reads, page_kind="tag", page=tag,
                  breadcrumbs=pages.trail(step, (tag.name, pages.rel(tag.url))))


def _not_found(pages: _Pages) -> None:
    pages.add("404.html", "404.html", page_kind="not-found")


def _feed(pages: _Pages) -> None:
    """The 30 newest case studies and articles (none unlisted)."""
    site = pages.site
    entries = sorted([c.card for c in (*site.case_studies, *site.of("articles"))
                      if not c.card.unlisted],
                     key=lambda c: (-c.date.toordinal() if c.date else 0, c.id))
    pages.add("feed.xml", "feed.xml", [ORDER, "order:articles"], page_kind="feed",
              entries=entries[:30])


_SITE_WIDE: dict[str, Callable[[_Pages], None]] = {
    "home": _home, "niches": _niches, "tags": _tags, "not-found": _not_found, "feed": _feed}


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
    own = _Only(site, made, list(remade.values()))
    for kind in registry.kinds:
        if any(i.split("/", 1)[0] == kind.folder for i in remade):
            kind.routes(own)
    if own.made.keys() != own.paths:
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


def render_routes(routes_: list[Route], site: Site, theme: Theme,
                  previous: Mapping[str, Output] | None = None,
                  on_page: Callable[[int, int], None] | None = None) -> list[Output]:
    """Render what changed; reuse the previous build's bytes where the key is the same."""
    outputs, keys = plan(routes_, site, theme, previous)
    shared = site_globals(site)
    for number, route in enumerate(routes_, 1):
        if outputs[number - 1] is None:
            outputs[number - 1] = Output(route.path, render_page(route, site.config, theme,
                                                                 shared),
                                         keys[number - 1])
        if on_page:
            on_page(number, len(routes_))
    return outputs  # type: ignore[return-value]


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


def render_page(route: Route, config: Config, theme: Theme, shared: Mapping[str, Any]) -> bytes:
    """One route's bytes; `shared` is site_globals(site)."""
    context = {**shared, **route.context, "path": route.path,
               "canonical": as_uri(config.base_url + _pretty(route.path))}
    return render_template(theme, route.template, context, config).encode("utf-8")


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


def site_globals(site: Site) -> dict[str, Any]:
    """What every template sees besides its route's context."""
    return globals_for(site.config, [p.card for p in site.pages if p.menu and not p.unlisted])


def globals_for(config: Config, menu_pages: list[Card]) -> dict[str, Any]:
    s = config.settings
    return {"site": s, "config": config, "base_path": config.base_path,
            "base_url": config.base_url, "niche_names": {k: n.name for k, n in s.niches.items()},
            "menu_pages": menu_pages, "dev": config.options.serve,
            "sections": _sections(config), "call_to_action": s.call_to_action,
            "noindex": False}


def _sections(config: Config) -> list[dict[str, str]]:
    """The kinds' listings, for the header's navigation when site.yaml has none."""
    return [{"label": k.name.label, "url": f"/{k.folder}/", "folder": k.folder}
            for k in for_site(config).kinds if k.nav]


def _ids(*groups: Iterable[Any]) -> frozenset[str]:
    """The cards of these records: what a list page shows of each."""
    return frozenset(f"card:{item.id}" for group in groups for item in group)


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


def _featured(site: Site) -> list[Any]:
    cards = [c.card for c in site.case_studies if not c.card.unlisted]
    return [c for c in cards if c.featured] or cards[:3]


def _logos(cards: Iterable[Card], least: int = 3) -> list[Card]:
    """One card per client with a logo, for the home page's wall; none below `least`."""
    seen: dict[str, Card] = {}
    for card in cards:
        if card.logo_html:
            seen.setdefault(card.who, card)
    return list(seen.values()) if len(seen) >= least else []


def _origin(config: Config) -> str:
    """`https://example.com` of base_url `https://example.com/sub/`."""
    return config.base_url[: len(config.base_url) - len(config.base_path)]


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


def _sitemap(site: Site, so_far: list[Route]) -> list[dict[str, str]]:
    dates = {c.url: c.date.isoformat() for c in site.case_studies} | {
        a.url: (a.updated or a.date).isoformat() for a in site.of("articles")}
    urls = []
    for route in so_far:
        if route.path.endswith("index.html") and not route.context.get("noindex"):
            url = as_uri(site.config.base_url + _pretty(route.path))
            urls.append({"loc": url, "lastmod": dates.get(site.config.base_path
                                                          + _pretty(route.path), "")})
    return urls
