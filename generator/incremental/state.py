"""What one build hands the next: the named memo records of BuildState, and FileRead."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from generator.content.document import Document
    from generator.content.sources import Asset, Source
    from generator.errors import Problem
    from generator.output.pages import Made, Route
    from generator.output.theme import Theme
    from generator.output.writer import Output
    from generator.site import Site


@dataclass(frozen=True, slots=True)
class SiteMemo:
    """The last linked site: reused while `key` (config, published documents, assets) holds."""

    key: tuple[object, ...]
    site: Site
    problems: tuple[Problem, ...]
    routes: list[Route]
    made: Mapping[str, Made] | None = None  # the routes as made (render.made_routes)


@dataclass(frozen=True, slots=True)
class ThemeMemo:
    key: str       # the configuration and every template and theme file
    theme: Theme


@dataclass(frozen=True, slots=True)
class RenderedFrom:
    """The site and theme the last pages were rendered from, each page with its route."""

    site: Site
    theme: Theme
    pages: Mapping[str, tuple[Route, Output]] = field(default_factory=dict)  # by path


@dataclass(frozen=True, slots=True)
class InputsMemo:
    sources: list[Source]
    assets: list[Asset]


@dataclass(frozen=True, slots=True)
class ImagesMemo:
    """The image jobs of the last build and their files: reused while the jobs are the same."""

    jobs: tuple[object, ...]
    files: list[Output]
    per_job: list[list[Output]] = field(default_factory=list)  # files by job (none: unknown)


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

    options: tuple[bool, str]  # Reading.options
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

    documents: dict[tuple[str, str, tuple[bool, str]], Document] = field(default_factory=dict)
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
