"""The build, top to bottom: config -> sources -> documents -> site -> theme -> outputs -> write."""

from __future__ import annotations

import functools
import os
import posixpath
import re
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from generator.config import BuildOptions, Config, load_config
from generator.content.document import Document, Reading
from generator.content.sources import (
    RACY_NS,
    Asset,
    Source,
    bundle_of,
    classify,
    fingerprint,
    in_bundles,
    is_ignored_path,
    of_kinds,
    outside_links,
    read_file,
    walk,
)
from generator.errors import CasefolioError, Problem, fail_if
from generator.images.process import process_all
from generator.incremental import cache, prose
from generator.kinds.registry import for_site
from generator.kinds.registry import load as load_registry
from generator.output.headers import headers_outputs
from generator.output.redirects import with_redirects
from generator.output.render import Output, Route, affected, patch_routes, render_routes, routes
from generator.output.theme import Theme, load_theme
from generator.output.writer import Spool, check_output_dir, output_signature, write_site
from generator.parallel import load_all, render_all
from generator.site import Site, build_site, patch_bodies, public_assets, published
from generator.workers import collector_paused


@dataclass(frozen=True, slots=True)
class SiteMemo:
    """The last linked site: reused while `key` (config, published documents, assets) holds."""

    key: tuple[object, ...]
    site: Site
    problems: tuple[Problem, ...]
    routes: list[Route]


@dataclass(frozen=True, slots=True)
class ThemeMemo:
    key: str       # the configuration and every template and theme file
    theme: Theme


@dataclass(frozen=True, slots=True)
class RenderedFrom:
    """The site and theme the outputs in BuildState.outputs were rendered from."""

    site: Site
    theme: Theme


@dataclass(frozen=True, slots=True)
class InputsMemo:
    sources: list[Source]
    assets: list[Asset]


@dataclass(frozen=True, slots=True)
class ImagesMemo:
    """The image jobs of the last build and their files: reused while the jobs are the same."""

    jobs: tuple[object, ...]
    files: list[Output]


@dataclass(frozen=True, slots=True)
class PublishedMemo:
    """The last published(): its key (today, drafts, future), the documents asked about, the
    published ones, and where each document is among those (-1: not published)."""

    key: tuple[object, ...]
    documents: list[Document]
    published: list[Document]
    where: list[int]


@dataclass(frozen=True, slots=True)
class LoadedMemo:
    """The sources and documents of the last load without problems."""

    raw_html: bool
    sources: list[Source]
    documents: list[Document]


@dataclass(frozen=True, slots=True)
class FileRead:
    """One input file as last read: enough to skip reading it again while it is unchanged
    (`casefolio build` keeps them in its cache: a Source's text is then read only if needed)."""

    signature: tuple[int, int, int, int]   # mtime_ns, ctime_ns, size, inode
    trusted: bool                          # modified well before it was read
    fingerprint: str
    item: Source | Asset | None            # what the file is to the build, if anything
    problems: tuple[Problem, ...] = ()


@dataclass
class BuildState:
    """What one build hands the next (in `serve`, or through the on-disk cache): parsed
    documents by content fingerprint and the last outputs with their keys; in memory also
    each input file's last read, the loaded theme and the linked site, so that work whose
    inputs did not change is skipped."""

    documents: dict[tuple[str, str, bool], Document] = field(default_factory=dict)
    outputs: dict[str, Output] = field(default_factory=dict)
    files: dict[str, FileRead] = field(default_factory=dict)
    theme: ThemeMemo | None = None
    site: SiteMemo | None = None
    rendered_from: RenderedFrom | None = None
    # The last full discovery, so that a save the watcher reported re-reads that one file
    # instead of walking and statting the whole site again.
    inputs: InputsMemo | None = None
    images: ImagesMemo | None = None
    paths: list[str] = field(default_factory=list)  # of the last outputs, checked
    published: PublishedMemo | None = None
    loaded: LoadedMemo | None = None

    def forget(self, paths: Iterable[Path]) -> None:
        """Read these files again next build, whatever their stat says (the watcher saw them)."""
        for path in paths:
            self.files.pop(str(path), None)


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
          changed: Iterable[Path] | None = None, spool: Spool | None = None) -> BuildResult:
    """Build the whole site in memory; raise CasefolioError with every problem found.

    `changed`: the files a watcher saw change since the build that made `state` (None: not
    known, look at every file). `spool`: where new pages and images go as they are made,
    instead of memory (a one-off build's outputs are written once and not kept)."""
    # Pausing the cyclic GC for the build: serve rebuild on 1,000 studies 441 -> 309 ms median.
    with collector_paused():
        return _build(site_dir, options, state, on_page, changed, spool)


