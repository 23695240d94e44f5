"""The build, top to bottom: config -> sources -> documents -> site -> theme -> outputs -> write."""

from __future__ import annotations

import functools
import re
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

from generator import editor
from generator.config import BuildOptions, Config, load_config
from generator.content.document import Document, Reading
from generator.content.sources import Source, of_kinds
from generator.editor import editor_warnings
from generator.errors import CasefolioError, Problem, fail_if
from generator.incremental import cache, prose
from generator.incremental.memo import (
    cards_ahead,
    copy_asset,
    few_replaced,
    image_outputs,
    link_site,
    theme_for,
)
from generator.incremental.reads import read_changed, read_inputs
from generator.incremental.stamp import (
    Inputs,
    inputs_now,
    reads_from_cache,
    reads_to_cache,
    stamp_of,
    up_to_date,
)
from generator.incremental.state import BuildState, InputsMemo, LoadedMemo, RenderedFrom
from generator.kinds.registry import for_site
from generator.kinds.registry import load as load_registry
from generator.output.headers import headers_outputs
from generator.output.keys import affected, changed_records, stale, theme_key
from generator.output.pages import Route
from generator.output.redirects import with_redirects
from generator.output.render import render_routes
from generator.output.theme import Theme, is_hidden
from generator.output.writer import Output, Spool, check_output_dir, write_site
from generator.parallel import load_all, render_all
from generator.site import Site, published
from generator.workers import Forked, can_fork, collector_paused


@dataclass(frozen=True, slots=True)
class BuildResult:
    site: Site | None      # None when nothing was built (up_to_date)
    outputs: tuple[Output, ...]
    warnings: tuple[Problem, ...]
    rendered: int          # pages actually rendered (not reused)
    timings: dict[str, float]
    up_to_date: bool = False  # nothing changed since the last `casefolio build`: nothing done
    page_count: int = 0    # the pages in the output folder, when up_to_date

    @property
    def pages(self) -> int:
        if self.up_to_date:
            return self.page_count
        return sum(1 for o in self.outputs if o.path.endswith(".html"))


def build(site_dir: Path, options: BuildOptions = BuildOptions(),
          state: BuildState | None = None,
          on_page: Callable[[int, int], None] | None = None,
          changed: Iterable[Path] | None = None, spool: Spool | None = None,
          parsed: Callable[[Config, list[Document]], None] | None = None,
          first: Callable[[list[Output]], None] | None = None) -> BuildResult:
    """Build the whole site in memory; raise CasefolioError with every problem found.

    `changed`: the files a watcher saw change since the build that made `state` (None: not
    known, look at every file). `spool`: where new pages and images go as they are made,
    instead of memory (a one-off build's outputs are written once and not kept). `parsed`:
    told the documents as soon as they are loaded (a one-off build saves them meanwhile).
    `first`: given the edited documents' own pages as soon as they are rendered, before the
    others (`serve` writes them at once), when a rebuild renders a few pages again."""
    # Pausing the cyclic GC for the build: serve rebuild on 1,000 studies 441 -> 309 ms median.
    with collector_paused():
        return _build(site_dir, options, state, on_page, changed, spool, parsed, first)


def _build(site_dir: Path, options: BuildOptions, state: BuildState | None,
           on_page: Callable[[int, int], None] | None,
           changed: Iterable[Path] | None = None, spool: Spool | None = None,
           parsed: Callable[[Config, list[Document]], None] | None = None,
           first: Callable[[list[Output]], None] | None = None) -> BuildResult:
    state = state if state is not None else BuildState()
    timings: dict[str, float] = {}
    with _timed(timings, "config"):
        try:
            config = load_config(site_dir, options)
        except CasefolioError as exc:  # still say what is wrong in the content files
            raise CasefolioError([*exc.problems, *_content_problems(site_dir)]) from None
    with _timed(timings, "discovery"):
        known = read_changed(site_dir, state, changed)
        problems: list[Problem] = []
        if known is not None:
            sources, assets = known
        else:
            sources, assets, problems = read_inputs(site_dir, state, config.link_roots)
            state.inputs = None if problems else InputsMemo(sources, assets)
        sources, outside = of_kinds(sources, for_site(config).folders)
        problems += outside
    with _timed(timings, "markdown"):
        documents = load_documents(sources, config, state, problems)
        problems += [w for doc in documents for w in doc.warnings]
        if parsed is not None:
            parsed(config, documents)
    broken = frozenset(p.path for p in problems if p.severity == "error")
    with cards_ahead(config, documents, site_dir, None if broken else spool), \
            _timed(timings, "site"):  # linking what did load: every error of the build at once
        site, site_problems, page_routes, edited = link_site(config, documents, assets, state,
                                                             broken)
        problems += site_problems + unique_urls(documents)
    fail_if(problems)
    with image_outputs(site, site_dir, state, spool) as images:  # maybe drawn meanwhile
        with _timed(timings, "templates"):
            theme = theme_for(config, state)
            fail_if(theme_ids_taken(documents, site, theme))
            outputs = render_pages(page_routes, site, theme, state, on_page, edited, spool,
                                   first)
        rendered = sum(1 for o in outputs if state.outputs.get(o.path) is not o)
        with _timed(timings, "assets"):
            outputs += [Output(a.out, a.data, "") for a in theme.assets]
            outputs += [copy_asset(site_dir, a, state) for a in site.assets]
            outputs += images()
    with _timed(timings, "assets"):
        outputs = with_redirects(outputs, site.redirects, config.base_path,
                                 site_dir / "static" / "_redirects")
        outputs += headers_outputs(outputs, config.base_path)
        paths = [o.path for o in outputs]
        if paths != state.paths:  # the same paths as last build's are known not to collide
            problems += colliding_outputs(outputs)
    fail_if(problems)
    state.outputs = {o.path: o for o in outputs}
    state.paths = paths
    return BuildResult(site, tuple(outputs), tuple(p for p in problems
                                                   if p.severity == "warning"),
                       rendered, timings)


