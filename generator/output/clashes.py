"""Problems seen only across the whole site: two documents that want one URL, a heading id
the theme's templates give an element of their own, two outputs at one path."""

from __future__ import annotations

import functools
import re

from generator.content.document import Document
from generator.errors import Problem
from generator.output.theme import Theme
from generator.output.writer import Output
from generator.site import Site


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
    """The ids in a body's html (most have none): looked up, not searched again, by `serve`'s
    rebuilds (a str keeps its hash), ~20 ms at 10,000 pages."""
    if 'id="' not in html:
        return ()
    return tuple(dict.fromkeys(_ID.findall(html)))


# The last documents' bodies and the theme's ids they were looked up against -> where the
# documents whose headings take one of those ids are (nearly always nowhere).
_last: tuple[list[object], object, list[int]] = ([], None, [])


def _taking(documents: list[Document], theme: Theme) -> list[int]:
    """Where the documents whose bodies hold one of the theme's ids are. With the same bodies
    and theme as last time (a `serve` rebuild after a front-matter edit), told apart by
    identity in one C loop: ~1 ms at 10,000 documents, against ~20 ms looking each one up."""
    global _last
    bodies: list[object] = [doc.rendered for doc in documents]
    if theme.ids is not _last[1] or bodies != _last[0]:
        _last = (bodies, theme.ids, [i for i, doc in enumerate(documents)
                                     if any(a in theme.ids for a in _ids_in(doc.rendered.html))])
    return _last[2]


def theme_ids_taken(documents: list[Document], site: Site, theme: Theme) -> list[Problem]:
    """Headings whose id is one the theme's templates give their own elements (`#cta-form`):
    the page would hold two, and the theme's links and scripts would find the heading."""
    problems = []
    for doc in (documents[i] for i in _taking(documents, theme)):
        if doc.id not in site.fingerprints:
            continue
        taken = [anchor for anchor in _ids_in(doc.rendered.html) if anchor in theme.ids]
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