def _build(site_dir: Path, options: BuildOptions, state: BuildState | None,
           on_page: Callable[[int, int], None] | None,
           changed: Iterable[Path] | None = None, spool: Spool | None = None) -> BuildResult:
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
    with _timed(timings, "site"):  # linking what did load: every error of the build at once
        broken = frozenset(p.path for p in problems if p.severity == "error")
        site, site_problems, page_routes, edited = link_site(config, documents, assets, state,
                                                             broken)
        problems += site_problems + unique_urls(documents)
    fail_if(problems)
    with _timed(timings, "templates"):
        theme = theme_for(config, state)
        fail_if(theme_ids_taken(documents, site, theme))
        outputs = render_pages(page_routes, site, theme, state, on_page, edited, spool)
    rendered = sum(1 for o in outputs if state.outputs.get(o.path) is not o)
    with _timed(timings, "assets"):
        outputs += [Output(a.out, a.data, "") for a in theme.assets]
        outputs += [copy_asset(site_dir, a, state) for a in site.assets]
        outputs += image_outputs(site, site_dir, state, spool)
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
        result = build(site_dir, options, state, on_page, spool=spool)
        result.timings.update(timings)
        with _timed(result.timings, "writing"):
            write_site(result.outputs, out_dir, in_place=not force)
    finally:
        if spool is not None:
            spool.discard()
    if fresh:
        with _timed(result.timings, "cache"):
            stamp = stamp_of(result, inputs, state, out_dir)
            cache.save(site_dir, state.documents, state.outputs, out_dir,
                       reads_to_cache(state, inputs), stamp)
            if result.site is not None and state.site is not None and state.theme is not None:
                prose.save(site_dir, result.site, state.site.routes, state.theme.theme, stamp,
                           state.outputs)
    return result


def read_inputs(site_dir: Path, state: BuildState, allowed: tuple[str, ...] = (),
                ) -> tuple[list[Source], list[Asset], list[Problem]]:
    """sources.read_sources, reading again only the files whose stat signature changed; a
    symbolic link out of the site (but into `allowed` folders) is an error."""
    sources: list[Source] = []
    assets: list[Asset] = []
    problems: list[Problem] = []
    skipped: list[Path] = []
    links: list[Path] = []
    paths = (walk(site_dir / "content", skipped, problems=problems, links=links)
             + walk(site_dir / "static", skipped, problems=problems, links=links))
    problems += outside_links(site_dir, links, allowed)
    _forget_others(state, (site_dir / "content", site_dir / "static"), paths)
    for path in paths:
        read = _read_file(path, state, site_dir)
        problems.extend(read.problems)
        if isinstance(read.item, Source):
            sources.append(read.item)
        elif read.item is not None:
            assets.append(read.item)
    problems += [Problem(p.relative_to(site_dir).as_posix(), None, "skipped: a symbolic link "
                         "to a folder, or not a regular file", "copy the folder or file in "
                         "instead of linking it", severity="warning") for p in skipped]
    return sources, assets, problems


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


def _forget_others(state: BuildState, roots: Iterable[Path], paths: Iterable[Path]) -> None:
    """Drop the reads of files under these folders that are gone (deleted or renamed)."""
    prefixes = tuple(f"{root}{os.sep}" for root in roots)
    keep = {str(p) for p in paths}
    for key in [k for k in state.files if k.startswith(prefixes) and k not in keep]:
        del state.files[key]


def _read_file(path: Path, state: BuildState, site_dir: Path | None = None) -> FileRead:
    """The file's last read while its stat signature is unchanged and trusted, else a new read
    (classified as a document or an asset when under site_dir)."""
    key = str(path)
    now = time.time_ns()
    last = state.files.pop(key, None)
    rel = path.relative_to(site_dir).as_posix() if site_dir else key
    try:
        st = os.stat(path)
    except OSError:
        st = None
    signature = (st.st_mtime_ns, st.st_ctime_ns, st.st_size, st.st_ino) if st else (0, 0, 0, 0)
    if last is not None and last.trusted and last.signature == signature:
        state.files[key] = last
        return last
    data, problem = read_file(path, rel)
    if data is None:  # not cached: the problem may go away without the stat changing
        return FileRead(signature, False, "", None, (problem,) if problem else ())
    item, problems = classify(site_dir, path, data) if site_dir else (None, [])
    read = FileRead(signature, st is not None and st.st_mtime_ns < now - RACY_NS,
                    fingerprint(data), item, tuple(problems))
    state.files[key] = read
    return read