def build_to(site_dir: Path, out_dir: Path, options: BuildOptions = BuildOptions(),
             force: bool = False, state: BuildState | None = None,
             on_page: Callable[[int, int], None] | None = None) -> BuildResult:
    """Build, then write: on any error the previous output stays untouched. A one-off build
    (no state) starts from, and leaves, the on-disk cache, and does nothing at all when
    nothing the output depends on changed since the last one."""
    with collector_paused():  # loading and saving the cache make ~100 objects a page too
        return _build_to(site_dir, out_dir, options, force, state, on_page)


def _build_to(site_dir: Path, out_dir: Path, options: BuildOptions, force: bool,
              state: BuildState | None, on_page: Callable[[int, int], None] | None,
              ) -> BuildResult:
    timings: dict[str, float] = {}
    fresh = state is None
    inputs: Inputs | None = None
    if fresh:
        with _timed(timings, "up to date"):
            inputs = inputs_now(site_dir, out_dir, options)
            last = up_to_date(inputs, site_dir, out_dir)
        if last is not None:
            return BuildResult(None, (), last.warnings, 0, timings, up_to_date=True,
                               page_count=last.pages)
        if not force:
            with _timed(timings, "prose"):
                redone = prose.redo(site_dir, out_dir, options, inputs)
            if redone is not None:
                outputs, warnings, rendered, _ = redone
                return BuildResult(None, tuple(outputs), warnings, rendered, timings)
    check_output_dir(out_dir, site_dir, force)
    if state is None:
        with _timed(timings, "cache"):
            documents, previous = cache.load(site_dir, out_dir)
            files = reads_from_cache(site_dir)
        state = BuildState(documents=documents, outputs=previous, files=files)
    spool = Spool(out_dir) if fresh else None  # a one-off build keeps no output in memory
    try:
        with _CacheSaver(site_dir, state, inputs, fresh) as saver:
            result = build(site_dir, options, state, on_page, spool=spool,
                           parsed=saver.parsed if fresh else None)
            result.timings.update(timings)
            saver.built(result)
            with _timed(result.timings, "writing"):
                write_site(result.outputs, out_dir, in_place=not force)
            if fresh:
                with _timed(result.timings, "cache"):
                    stamp = stamp_of(result.outputs, result.warnings, result.pages, inputs,
                                     state, out_dir)
                    saver.saved(stamp)
                    cache.save_state(site_dir, state.outputs, out_dir,
                                     reads_to_cache(state, inputs), stamp)
    finally:
        if spool is not None:
            spool.discard()
    return result


