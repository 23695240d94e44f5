"""The build, top to bottom: config -> sources -> documents -> site -> theme -> outputs -> write."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from generator import cache
from generator.cache import collector_paused
from generator.config import BuildOptions, Config, load_config
from generator.content import Document
from generator.errors import Problem, fail_if
from generator.images import process_all
from generator.parallel import load_all
from generator.render import Output, Route, render_routes, routes
from generator.site import Site, build_site, published
from generator.sources import Asset, Source, classify, fingerprint, read_file, walk
from generator.theme import Theme, load_theme
from generator.writer import check_output_dir, write_site

# A file modified this close to the moment it was read may be modified again without its
# stat signature changing (coarse timestamps), so its read is not trusted (git's "racy clean").
RACY_NS = 2_000_000_000


@dataclass(frozen=True, slots=True)
class FileRead:
    """One input file as last read: enough to skip reading it again while it is unchanged."""

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
    theme: tuple[str, Theme] | None = None
    site: tuple[tuple[object, ...], Site, list[Problem], list[Route]] | None = None
    rendered_from: tuple[Site, Theme] | None = None

    def forget(self, paths: Iterable[Path]) -> None:
        """Read these files again next build, whatever their stat says (the watcher saw them)."""
        for path in paths:
            self.files.pop(str(path), None)


@dataclass(frozen=True, slots=True)
class BuildResult:
    site: Site
    outputs: tuple[Output, ...]
    warnings: tuple[Problem, ...]
    rendered: int          # pages actually rendered (not reused)
    timings: dict[str, float]

    @property
    def pages(self) -> int:
        return sum(1 for o in self.outputs if o.path.endswith(".html"))


def build(site_dir: Path, options: BuildOptions = BuildOptions(),
          state: BuildState | None = None,
          on_page: Callable[[int, int], None] | None = None) -> BuildResult:
    """Build the whole site in memory; raise CasefolioError with every problem found."""
    # Pausing the cyclic GC for the build: serve rebuild on 1,000 studies 441 -> 309 ms median.
    with collector_paused():
        return _build(site_dir, options, state, on_page)


def _build(site_dir: Path, options: BuildOptions, state: BuildState | None,
           on_page: Callable[[int, int], None] | None) -> BuildResult:
    state = state if state is not None else BuildState()
    timings: dict[str, float] = {}
    with _timed(timings, "config"):
        config = load_config(site_dir, options)
    with _timed(timings, "discovery"):
        sources, assets, problems = read_inputs(site_dir, state)
    with _timed(timings, "markdown"):
        documents = load_documents(sources, config, state, problems)
    fail_if(problems)
    with _timed(timings, "site"):
        site, site_problems, page_routes = link_site(config, documents, assets, state)
        problems += site_problems + unique_urls(documents)
    fail_if(problems)
    with _timed(timings, "templates"):
        theme = theme_for(config, state)
        outputs = render_pages(page_routes, site, theme, state, on_page)
    rendered = sum(1 for o in outputs if state.outputs.get(o.path) is not o)
    with _timed(timings, "assets"):
        outputs += [Output(a.out, a.data, "") for a in theme.assets]
        outputs += [copy_asset(site_dir, a, state) for a in site.assets]
        outputs += [Output(f.path, f.data, f.key) for f in process_all(
            site.images, site_dir / ".casefolio" / "images", reuse=state.outputs)]
        problems += colliding_outputs(outputs)
    fail_if(problems)
    state.outputs = {o.path: o for o in outputs}
    return BuildResult(site, tuple(outputs), tuple(p for p in problems
                                                   if p.severity == "warning"),
                       rendered, timings)


def build_to(site_dir: Path, out_dir: Path, options: BuildOptions = BuildOptions(),
             force: bool = False, state: BuildState | None = None,
             on_page: Callable[[int, int], None] | None = None) -> BuildResult:
    """Build, then write atomically: on any error the previous output stays untouched."""
    check_output_dir(out_dir, site_dir, force)
    fresh = state is None  # a one-off build: start from, and leave, the on-disk cache
    timings: dict[str, float] = {}
    if state is None:
        with _timed(timings, "cache"):
            documents, outputs = cache.load(site_dir, out_dir)
        state = BuildState(documents=documents, outputs=outputs)
    result = build(site_dir, options, state, on_page)
    result.timings.update(timings)
    with _timed(result.timings, "writing"):
        write_site(result.outputs, out_dir)
    if fresh:
        with _timed(result.timings, "cache"):
            cache.save(site_dir, state.documents, state.outputs, out_dir)
    return result


def read_inputs(site_dir: Path, state: BuildState,
                ) -> tuple[list[Source], list[Asset], list[Problem]]:
    """sources.read_sources, reading again only the files whose stat signature changed."""
    sources: list[Source] = []
    assets: list[Asset] = []
    problems: list[Problem] = []
    skipped: list[Path] = []
    paths = walk(site_dir / "content", skipped) + walk(site_dir / "static", skipped)
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


def link_site(config: Config, documents: list[Document], assets: list[Asset],
              state: BuildState) -> tuple[Site, list[Problem], list[Route]]:
    """build_site and its routes, reused while the published documents, the assets and the
    configuration are the very same as last build's."""
    docs = published(documents, config)
    key = (config.fingerprint, *docs, *assets)
    cached = state.site
    if cached is not None and len(cached[0]) == len(key) and all(
            a is b or a == b for a, b in zip(cached[0], key, strict=True)):
        return cached[1], list(cached[2]), cached[3]
    site, problems = build_site(config, docs, assets)
    page_routes = routes(site)
    state.site = (key, site, list(problems), page_routes)
    return site, problems, page_routes


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
    if state.theme is not None and state.theme[0] == key:
        return state.theme[1]
    theme = load_theme(config)
    state.theme = (key, theme)
    return theme