def link_site(config: Config, documents: list[Document], assets: list[Asset], state: BuildState,
              broken: frozenset[str] = frozenset(),
              ) -> tuple[Site, list[Problem], list[Route], frozenset[str] | None]:
    """build_site and its routes, reused while the published documents, the assets and the
    configuration are the very same as last build's, and patched when the only change is
    the prose of some documents. Also returns the ids of the documents so patched (None
    when the site was linked afresh: then anything may have changed)."""
    docs = publish(documents, config, state)
    assets = in_bundles(public_assets(documents, docs, assets), bundles(config, documents, docs))
    absent = _absent(documents, docs, config, broken) if len(docs) < len(documents) or broken \
        else {}
    key = (config.fingerprint, tuple(sorted(absent.items())), *docs, *assets)
    cached = state.site
    if cached is not None and len(cached.key) == len(key):
        edits = [(a, b) for a, b in zip(cached.key, key, strict=True) if a is not b and a != b]
        if not edits:
            return cached.site, list(cached.problems), cached.routes, frozenset()
        docs_edited = [(a, b) for a, b in edits
                       if isinstance(a, Document) and isinstance(b, Document)]
        if len(docs_edited) == len(edits):
            patched = patch_bodies(cached.site, docs_edited)
            if patched is not None:
                ids = frozenset(b.id for _, b in docs_edited)
                page_routes = patch_routes(cached.routes, patched, ids)
                state.site = SiteMemo(key, patched, cached.problems, page_routes)
                rendered = (state.rendered_from is not None
                            and state.rendered_from.site is cached.site)
                return patched, list(cached.problems), page_routes, ids if rendered else None
    site, problems = build_site(config, for_site(config), docs, assets, absent,
                                previous=cached.site if cached is not None else None)
    page_routes = routes(site)
    state.site = SiteMemo(key, site, tuple(problems), page_routes)
    return site, problems, page_routes, None


def _absent(documents: list[Document], docs: list[Document], config: Config,
            broken: frozenset[str]) -> dict[str, tuple[str, str]]:
    """The content files left out of the site and why (see build_site): drafts, future case
    studies, and files whose own errors are reported (why "")."""
    kept = {id(d) for d in docs}
    today = config.today()
    absent = {rel: (posixpath.splitext(posixpath.basename(rel))[0], "") for rel in broken}
    for doc in documents:
        if id(doc) not in kept:
            absent[doc.rel] = (doc.slug, "is a draft" if doc.meta.draft else
                               f"is dated {doc.meta.date} (after today, {today}): "  # type: ignore[attr-defined]
                               "not published yet")
    return absent


def bundles(config: Config, documents: list[Document], docs: list[Document],
            ) -> dict[str, str | None]:
    """Each page bundle's folder -> where its files are published: beside its page, or
    nowhere when the page is not (a draft, a future date)."""
    folders = {folder: doc for doc in documents if (folder := bundle_of(doc.rel)) is not None}
    if not folders:
        return {}
    kinds = {kind.folder: kind for kind in for_site(config).kinds}
    shown = {id(doc) for doc in docs}
    return {folder: kinds[doc.kind].path(doc.slug) if id(doc) in shown else None
            for folder, doc in folders.items()}


def publish(documents: list[Document], config: Config, state: BuildState) -> list[Document]:
    """site.published, asked again only about documents that are new objects since last
    build (asking 10,000 is ~9 ms of a 30 ms rebuild in serve)."""
    key = (config.today(), config.options.drafts, config.options.future)
    last = state.published
    changed = (_few_replaced(last.documents, documents)
               if last is not None and last.key == key else None)
    if last is not None and changed is not None:
        docs, where = list(last.published), last.where
        if all((where[i] >= 0) == bool(published([documents[i]], config)) for i in changed):
            for i in changed:
                if where[i] >= 0:
                    docs[where[i]] = documents[i]
            state.published = PublishedMemo(key, documents, docs, where)
            return docs
    docs = published(documents, config)
    kept, where, at = {id(d) for d in docs}, [], 0
    for doc in documents:
        where.append(at if id(doc) in kept else -1)
        at += id(doc) in kept
    state.published = PublishedMemo(key, documents, docs, where)
    return docs


