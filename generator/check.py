"""`casefolio check`: everything the build validates, without writing anything, plus what a
careful editor would flag (editor.py). The build's problems are errors; the editor's are
warnings.

The editor's checks read only the documents and the config, so they still run (and the author
sees everything at once) when some other part of the build fails.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from generator import editor
from generator.config import BuildOptions, Config, load_config
from generator.errors import CasefolioError, Problem
from generator.incremental import cache
from generator.incremental.stamp import inputs_now, reads_from_cache

if TYPE_CHECKING:
    from generator.content.document import Document

# The build, the parser and the kinds are imported only when the last build's stamp does not
# stand for the site: checking an unchanged site then imports ~half of what a build does.


@dataclass(frozen=True, slots=True)
class Report:
    errors: tuple[Problem, ...]
    warnings: tuple[Problem, ...]
    files: int   # content files read
    pages: int   # pages the build would write; 0 when it fails

    def failed(self, strict: bool = False) -> bool:
        return bool(self.errors or (strict and self.warnings))

    def as_json(self, strict: bool = False) -> dict[str, Any]:
        def one(p: Problem) -> dict[str, Any]:
            return {"path": p.path, "line": p.line, "message": p.message, "hint": p.hint}
        return {"errors": [one(p) for p in self.errors],
                "warnings": [one(p) for p in self.warnings],
                "summary": {"errors": len(self.errors), "warnings": len(self.warnings),
                            "files": self.files, "pages": self.pages, "strict": strict,
                            "ok": not self.failed(strict)}}


def check_site(site_dir: Path, options: BuildOptions = BuildOptions()) -> Report:
    """Build in memory, collect every problem, then add the editor's warnings. The last
    `casefolio build`'s cache is read, never written: its stamp, while it holds, stands for
    the build (no error, its warnings); else its documents and outputs spare the parsing,
    the rendering and the image encoding of what did not change."""
    try:
        config = load_config(site_dir, options)
    except CasefolioError as exc:
        if not (site_dir / "site.yaml").is_file():
            return Report(exc.problems, (), 0, 0)
        errors, docs = _documents_alone(site_dir)
        return _report([*exc.problems, *errors], len(docs), 0)
    stamped = _stamped(site_dir, options, config)
    if stamped is not None:
        last, warnings, files = stamped
        return _report([*last.warnings, *warnings], files, last.pages)
    from generator.build import BuildState, build
    from generator.editor import editor_warnings
    from generator.site import published

    documents_, outputs = cache.load(site_dir, site_dir / "output", readonly=True)
    state = BuildState(documents=documents_, outputs=outputs,
                       files=reads_from_cache(site_dir, readonly=True))
    pages = 0
    try:
        result = build(site_dir, dataclasses.replace(options, write_cache=False), state)
        problems = list(result.warnings)
        pages = result.pages
    except CasefolioError as exc:  # only its errors: the documents' warnings go with them
        problems = [*exc.problems, *(w for d in state.documents.values() for w in d.warnings)]
    docs = published(state.documents.values(), config)
    problems += editor_warnings(config, docs)
    return _report(problems, len(state.documents), pages)


def _stamped(site_dir: Path, options: BuildOptions, config: Config,
             ) -> tuple[cache.Stamp, list[Problem], int] | None:
    """The last build's stamp, the editor's warnings and the number of content files, when
    that stamp vouches for every input file as it is now (the output folder does not matter
    here); None otherwise. The warnings are the ones the build recorded for these inputs, or
    worked out again from the cached documents."""
    inputs = inputs_now(site_dir, site_dir / "output", options, config)
    if inputs is None or not inputs.digest:
        return None
    last = cache.load_stamp(site_dir, readonly=True)
    if last is None or last.racy or (last.settings, last.inputs) != (inputs.settings,
                                                                     inputs.digest):
        return None
    kept = editor.recorded(site_dir, last.settings, last.inputs)
    if kept is not None:
        return last, *kept
    from generator.editor import editor_warnings
    from generator.site import published

    documents, _ = cache.load(site_dir, readonly=True)
    return last, editor_warnings(config, published(documents.values(), config)), len(documents)


def _report(problems: Iterable[Problem], files: int, pages: int) -> Report:
    ordered = sorted(set(problems), key=Problem.sort_key)
    return Report(tuple(p for p in ordered if p.severity == "error"),
                  tuple(p for p in ordered if p.severity != "error"), files, pages)


def _documents_alone(site_dir: Path) -> tuple[list[Problem], list[Document]]:
    """When site.yaml is broken, still report what is wrong in the content files."""
    from generator.content.document import load_document
    from generator.content.sources import read_sources
    from generator.kinds.registry import Registry

    registry = Registry()  # site.yaml names the plugins: without it, the built-in kinds
    sources, _, problems = read_sources(site_dir, registry.folders)
    docs = []
    for source in sources:
        try:
            docs.append(load_document(source, registry.reading(raw_html=True)))
        except CasefolioError as exc:
            problems.extend(exc.problems)
    return problems, docs