def _all_files(root: Path) -> list[Path]:
    """Every file under root, hidden and backup files included: Jinja lists those too."""
    found = []
    for folder, dirs, files in os.walk(root):
        dirs.sort()
        found.extend(Path(folder) / name for name in sorted(files))
    return found


def render_pages(page_routes: list[Route], site: Site, theme: Theme, state: BuildState,
                 on_page: Callable[[int, int], None] | None) -> list[Output]:
    """render_routes; when neither the site nor the theme changed, last build's pages as is."""
    count = len(page_routes)
    if state.rendered_from == (site, theme) and count <= len(state.outputs):
        previous = [state.outputs.get(r.path) for r in page_routes]
        if all(o is not None for o in previous):
            if on_page:
                on_page(count, count)
            return previous  # type: ignore[return-value]
    outputs = render_routes(page_routes, site, theme, state.outputs, on_page)
    state.rendered_from = (site, theme)
    return outputs


def copy_asset(site_dir: Path, asset: Asset, state: BuildState) -> Output:
    """A static file's output; its bytes are read again only when its fingerprint changed."""
    old = state.outputs.get(asset.out)
    if old is not None and old.key == asset.fingerprint:
        return old
    return Output(asset.out, (site_dir / asset.rel).read_bytes(), asset.fingerprint)


def load_documents(sources: list[Source], config: Config, state: BuildState,
                   problems: list[Problem]) -> list[Document]:
    """Parse and render each source (on every core when there are many), reusing documents
    whose bytes did not change."""
    raw_html = config.settings.markdown.raw_html
    documents: list[Document] = []
    fresh: dict[tuple[str, str, bool], Document] = {}
    for source, loaded in zip(sources, load_all(sources, raw_html, state.documents),
                              strict=True):
        if isinstance(loaded, list):  # the problems that stopped it
            problems.extend(loaded)
            continue
        fresh[(source.rel, source.fingerprint, raw_html)] = loaded
        documents.append(loaded)
    state.documents = fresh
    return documents


def unique_urls(documents: list[Document]) -> list[Problem]:
    """Two files that want the same URL: name both."""
    seen: dict[str, Document] = {}
    problems = []
    for doc in documents:
        first = seen.setdefault(doc.id, doc)
        if first is not doc:
            problems.append(Problem(doc.rel, doc.line("slug"), f"same URL as {first.rel} "
                                    f"(both are `{doc.id}`)", "give one of them another `slug:`"))
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
