"""Each build stage with a memory: its last result reused, or patched, while its inputs hold."""

from __future__ import annotations

import contextlib
import os
import posixpath
import select
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from generator.config import Config
from generator.content.document import Document
from generator.content.sources import Asset, bundle_of, fingerprint, in_bundles
from generator.errors import Problem
from generator.images import plan as img
from generator.images.process import draw_ahead, process_all
from generator.incremental.prose_edit import patch_bodies
from generator.incremental.reads import all_files, file_read, forget_others
from generator.incremental.relink import relink
from generator.incremental.state import BuildState, ImagesMemo, PublishedMemo, SiteMemo, ThemeMemo
from generator.kinds.registry import for_site
from generator.output.markup import image_markup
from generator.output.pages import Route
from generator.output.patching import own_routes, patch_routes, relinked_routes
from generator.output.routes import made_routes
from generator.output.theme import Theme, load_theme
from generator.output.writer import Output, Spool
from generator.published_files import public_assets
from generator.site import Site, build_site, published
from generator.workers import Forked, can_fork, processes


def link_site(config: Config, documents: list[Document], assets: list[Asset], state: BuildState,
              broken: frozenset[str] = frozenset(),
              early: Callable[[Site, list[Route]], None] | None = None,
              ) -> tuple[Site, list[Problem], list[Route], frozenset[str] | None]:
    """build_site and its routes, reused while the published documents, the assets and the
    configuration are the very same as last build's, and patched when the only change is
    the prose of some documents. Also returns the ids of the documents so patched (None
    when the site was linked afresh: then anything may have changed). After a front-matter
    edit relinked, `early` is given the edited document's routes before the other pages'
    are patched (`serve` renders and writes that page at once)."""
    docs = publish(documents, config, state)
    assets = in_bundles(public_assets(documents, docs, assets), bundles(config, documents, docs))
    absent = _absent(documents, docs, config, broken) if len(docs) < len(documents) or broken \
        else {}
    markup = image_markup(config, for_site(config))
    key = (config.fingerprint, markup.key, tuple(sorted(absent.items())), *docs, *assets)
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
                state.site = SiteMemo(key, patched, cached.problems, page_routes)  # (no made:
                # a patched route's context holds the new view, which add() would not see)
                rendered = (state.rendered_from is not None
                            and state.rendered_from.site is cached.site)
                return patched, list(cached.problems), page_routes, ids if rendered else None
            if len(docs_edited) == 1 and cached.made is not None:
                relinked = relink(cached.site, cached.problems, *docs_edited[0])
                if relinked is not None and early is not None:
                    view = relinked.remade.get(docs_edited[0][1].id)
                    mine = None if view is None else own_routes(cached.made, relinked.site,
                                                                 view)
                    if mine:
                        early(relinked.site, mine)
                again = (None if relinked is None else made_routes(relinked.site, cached.made)
                         if relinked.pages else relinked_routes(
                             cached.routes, cached.made, relinked.site, relinked.changed,
                             relinked.remade, relinked.card))
                if relinked is not None and again is not None:
                    state.site = SiteMemo(key, relinked.site, tuple(relinked.problems), *again)
                    return relinked.site, relinked.problems, again[0], None
    site, problems = build_site(config, for_site(config), docs, assets, absent, markup=markup,
                                previous=cached.site if cached is not None else None)
    page_routes, made = made_routes(site, cached.made if cached is not None else None)
    state.site = SiteMemo(key, site, tuple(problems), page_routes, made)
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
    changed = (few_replaced(last.documents, documents)
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


MIN_BACKGROUND = 64  # images and cards before drawing them beside the pages pays for a fork


@contextlib.contextmanager
def cards_ahead(config: Config, documents: list[Document], site_dir: Path,
                spool: Spool | None) -> Iterator[None]:
    """While the body runs (the linking, on one core), a forked child at low priority draws
    into the image cache the share cards that depend on nothing but a document and the
    configuration (Kind.share_card); image_outputs then finds them there instead of drawing
    them beside the rendering, whose cores are all busy. Only for a one-off build (`spool`)
    that keeps its cache and has many documents, where fork is safe. The child is told to
    stop when the body ends (it finishes the card it is drawing: no file half written)."""
    if (spool is None or not config.options.write_cache or not config.settings.share_cards
            or processes(len(documents), MIN_BACKGROUND) < 2 or not can_fork()):
        yield
        return
    planners = {kind.folder: kind.share_card for kind in for_site(config).kinds
                if kind.share_card is not None}
    cache_dir = site_dir / ".casefolio" / "images"
    told, tell = os.pipe()  # a byte written to `tell`: stop (others may hold it: no EOF)

    def draw() -> int:
        os.nice(10)  # the idle core only: linking must not wait for a card
        jobs = (job for doc in published(documents, config)
                if (planner := planners.get(doc.kind)) and (job := planner(doc, config)))
        return draw_ahead(jobs, cache_dir, lambda: bool(select.select([told], [], [], 0)[0]))

    try:
        with Forked(draw) as child:
            try:
                yield
            finally:
                os.write(tell, b"x")
                with contextlib.suppress(Exception):  # ahead of need only: process_all
                    child.result()                    # draws and reports all the same
    finally:
        os.close(told)
        os.close(tell)


@contextlib.contextmanager
def image_outputs(site: Site, site_dir: Path, state: BuildState,
                  spool: Spool | None = None) -> Iterator[Callable[[], list[Output]]]:
    """The image variants and share cards: last build's files while the jobs are the same,
    and for each job that is the very object of last build (a relinking in `serve` makes
    only the jobs of the views it made again). Gives a function that returns them: when a
    one-off build has many to make, they are made in a forked process from the moment the
    site is linked, while this one renders the pages (both are pure functions of the linked
    site; the files go to the spool), else when asked."""
    last = state.images
    if last is not None and last.jobs is site.images:
        files = last.files
        yield lambda: files
        return
    jobs = site.images
    if spool is None or processes(len(jobs), MIN_BACKGROUND) < 2 or not can_fork():
        yield lambda: _image_files(site, site_dir, state, spool)
        return
    with Forked(lambda: _process(jobs, site, site_dir, state, spool)) as child:
        def collected() -> list[Output]:
            files = child.result()
            state.images = ImagesMemo(jobs, files, [])
            return files
        yield collected


def _image_files(site: Site, site_dir: Path, state: BuildState,
                 spool: Spool | None) -> list[Output]:
    last, jobs = state.images, site.images
    known = ({id(job): files for job, files in zip(last.jobs, last.per_job, strict=True)}
             if last is not None and last.per_job and spool is None else {})
    todo = [job for job in jobs if id(job) not in known]  # last.jobs keeps those ids alive
    made = iter(_process(todo, site, site_dir, state, spool))
    per_job = [known.get(id(job)) or [next(made) for _ in range(_file_count(job))]
               for job in jobs]
    files = [f for job_files in per_job for f in job_files]
    state.images = ImagesMemo(jobs, files, per_job if spool is None else [])
    return files


def _process(jobs: Sequence[img.Job], site: Site, site_dir: Path, state: BuildState,
             spool: Spool | None) -> list[Output]:
    """All jobs in one process_all: with a spool, its workers put each file there themselves
    (10,000 cards are ~200 MB of PNG, neither held nor piped back), so one pool serves them
    all instead of one pool forked (and its glyph caches warmed) per batch."""
    return [Output(f.path, f.data, f.key)
            for f in process_all(jobs, site_dir / ".casefolio" / "images",
                                 reuse=state.outputs,  # type: ignore[arg-type]  # bytes here
                                 store=site.config.options.write_cache,
                                 put=spool.put if spool is not None else None)]


def _file_count(job: img.Job) -> int:
    """How many files process_all makes of a job (in job order): one a variant, or a card."""
    return len(job.variants) if isinstance(job, img.ImageJob) else 1


def theme_for(config: Config, state: BuildState) -> Theme:
    """load_theme, reused while the configuration and every file under the template and theme
    folders are unchanged (compiling templates is the costliest part of a small rebuild)."""
    digest = [config.fingerprint]
    folders = (config.site_dir / "templates", config.theme_dir / "templates",
               config.theme_dir / "static")
    files = [path for folder in folders for path in all_files(folder)]
    forget_others(state, folders, files)
    for path in files:
        digest.append(f"{path}={file_read(path, state).fingerprint}")
    key = fingerprint("\n".join(digest).encode())
    if state.theme is not None and state.theme.key == key:
        return state.theme.theme
    theme = load_theme(config, for_site(config))
    state.theme = ThemeMemo(key, theme)
    return theme


def copy_asset(site_dir: Path, asset: Asset, state: BuildState) -> Output:
    """A static file's output; its bytes are read again only when its fingerprint changed
    (else it is last build's, maybe the file already in the output folder: data None)."""
    old = state.outputs.get(asset.out)
    if old is not None and old.key == asset.fingerprint:
        return old
    return Output(asset.out, (site_dir / asset.rel).read_bytes(), asset.fingerprint)


def few_replaced(old: Sequence[object], new: Sequence[object]) -> list[int] | None:
    """Where `new` holds another object than `old` (a list of the same length), when that is
    in a few places: a rebuild then patches last build's result there instead of redoing it."""
    if len(old) != len(new):
        return None
    changed = [i for i, (a, b) in enumerate(zip(old, new, strict=True)) if a is not b]
    return changed if len(changed) <= 16 else None
