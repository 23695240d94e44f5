"""The editor's checks: what a careful editor would flag in published documents (warnings,
never errors), listed in docs/commands.md. `casefolio check` prints them; a one-off build
records them beside its cache (keyed by the inputs its stamp vouches for), so that `check` of
a site that did not change since needs not load a single document."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from generator.config import Config
from generator.errors import Problem
from generator.incremental import cache

if TYPE_CHECKING:
    from generator.content.document import Document

# The checks' own imports (the kinds, the parser's helpers) are made where they run:
# `casefolio check` of an unchanged site reads only the record (`recorded`).

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


def editor_warnings(config: Config, docs: list[Document]) -> list[Problem]:
    """Every editor's check over the published documents."""
    return [*_site_checks(config), *_document_checks(config, docs), *_backing(docs)]


RECORD = "editor"


def record(site_dir: Path, settings: str, inputs: str, files: int,
           warnings: list[Problem]) -> None:
    """Keep the editor's warnings of the documents as a build with these settings (a stamp's)
    found them in these inputs (a stamp's), and how many content files it read."""
    key = f"{settings}:{inputs}"  # no space: a cache header is split at spaces
    cache.write_record(site_dir, RECORD, key, (key, tuple(warnings), files))


def recorded(site_dir: Path, settings: str, inputs: str) -> tuple[list[Problem], int] | None:
    """The warnings and the number of content files kept for these settings and inputs."""
    found = cache.read_record(site_dir, RECORD, readonly=True)
    if (isinstance(found, tuple) and len(found) == 3 and found[0] == f"{settings}:{inputs}"
            and isinstance(found[1], tuple) and isinstance(found[2], int)):
        return list(found[1]), found[2]
    return None


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
    from generator.kinds.case_study import CaseStudyMeta
    from generator.kinds.service import ServiceMeta

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
    from generator.content.markdown import fill

    """Markdown images without alt text are build errors; raw HTML ones are only seen here."""
    for tag in _IMG.findall(doc.rendered.html):
        if not _ALT.search(tag):  # shown as written: its src may be a link placeholder
            tag = fill(tag, [link.target for link in doc.rendered.links], ())
            yield _warn(doc.rel, _body_line(config, doc, "<img"), f"`{tag[:60]}` has no alt "
                        "text", 'describe the picture in `alt="..."` (or `alt=""` '
                        "if it is pure decoration)")


def _placeholders(config: Config, doc: Document) -> Iterator[Problem]:
    fields = doc.meta.model_dump()
    if "TODO" in repr(fields):  # one scan in C: a field-by-field walk was 0.2 ms a document
        for key, value in _strings(fields):
            if _TODO.search(value):
                yield _warn(doc.rel, doc.line(*key), f"`{'.'.join(map(str, key))}` still "
                            "says TODO", "replace the placeholder before publishing")
    if "TODO" in doc.rendered.text and _TODO.search(doc.rendered.text):
        yield _warn(doc.rel, _body_line(config, doc, "TODO"), "the text still has TODO "
                    "placeholders", "replace them before publishing")


def _backing(docs: list[Document]) -> Iterator[Problem]:
    """A practice is backed when a published case study cites it or its whole collection."""
    from generator.kinds.case_study import CaseStudyMeta
    from generator.model import guides

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
