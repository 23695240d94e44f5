"""`casefolio check`: everything the build validates, without writing anything, plus what a
careful editor would flag. The build's problems are errors; the editor's are warnings.

The editor's checks read only the documents and the config, so they still run (and the author
sees everything at once) when some other part of the build fails.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from generator.build import BuildState, build
from generator.config import BuildOptions, Config, load_config
from generator.content.document import Document, load_document
from generator.content.markdown import fill
from generator.content.sources import read_sources
from generator.errors import CasefolioError, Problem
from generator.incremental import cache
from generator.incremental.stamp import inputs_now, reads_from_cache
from generator.kinds.case_study import CaseStudyMeta
from generator.kinds.registry import Registry
from generator.kinds.service import ServiceMeta
from generator.model import guides
from generator.site import published

SUMMARY_LIMIT = 160
_TODO = re.compile(r"\bTODO\b")
_IMG = re.compile(r"<img\b[^>]*>", re.I)
_ALT = re.compile(r"""\balt\s*=\s*(?:"\s*[^"\s][^"]*"|'\s*[^'\s][^']*'|[^\s"'>]+)""", re.I)

# What the editor's checks look for, in the order they run (listed in docs/commands.md).
CHECKS = {
    "call-to-action": "site.yaml has no `call_to_action`, so pages end without a next step",
    "logo": "site.yaml's `organization.logo` names a file that does not exist",
    "summary": "a page, service or practice collection has no summary, or one over 160 "
               "characters (search engines cut meta descriptions there)",
    "metrics": "a case study has no `metrics:`",
    "price": "a service has no `price:`",
    "backing": "a practice (a `##` section of a collection, or `###` at `practice_level: 3`; "
               "not one marked `{-}`) that no case study cites",
    "images": "a raw HTML `<img>` without alt text (Markdown, cover and comparison images "
              "without alt text or file are build errors)",
    "placeholders": "`TODO` left in a published file (the archetypes of `casefolio new` use it)",
}


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
    stamped = _stamped(site_dir, options)
    if stamped is not None:
        last, documents = stamped
        docs = published(documents, config)
        return _report([*last.warnings, *editor_warnings(config, docs)], len(documents),
                       last.pages)
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


def _stamped(site_dir: Path, options: BuildOptions) -> tuple[cache.Stamp, list[Document]] | None:
    """The last build's stamp and documents, when it vouches for every input file as it is now
    (the output folder does not matter here); None otherwise."""
    inputs = inputs_now(site_dir, site_dir / "output", options)
    if inputs is None or not inputs.digest:
        return None
    last = cache.load_stamp(site_dir, readonly=True)
    if last is None or (last.settings, last.inputs) != (inputs.settings, inputs.digest):
        return None
    documents, _ = cache.load(site_dir, readonly=True)
    return last, list(documents.values())


def editor_warnings(config: Config, docs: list[Document]) -> list[Problem]:
    """Every editor's check over the published documents."""
    return [*_site_checks(config), *_document_checks(config, docs), *_backing(docs)]


def _report(problems: Iterable[Problem], files: int, pages: int) -> Report:
    ordered = sorted(set(problems), key=Problem.sort_key)
    return Report(tuple(p for p in ordered if p.severity == "error"),
                  tuple(p for p in ordered if p.severity != "error"), files, pages)


def _documents_alone(site_dir: Path) -> tuple[list[Problem], list[Document]]:
    """When site.yaml is broken, still report what is wrong in the content files."""
    registry = Registry()  # site.yaml names the plugins: without it, the built-in kinds
    sources, _, problems = read_sources(site_dir, registry.folders)
    docs = []
    for source in sources:
        try:
            docs.append(load_document(source, registry.reading(raw_html=True)))
        except CasefolioError as exc:
            problems.extend(exc.problems)
    return problems, docs


def _warn(path: str, line: int | None, message: str, hint: str = "") -> Problem:
    return Problem(path, line, message, hint, severity="warning")


def _site_checks(config: Config) -> Iterator[Problem]:
    settings = config.settings
    if settings.call_to_action is None:
        yield _warn("site.yaml", None, "no `call_to_action`: visitors who are convinced have "
                    "nowhere to go", "add e.g. `call_to_action: {label: Book a free call, url: "
                    "https://cal.com/you/intro}`")
    logo = settings.organization.logo if settings.organization else None
    if logo and "://" not in logo and not (config.site_dir / logo).is_file():
        yield _warn("site.yaml", None, f"organization.logo `{logo}` not found",
                    "put the file there (paths are relative to the site folder, e.g. "
                    "static/logo.svg)")


def _document_checks(config: Config, docs: list[Document]) -> Iterator[Problem]:
    for doc in docs:
        meta = doc.meta
        if isinstance(meta, CaseStudyMeta):
            if not meta.metrics:
                yield _warn(doc.rel, doc.line("metrics") or doc.line(), "no metrics: a case "
                            "study without numbers reads as an anecdote",
                            "add e.g. `metrics: [{label: Conversion rate, before: 2.1, "
                            'after: 2.9, unit: "%"}]`')
        else:
            yield from _summary(doc)
        if isinstance(meta, ServiceMeta) and meta.price is None and not meta.tiers:
            yield _warn(doc.rel, doc.line("price") or doc.line(), "no price: a productized "
                        "service sells on a visible, flat fee",
                        "add e.g. `price: {amount: 4500, currency: USD, per: month}`")
        yield from _raw_images(config, doc)
        yield from _placeholders(config, doc)


def _summary(doc: Document) -> Iterator[Problem]:
    summary = getattr(doc.meta, "summary", "").strip()
    if not summary:
        yield _warn(doc.rel, doc.line(), "no summary: search results and link previews will "
                    "show the site's tagline instead", "add `summary:` (one sentence, at most "
                    f"{SUMMARY_LIMIT} characters)")
    elif len(summary) > SUMMARY_LIMIT:
        yield _warn(doc.rel, doc.line("summary"), f"summary is {len(summary)} characters; "
                    f"search engines cut meta descriptions at about {SUMMARY_LIMIT}",
                    "shorten it; put the detail in the body")


def _raw_images(config: Config, doc: Document) -> Iterator[Problem]:
    """Markdown images without alt text are build errors; raw HTML ones are only seen here."""
    for tag in _IMG.findall(doc.rendered.html):
        if not _ALT.search(tag):  # shown as written: its src may be a link placeholder
            tag = fill(tag, [link.target for link in doc.rendered.links], ())
            yield _warn(doc.rel, _body_line(config, doc, "<img"), f"`{tag[:60]}` has no alt "
                        "text", 'describe the picture in `alt="..."` (or `alt=""` '
                        "if it is pure decoration)")


def _placeholders(config: Config, doc: Document) -> Iterator[Problem]:
    for key, value in _strings(doc.meta.model_dump()):
        if _TODO.search(value):
            yield _warn(doc.rel, doc.line(*key), f"`{'.'.join(map(str, key))}` still says "
                        "TODO", "replace the placeholder before publishing")
    if _TODO.search(doc.rendered.text):
        yield _warn(doc.rel, _body_line(config, doc, "TODO"), "the text still has TODO "
                    "placeholders", "replace them before publishing")


def _backing(docs: list[Document]) -> Iterator[Problem]:
    """A practice is backed when a published case study cites it or its whole collection."""
    cited: set[tuple[str, str]] = set()
    for doc in docs:
        if isinstance(doc.meta, CaseStudyMeta):
            cited |= {(slug, anchor) for slug, _, anchor in
                      (ref.partition("#") for ref in doc.meta.practices)}
    for doc in docs:
        if doc.kind != "practices" or (doc.slug, "") in cited:
            continue
        level = doc.meta.practice_level  # type: ignore[attr-defined]
        for practice in guides.practices(doc.rendered, level):
            if (doc.slug, practice.anchor) not in cited:
                yield _warn(doc.rel, practice.line, f"practice `{practice.text}` is not backed "
                            "by any case study", "cite it from a case study: `practices: "
                            f"[{doc.slug}#{practice.anchor}]`")


def _strings(value: Any, key: tuple[str | int, ...] = ()) -> Iterator[tuple[tuple[str | int,
                                                                                  ...], str]]:
    if isinstance(value, str):
        yield key, value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from _strings(v, (*key, k))
    elif isinstance(value, (list, tuple)):
        for i, v in enumerate(value):
            yield from _strings(v, (*key, i))


def _body_line(config: Config, doc: Document, needle: str) -> int | None:
    """The first line of the file after the front matter that contains needle."""
    try:
        lines = (config.site_dir / doc.rel).read_text("utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return None
    fences = [i for i, line in enumerate(lines) if line.strip() in ("---", "...", "+++")]
    start = fences[1] + 1 if len(fences) > 1 else 0
    for number, line in enumerate(lines[start:], start + 1):
        if needle in line:
            return number
    return None
