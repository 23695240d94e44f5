"""Routes -> Outputs: each route's page rendered with its template, or last build's bytes
where its key (keys.py) is the same."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from generator.config import Config
from generator.kinds.registry import for_site
from generator.model.views import Card
from generator.output.keys import plan
from generator.output.pages import Route, _pretty
from generator.output.theme import Theme, as_uri, render_template
from generator.output.writer import Output

if TYPE_CHECKING:
    from generator.site import Site


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


def render_page(route: Route, config: Config, theme: Theme, shared: Mapping[str, Any]) -> bytes:
    """One route's bytes; `shared` is site_globals(site)."""
    context = {**shared, **route.context, "path": route.path,
               "canonical": as_uri(config.base_url + _pretty(route.path))}
    return render_template(theme, route.template, context, config).encode("utf-8")


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
