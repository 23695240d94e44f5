"""Site -> Routes: every page of the site, each naming its template and the records its
context reads, so a page whose inputs did not change is never rendered twice."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from generator.config import Config
from generator.kinds import person
from generator.model.views import Card
from generator.output.pages import Made, Route, _Pages, _pretty
from generator.output.theme import as_uri
from generator.site import Site, alias_output

# Which case studies a paginated list or the feed shows depends on the order of all of them;
# this one fingerprint stands for that order, so each page reads only its own cards.
ORDER = "order:case-studies"


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


def _ids(*groups: Iterable[Any]) -> frozenset[str]:
    """The cards of these records: what a list page shows of each."""
    return frozenset(f"card:{item.id}" for group in groups for item in group)


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