class _CacheSaver:
    """The bulk of a one-off build's cache, which needs no output written, saved by forked
    children while this process goes on: the parsed documents (cache.save_documents) and the
    editor's warnings `casefolio check` prints (editor.record, so that it loads no document
    when nothing changed) as soon as the documents are loaded, beside the linking, which
    keeps one core only; what a later prose-only edit needs (prose.save, pickling each page's
    context) once the site is built, while the output is written. At 10,000 studies ~3.7 s
    and ~3.1 s of CPU. `saved(stamp)` waits for both (the stamp is written after them: it
    vouches for all), and drops the prose record when the build left no stamp. Without fork,
    all is saved in `saved`. Not a one-off build (`serve`'s, not `fresh`): nothing, the
    cache is a one-off build's."""

    def __init__(self, site_dir: Path, state: BuildState, inputs: Inputs | None,
                 fresh: bool) -> None:
        self.site_dir, self.state, self.inputs, self.fresh = site_dir, state, inputs, fresh
        self.digest = inputs.digest if inputs is not None and inputs.digest else None
        self.children = ExitStack()
        self.waiting: list[Forked[None]] = []
        self.later: list[Callable[[str | None], None]] = []  # without fork: (vouched digest)

    def __enter__(self) -> _CacheSaver:
        return self

    def __exit__(self, *exc: object) -> None:
        self.children.close()  # children not waited for (the build failed): stopped

    def parsed(self, config: Config, documents: list[Document]) -> None:
        site_dir, inputs, loaded = self.site_dir, self.inputs, self.state.documents

        def save(vouched: str | None) -> None:
            cache.save_documents(site_dir, loaded)
            if vouched is not None and inputs is not None:
                editor.record(site_dir, inputs.settings, vouched, len(loaded),
                              editor_warnings(config, published(documents, config)))
        self._start(save)

    def built(self, result: BuildResult) -> None:
        if not self.fresh:
            return
        site_dir, state, site = self.site_dir, self.state, result.site
        memo, theme = state.site, state.theme

        def save(vouched: str | None) -> None:
            if site is not None and memo is not None and theme is not None:
                prose.save(site_dir, site, memo.routes, theme.theme, vouched, state.outputs)
            else:
                cache.drop_record(site_dir, prose.META)
        self._start(save)

    def saved(self, stamp: cache.Stamp | None) -> None:
        for child in self.waiting:
            child.result()
        for save in self.later:
            save(stamp.inputs if stamp else None)
        if stamp is None and self.digest is not None and self.waiting:
            cache.drop_record(self.site_dir, prose.META)

    def _start(self, save: Callable[[str | None], None]) -> None:
        if can_fork():
            digest = self.digest
            self.waiting.append(self.children.enter_context(Forked(lambda: save(digest))))
        else:
            self.later.append(save)


def _content_problems(site_dir: Path) -> list[Problem]:
    """The errors of reading and parsing every content file, without a configuration."""
    if not (site_dir / "site.yaml").is_file():
        return []  # not a site at all: the missing site.yaml says enough
    registry = load_registry(site_dir.resolve(), ())  # its plugins are named in site.yaml
    sources, _, problems = read_inputs(site_dir, BuildState())
    sources, outside = of_kinds(sources, registry.folders)
    problems += outside
    for loaded in load_all(sources, registry.reading(True), {}):
        if isinstance(loaded, list):
            problems.extend(loaded)
    return [p for p in problems if p.severity == "error"]


def unique_urls(documents: list[Document]) -> list[Problem]:
    """Two files that want the same URL: name both."""
    ids = [doc.id for doc in documents]
    if len(set(ids)) == len(ids):  # the usual case, ~3x faster than the loop below
        return []
    seen: dict[str, Document] = {}
    problems = []
    for doc in documents:
        first = seen.setdefault(doc.id, doc)
        if first is not doc:
            problems.append(Problem(doc.rel, doc.line("slug"), f"same URL as {first.rel} "
                                    f"(both are `{doc.id}`)", "give one of them another `slug:`"))
    return problems


_ID = re.compile(r'\sid="([^"]+)"')


@functools.lru_cache(maxsize=16384)  # serve: nearly every body is the same as last time
def _ids_in(html: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(_ID.findall(html)))


def theme_ids_taken(documents: list[Document], site: Site, theme: Theme) -> list[Problem]:
    """Headings whose id is one the theme's templates give their own elements (`#cta-form`):
    the page would hold two, and the theme's links and scripts would find the heading."""
    problems = []
    for doc in documents:
        if 'id="' not in doc.rendered.html or doc.id not in site.fingerprints:
            continue
        taken = [anchor for anchor in _ids_in(doc.rendered.html) if anchor in theme.ids]
        if not taken:  # (nearly every document: its lines are not worked out)
            continue
        lines = {h.anchor: h.line for h in doc.rendered.toc}
        lines.update((s.anchor, s.line) for s in doc.rendered.sections if s.anchor)
        for anchor in taken:
            where = theme.ids[anchor]
            problems.append(Problem(doc.rel, lines.get(anchor), f"id `{anchor}` is also "
                                    f"an element of the theme ({where[0]}:{where[1]})",
                                    f"give the heading another id, e.g. `{{#{anchor}-1}}`"))
    return problems


def colliding_outputs(outputs: list[Output]) -> list[Problem]:
    seen: set[str] = set()
    problems = []
    for output in outputs:
        if output.path in seen:
            problems.append(Problem(output.path, None, "two things want to write this file "
                                    "(a page slug and a static file or section?)",
                                    "rename the page's slug or the static file"))
        seen.add(output.path)
    return problems


@contextmanager
def _timed(timings: dict[str, float], stage: str) -> Iterator[None]:
    start = time.perf_counter()
    try:
        yield
    finally:
        timings[stage] = timings.get(stage, 0.0) + time.perf_counter() - start