def read_changed(site_dir: Path, state: BuildState, changed: Iterable[Path] | None,
                 ) -> tuple[list[Source], list[Asset]] | None:
    """The last build's inputs with only the files the watcher reported read again; None
    (walk everything) when it reported none, or a file that came, went or changed kind."""
    if changed is None or state.inputs is None:
        return None
    paths = [p for p in changed if _under(p, site_dir / "content", site_dir / "static")]
    if not paths:
        # a template, site.yaml or theme file: those are read anyway
        return state.inputs.sources, state.inputs.assets
    sources, assets = list(state.inputs.sources), list(state.inputs.assets)
    groups: tuple[list[Any], ...] = (sources, assets)
    where = {item.rel: (i, group) for group in groups for i, item in enumerate(group)}
    for path in paths:
        rel = path.relative_to(site_dir).as_posix()
        if rel not in where:
            if is_ignored_path(rel.split("/")) or (
                    not os.path.lexists(path) and not any(r.startswith(rel + "/")
                                                          for r in where)):
                continue  # an editor's backup or swap file, or one that came and went
            return None
        if not path.is_file() or path.is_symlink():  # a link: the full path checks where to
            return None
        state.forget([path])
        read = _read_file(path, state, site_dir)
        index, group = where[rel]
        if read.problems or type(read.item) is not type(group[index]):
            return None
        group[index] = read.item  # type: ignore[assignment]
    state.inputs = InputsMemo(sources, assets)
    return sources, assets


def _under(path: Path, *roots: Path) -> bool:
    return any(root in path.parents for root in roots)


IMAGE_BATCH = 1024  # jobs encoded at a time when spooling: 10,000 cards are ~200 MB of PNG


def image_outputs(site: Site, site_dir: Path, state: BuildState,
                  spool: Spool | None = None) -> list[Output]:
    """The image variants and share cards: last build's files while the jobs are the same."""
    if state.images is not None and state.images.jobs is site.images:
        return state.images.files
    jobs, files = site.images, []
    step = IMAGE_BATCH if spool else max(1, len(jobs))
    for start in range(0, len(jobs), step):
        for f in process_all(jobs[start:start + step], site_dir / ".casefolio" / "images"
                             if site.config.options.write_cache else None,
                             reuse=state.outputs):  # type: ignore[arg-type]  # bytes here
            files.append(Output(f.path, spool.put(f.data) if spool and f.data is not None
                                else f.data, f.key))
    state.images = ImagesMemo(site.images, files)
    return files


def theme_for(config: Config, state: BuildState) -> Theme:
    """load_theme, reused while the configuration and every file under the template and theme
    folders are unchanged (compiling templates is the costliest part of a small rebuild)."""
    digest = [config.fingerprint]
    folders = (config.site_dir / "templates", config.theme_dir / "templates",
               config.theme_dir / "static")
    files = [path for folder in folders for path in _all_files(folder)]
    _forget_others(state, folders, files)
    for path in files:
        digest.append(f"{path}={_read_file(path, state).fingerprint}")
    key = fingerprint("\n".join(digest).encode())
    if state.theme is not None and state.theme.key == key:
        return state.theme.theme
    theme = load_theme(config, for_site(config))
    state.theme = ThemeMemo(key, theme)
    return theme


def _all_files(root: Path) -> list[Path]:
    """Every file under root, hidden and backup files included: Jinja lists those too."""
    found: list[Path] = []
    for folder, dirs, files in os.walk(root):
        dirs.sort()
        found.extend(Path(folder) / name for name in sorted(files))
    return found


def render_pages(page_routes: list[Route], site: Site, theme: Theme, state: BuildState,
                 on_page: Callable[[int, int], None] | None,
                 edited: frozenset[str] | None = None, spool: Spool | None = None,
                 ) -> list[Output]:
    """render_routes; when the theme is the same and the site is last build's, or last
    build's with only the `edited` documents' prose patched, only the routes reading those
    documents are looked at: every other page is last build's as is."""
    count = len(page_routes)
    last = state.rendered_from
    if (edited is not None and last is not None and last.theme is theme
            and (edited or last.site is site) and count <= len(state.outputs)):
        previous = [state.outputs.get(r.path) for r in page_routes]
        if all(o is not None for o in previous):
            todo = affected(page_routes, edited)
            fresh = render_routes([page_routes[i] for i in todo], site, theme, state.outputs)
            for i, output in zip(todo, fresh, strict=True):
                previous[i] = output
            state.rendered_from = RenderedFrom(site, theme)
            if on_page:
                on_page(count, count)
            return previous  # type: ignore[return-value]
    outputs = render_all(page_routes, site, theme, state.outputs, on_page, spool=spool)
    state.rendered_from = RenderedFrom(site, theme)
    return outputs


