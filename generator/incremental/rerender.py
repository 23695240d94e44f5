"""The pages a build renders again, and rendering them: when the theme and most of the site
are last build's, only the routes reading what changed; the rest is last build's pages as
they are. Here, not in memo.py, which build.py's other stages import: this one hands work
to the pool (parallel.py), and memo.py importing that would make the import chain one
module longer."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from generator.incremental.state import BuildState, RenderedFrom
from generator.output.keys import affected, changed_records, stale, theme_key
from generator.output.pages import Route
from generator.output.render import render_routes
from generator.output.theme import Theme
from generator.output.writer import Output, Spool
from generator.parallel import render_all
from generator.site import Site

IN_PROCESS = 64  # pages an incremental rebuild renders without forking workers


def render_pages(page_routes: list[Route], site: Site, theme: Theme, state: BuildState,
                 on_page: Callable[[int, int], None] | None,
                 edited: frozenset[str] | None = None, spool: Spool | None = None,
                 first: Callable[[list[Output]], None] | None = None,
                 early: Mapping[str, Output] | None = None) -> list[Output]:
    """render_routes; when the theme is the same and the site is last build's, or last
    build's with only the `edited` documents' prose patched, only the routes reading those
    documents are looked at; when it was linked again, only the routes keys.stale names
    (a few, after a front-matter edit in `serve`). Every other page is last build's as is."""
    count = len(page_routes)
    last = state.rendered_from
    previous = {**state.outputs, **early} if early else state.outputs  # (rendered already)
    todo: list[int] | None = None
    own = edited  # the documents whose own pages `first` is given
    patched = (edited is not None and last is not None and last.theme is theme
               and (edited or last.site is site))  # the same paths, some routes patched
    if patched:
        todo = affected(page_routes, edited)  # type: ignore[arg-type]
    elif (last is not None and last.theme is theme and spool is None
          and last.site.config.fingerprint == site.config.fingerprint
          and theme_key(last.site, theme) == theme_key(site, theme)):
        records = changed_records(last.site.fingerprints, site.fingerprints)
        todo = stale(page_routes, {p: r for p, (r, _) in last.pages.items()}, records)
        own = frozenset(i for i in records if i in site.by_id)
    if last is not None and todo is not None:
        outputs = _rerender(page_routes, todo, last, site, theme, previous,
                            first if own else None, own or frozenset())
        if on_page:
            on_page(count, count)
    else:
        outputs = render_all(page_routes, site, theme, previous, on_page, spool=spool)
    if patched and last is not None and todo is not None:
        pages = dict(last.pages)
        pages.update((page_routes[i].path, (page_routes[i], outputs[i])) for i in todo)
    else:
        pages = {r.path: (r, o) for r, o in zip(page_routes, outputs, strict=True)}
    state.rendered_from = RenderedFrom(site, theme, pages)
    return outputs


def _rerender(page_routes: list[Route], todo: list[int], last: RenderedFrom, site: Site,
              theme: Theme, previous: Mapping[str, Output],
              first: Callable[[list[Output]], None] | None = None,
              own: frozenset[str] = frozenset()) -> list[Output]:
    """Last build's page at each route's path, but the `todo` routes (and any new path)
    rendered: a few in this process, whose remembered cards (kinds/registry.py) then stay
    warm for the next rebuild; many (a price shown on 2,000 pages) on every core. `todo`
    then lists every route rendered. The pages of the documents `own` names (the edited
    ones) are rendered first, and given to `first`."""
    made = last.pages
    outputs = [made[r.path][1] if r.path in made else None for r in page_routes]
    redo = set(todo)
    todo[:] = [i for i, output in enumerate(outputs) if output is None or i in redo]
    ahead = [i for i in todo if getattr(page_routes[i].context.get("page"), "id", "") in own]
    if first is not None and ahead:
        for i, output in zip(ahead, render_routes([page_routes[i] for i in ahead], site, theme,
                                                  previous), strict=True):
            outputs[i] = output
        first([outputs[i] for i in ahead])  # type: ignore[misc]  # every one set
    done = set(ahead) if first is not None else set()
    rest = [i for i in todo if i not in done]
    fresh = (render_all if len(rest) > IN_PROCESS else render_routes)(
        [page_routes[i] for i in rest], site, theme, previous)
    for i, output in zip(rest, fresh, strict=True):
        outputs[i] = output
    return outputs  # type: ignore[return-value]  # every one set now


def render_early(routes: list[Route], site: Site, theme: Theme, state: BuildState,
                 first: Callable[[list[Output]], None]) -> dict[str, Output]:
    """The edited document's pages rendered before the rest of a relinked site's routes are
    patched, and given to `first`, when the theme is last render's (then its ids still
    clash with no heading: the bodies are the same). The outputs by path ({} when not)."""
    last = state.rendered_from
    if last is None or last.theme is not theme:
        return {}
    outputs = render_routes(routes, site, theme, state.outputs)
    first(outputs)
    return {o.path: o for o in outputs}