# The two memo'd stages that hand work to the pool (parallel.py): here rather than in
# incremental/memo.py, where they would make the import chain one module longer.


IN_PROCESS = 64  # pages an incremental rebuild renders without forking workers


def render_pages(page_routes: list[Route], site: Site, theme: Theme, state: BuildState,
                 on_page: Callable[[int, int], None] | None,
                 edited: frozenset[str] | None = None, spool: Spool | None = None,
                 first: Callable[[list[Output]], None] | None = None) -> list[Output]:
    """render_routes; when the theme is the same and the site is last build's, or last
    build's with only the `edited` documents' prose patched, only the routes reading those
    documents are looked at; when it was linked again, only the routes render.stale names
    (a few, after a front-matter edit in `serve`). Every other page is last build's as is."""
    count = len(page_routes)
    last = state.rendered_from
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
        outputs = _rerender(page_routes, todo, last, site, theme, state,
                            first if own else None, own or frozenset())
        if on_page:
            on_page(count, count)
    else:
        outputs = render_all(page_routes, site, theme, state.outputs, on_page, spool=spool)
    if patched and last is not None and todo is not None:
        pages = dict(last.pages)
        pages.update((page_routes[i].path, (page_routes[i], outputs[i])) for i in todo)
    else:
        pages = {r.path: (r, o) for r, o in zip(page_routes, outputs, strict=True)}
    state.rendered_from = RenderedFrom(site, theme, pages)
    return outputs


def _rerender(page_routes: list[Route], todo: list[int], last: RenderedFrom, site: Site,
              theme: Theme, state: BuildState,
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
                                                  state.outputs), strict=True):
            outputs[i] = output
        first([outputs[i] for i in ahead])  # type: ignore[misc]  # every one set
    done = set(ahead) if first is not None else set()
    rest = [i for i in todo if i not in done]
    fresh = (render_all if len(rest) > IN_PROCESS else render_routes)(
        [page_routes[i] for i in rest], site, theme, state.outputs)
    for i, output in zip(rest, fresh, strict=True):
        outputs[i] = output
    return outputs  # type: ignore[return-value]  # every one set now


def load_documents(sources: list[Source], config: Config, state: BuildState,
                   problems: list[Problem]) -> list[Document]:
    """Parse and render each source (on every core when there are many), reusing documents
    whose bytes did not change."""
    markdown = config.settings.markdown
    reading = for_site(config).reading(markdown.raw_html, markdown.anchors)
    options = reading.options
    reloaded = _reload(sources, reading, state)
    if reloaded is not None:
        return reloaded
    documents: list[Document] = []
    fresh: dict[tuple[str, str, tuple[bool, str]], Document] = {}
    loaded_all = load_all(sources, reading, state.documents,
                          meanwhile=lambda: _theme_ahead(config, state))
    for source, loaded in zip(sources, loaded_all, strict=True):
        if isinstance(loaded, list):  # the problems that stopped it
            problems.extend(loaded)
            continue
        fresh[(source.rel, source.fingerprint, options)] = loaded
        documents.append(loaded)
    state.documents = fresh
    state.loaded = None if problems else LoadedMemo(options, sources, documents)
    return documents


def _theme_ahead(config: Config, state: BuildState) -> None:
    """The theme loaded and every template compiled while workers parse (this process would
    only wait; ~0.4 s of a cold build otherwise spent between linking and rendering). A
    problem is left for theme_for and the renderer to report where they always do."""
    try:
        theme = theme_for(config, state)
        for name in theme.env.list_templates():
            if not is_hidden(name):
                theme.env.get_template(name)
    except Exception:  # reported by the build's own theme_for, in its place
        return


def _reload(sources: list[Source], reading: Reading, state: BuildState,
            ) -> list[Document] | None:
    """Last build's documents with only the few sources that are new objects loaded again
    (after read_changed: the files the watcher reported); None when that does not apply or
    one of them has problems (the full path reports them)."""
    last, options = state.loaded, reading.options
    changed = (few_replaced(last.sources, sources)
               if last is not None and last.options == options else None)
    if last is None or changed is None:
        return None
    tried = load_all([sources[i] for i in changed], reading, state.documents, processes=1)
    loaded = [doc for doc in tried if isinstance(doc, Document)]
    if len(loaded) != len(tried):
        return None
    documents = list(last.documents)
    for i, doc in zip(changed, loaded, strict=True):
        old = last.sources[i]
        state.documents.pop((old.rel, old.fingerprint, options), None)
        state.documents[(sources[i].rel, sources[i].fingerprint, options)] = doc
        documents[i] = doc
    state.loaded = LoadedMemo(options, sources, documents)
    return documents