def copy_asset(site_dir: Path, asset: Asset, state: BuildState) -> Output:
    """A static file's output; its bytes are read again only when its fingerprint changed
    (else it is last build's, maybe the file already in the output folder: data None)."""
    old = state.outputs.get(asset.out)
    if old is not None and old.key == asset.fingerprint:
        return old
    return Output(asset.out, (site_dir / asset.rel).read_bytes(), asset.fingerprint)


def load_documents(sources: list[Source], config: Config, state: BuildState,
                   problems: list[Problem]) -> list[Document]:
    """Parse and render each source (on every core when there are many), reusing documents
    whose bytes did not change."""
    reading = for_site(config).reading(config.settings.markdown.raw_html)
    raw_html = reading.raw_html
    reloaded = _reload(sources, reading, state)
    if reloaded is not None:
        return reloaded
    documents: list[Document] = []
    fresh: dict[tuple[str, str, bool], Document] = {}
    for source, loaded in zip(sources, load_all(sources, reading, state.documents),
                              strict=True):
        if isinstance(loaded, list):  # the problems that stopped it
            problems.extend(loaded)
            continue
        fresh[(source.rel, source.fingerprint, raw_html)] = loaded
        documents.append(loaded)
    state.documents = fresh
    state.loaded = None if problems else LoadedMemo(raw_html, sources, documents)
    return documents


def _reload(sources: list[Source], reading: Reading, state: BuildState,
            ) -> list[Document] | None:
    """Last build's documents with only the few sources that are new objects loaded again
    (after read_changed: the files the watcher reported); None when that does not apply or
    one of them has problems (the full path reports them)."""
    last, raw_html = state.loaded, reading.raw_html
    changed = (_few_replaced(last.sources, sources)
               if last is not None and last.raw_html == raw_html else None)
    if last is None or changed is None:
        return None
    tried = load_all([sources[i] for i in changed], reading, state.documents, processes=1)
    loaded = [doc for doc in tried if isinstance(doc, Document)]
    if len(loaded) != len(tried):
        return None
    documents = list(last.documents)
    for i, doc in zip(changed, loaded, strict=True):
        old = last.sources[i]
        state.documents.pop((old.rel, old.fingerprint, raw_html), None)
        state.documents[(sources[i].rel, sources[i].fingerprint, raw_html)] = doc
        documents[i] = doc
    state.loaded = LoadedMemo(raw_html, sources, documents)
    return documents


def _few_replaced(old: Sequence[object], new: Sequence[object]) -> list[int] | None:
    """Where `new` holds another object than `old` (a list of the same length), when that is
    in a few places: a rebuild then patches last build's result there instead of redoing it."""
    if len(old) != len(new):
        return None
    changed = [i for i, (a, b) in enumerate(zip(old, new, strict=True)) if a is not b]
    return changed if len(changed) <= 16 else None


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
        if doc.id not in site.fingerprints or 'id="' not in doc.rendered.html:
            continue
        lines = {h.anchor: h.line for h in doc.rendered.toc}
        lines.update((s.anchor, s.line) for s in doc.rendered.sections if s.anchor)
        for anchor in _ids_in(doc.rendered.html):
            where = theme.ids.get(anchor)
            if where is not None:
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


# --- a one-off build (`casefolio build`): nothing to do when nothing changed ---------------


@dataclass(frozen=True, slots=True)
class Inputs:
    """What a one-off build's output depends on besides the code, found before it starts (a
    walk and a stat of every input file, nothing read). Compared with the last build's stamp;
    then, after the build, with what it read: a file that changed meanwhile is never stamped."""

    settings: str                                 # configuration, options, output, today
    files: dict[str, tuple[int, int, int, int]]   # every input file -> its stat signature
    roots: tuple[str, ...]                        # the folders they are in (but site.yaml)
    digest: str                                   # of `files`; "" when not to be stamped
    started: int                                  # time.time_ns() when they were found


