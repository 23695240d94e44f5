"""One content file -> one Document: front matter validated, body rendered. Pure and cacheable."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import PurePosixPath

from slugify import slugify

from generator.content.frontmatter import Positions, split
from generator.content.markdown import Rendered, render
from generator.content.schema import Common, check_slug, validate
from generator.content.sources import Source, text_of
from generator.errors import CasefolioError, Problem
from generator.pickling import pickled_by_fields


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class Document:
    """A content file understood: its typed metadata, rendered body and where each key was."""

    kind: str
    rel: str
    slug: str
    meta: Common
    positions: Positions
    rendered: Rendered
    fingerprint: str
    id: str  # "kind/slug" (see document_id): stored, as linking asks for it ~80 times a document
    warnings: tuple[Problem, ...] = ()  # found while reading it: e.g. template syntax left in

    def line(self, *key: str | int) -> int | None:
        while key:
            if key in self.positions:
                return self.positions[key]
            key = key[:-1]
        return self.positions.get(())


def document_id(kind: str, slug: str) -> str:
    return f"{kind}/{slug}"


@dataclass(frozen=True, slots=True)
class Reading:
    """How to read content files, handed in by the caller (from the kinds' registry): each
    folder's front-matter schema, which kinds keep their sections' html, Markdown options."""

    models: Mapping[str, type[Common]]
    sectioned: frozenset[str] = frozenset()
    raw_html: bool = True
    markdown: tuple[Callable[..., None], ...] = ()  # markdown-it plugins from site plugins
    anchors: str = "default"  # how heading ids are made (site.yaml `markdown: {anchors:}`)

    @property
    def options(self) -> tuple[bool, str]:
        """The options a rendered body depends on: part of a cached document's key."""
        return self.raw_html, self.anchors


def load_document(source: Source, reading: Reading) -> Document:
    """Parse, validate and render one source; raise CasefolioError with every problem found."""
    front = split(text_of(source), source.rel)
    model = reading.models[source.kind]
    meta, problems = validate(model, front.meta, front.positions, source.rel)
    if meta is None:
        raise CasefolioError(problems)
    slug = meta.slug or default_slug(source.rel)
    try:
        check_slug(slug)
    except ValueError as exc:
        raise CasefolioError([Problem(source.rel, None, f"cannot make a URL from the file name: "
                                      f"{exc}", "rename the file or set `slug:`")]) from None
    # Only collections show sections one by one; a second copy of every other body, sections'
    # html, would be ~100 MB at 10,000 pages.
    rendered = render(front.body, raw_html=reading.raw_html, line_offset=front.body_line - 1,
                      plugins=reading.markdown, anchors=reading.anchors,
                      section_html=source.kind in reading.sectioned)
    return Document(source.kind, source.rel, slug, meta, front.positions, rendered,
                    source.fingerprint, document_id(source.kind, slug),
                    template_syntax(front.body, source.rel, front.body_line - 1))


_TEMPLATE = re.compile(r"\{\{[<%]|\{%-?\s*[A-Za-z]|\{\{-?\s*[A-Za-z_][\w.]*\s*(?:\|[^}]*)?-?\}\}")
_CODE_SPAN = re.compile(r"(`+).+?\1")
_FENCE = re.compile(r" {0,3}(`{3,}|~{3,})")


def template_syntax(body: str, rel: str, offset: int) -> tuple[Problem, ...]:
    """Another generator's template syntax left in a body (a Hugo shortcode, a Liquid tag or
    variable), outside code: it would be printed as is. A warning for each line."""
    if "{{" not in body and "{%" not in body:
        return ()
    found, fence = [], ""
    for number, line in enumerate(body.split("\n"), start=1 + offset):
        opening = _FENCE.match(line)
        if fence:
            if opening and opening[1][0] == fence[0] and len(opening[1]) >= len(fence) \
                    and not line.strip().strip(fence[0]):
                fence = ""
            continue
        if opening:
            fence = opening[1]
            continue
        if line.startswith(("    ", "\t")):
            continue
        match = _TEMPLATE.search(_CODE_SPAN.sub("", line))
        if match:
            found.append(Problem(rel, number, f"template syntax `{match[0]}...` left in the "
                                 "text: it is printed as is", "replace it with Markdown (an "
                                 "image, a link), or put it in `code` if it is an example",
                                 severity="warning"))
    return tuple(found)


def default_slug(rel: str) -> str:
    """The file name, made URL-safe: `Checkout Redesign.md` -> `checkout-redesign`; a page
    bundle's (content/case-studies/kosli/index.md) is its folder's name."""
    path = PurePosixPath(rel)
    name = path.parent.name if len(path.parts) >= 4 and path.name == "index.md" else path.stem
    return slugify(name) or "untitled"