def inputs_now(site_dir: Path, out_dir: Path, options: BuildOptions) -> Inputs | None:
    """The inputs as the build will find them; None when they cannot be known ahead (a broken
    site.yaml, say: the build reports it). A folder link or a pipe in content/ or static/,
    which the build skips with a warning, makes the site one that is always built."""
    started = time.time_ns()
    yaml = site_dir / "site.yaml"
    try:
        st = os.stat(yaml)  # before it is read: a change meanwhile shows next time
        config = load_config(site_dir, options)
        out = str(out_dir.resolve())
    except (CasefolioError, OSError, RuntimeError):
        return None
    files = {str(yaml): (st.st_mtime_ns, st.st_ctime_ns, st.st_size, st.st_ino)}
    skipped: list[Path] = []
    content, static = site_dir / "content", site_dir / "static"
    folders = (config.site_dir / "templates", config.theme_dir / "templates",
               config.theme_dir / "static")
    paths = [*walk(content, skipped), *walk(static, skipped),
             *(path for folder in folders for path in _all_files(folder))]
    for path in paths:
        try:
            st = os.stat(path)
        except OSError:  # the build will say why
            return None
        files[str(path)] = (st.st_mtime_ns, st.st_ctime_ns, st.st_size, st.st_ino)
    settings = fingerprint("\0".join([config.fingerprint, out, config.today().isoformat()
                                       ]).encode())
    digest = "" if skipped else fingerprint("".join(
        f"{path}\0{signature}\n" for path, signature in files.items()).encode())
    roots = tuple(f"{folder}{os.sep}" for folder in (content, static, *folders))
    return Inputs(settings, files, roots, digest, started)


def up_to_date(inputs: Inputs | None, site_dir: Path, out_dir: Path) -> cache.Stamp | None:
    """The last build's stamp, if all it vouches for still holds: the same settings, the same
    input files with the same stat signatures, and an output folder holding exactly what that
    build left there (no file changed, gone or added, no interrupted write)."""
    if inputs is None or not inputs.digest:
        return None
    last = cache.load_stamp(site_dir)
    if last is None or (last.settings, last.inputs) != (inputs.settings, inputs.digest):
        return None
    return last if output_signature(out_dir) == last.output else None


def stamp_of(result: BuildResult, inputs: Inputs | None, state: BuildState,
             out_dir: Path) -> cache.Stamp | None:
    """This build's stamp, if every input file it read is the one found before it started,
    and none was modified too recently for its stat signature to be trusted."""
    if inputs is None or not inputs.digest:
        return None
    for path, signature in inputs.files.items():
        read = state.files.get(path)
        if read is None:  # site.yaml (the only one load_config reads)
            if not path.startswith(inputs.roots) and signature[0] < inputs.started - RACY_NS:
                continue
            return None
        if not read.trusted or read.signature != signature:
            return None
    if sum(1 for path in state.files if path.startswith(inputs.roots)) != len(inputs.files) - 1:
        return None  # a file came or went while the build walked
    output = output_signature(out_dir, {o.path for o in result.outputs})
    return cache.Stamp(inputs.settings, inputs.digest, output, result.warnings,
                       result.pages) if output else None


def reads_to_cache(state: BuildState, inputs: Inputs | None,
                   ) -> dict[str, tuple[object, ...]]:
    """The trusted reads of the input files as plain values, a Source without its text."""
    roots = inputs.roots if inputs is not None else ()
    kept: dict[str, tuple[object, ...]] = {}
    for path, read in state.files.items():
        if not read.trusted or (roots and not path.startswith(roots)):
            continue
        item = read.item
        record = (("s", item.kind, item.rel) if isinstance(item, Source) else
                  ("a", item.rel, item.out) if isinstance(item, Asset) else None)
        kept[path] = (read.signature, read.fingerprint, record, read.problems)
    return kept


def reads_from_cache(site_dir: Path, readonly: bool = False) -> dict[str, FileRead]:
    """The reads the last `casefolio build` kept: files whose stat signature is unchanged are
    not read again (a document's text only if it must be parsed again: see text_of)."""
    files: dict[str, FileRead] = {}
    try:
        saved = cache.load_inputs(site_dir, readonly)
        for path, (signature, fp, record, problems) in saved.items():
            item = (Source(record[1], record[2], None, fp, path) if record and record[0] == "s"
                    else Asset(record[1], record[2], fp) if record else None)
            files[path] = FileRead(tuple(signature), True, fp, item, tuple(problems))
    except Exception:  # a record of the wrong shape: read every file
        return {}
    return files
