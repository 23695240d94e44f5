"""A practice collection (a guide) as its reader meets it: which headings are practices.

At `practice_level: 2` (the default) each top-level `##` is a practice; at 3 each `###` is
one and each `##` a chapter grouping them. A heading marked `{-}` or `{.unnumbered}` is prose
at either level: not numbered, not citable, not expected to be backed by a case study, but
it keeps its anchor. Only the headings' records are needed, so `check` and `site` agree.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from generator.content.markdown import Heading, Rendered
from generator.pickling import pickled_by_fields


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class Part:
    """One block of a guide, in order: prose, a chapter heading, or a numbered practice."""

    role: str        # "intro" | "prose" | "chapter" | "practice"
    level: int       # the heading's level (2 or 3); 0 for the intro
    anchor: str
    title: str
    html: str        # what follows the heading, up to the next part
    number: int = 0  # practices only, from 1


def practices(rendered: Rendered, level: int) -> list[Heading]:
    """The citable headings of a collection, in order."""
    return [h for h in rendered.toc if h.level == level and not h.unnumbered]


def parts(rendered: Rendered, sections_html: Sequence[str], level: int) -> list[Part]:
    """The guide's blocks, from its `##` sections (html filled), split at `###` for level 3."""
    headings = {h.anchor: h for h in rendered.toc}
    out: list[Part] = []
    number = 0
    for section, html in zip(rendered.sections, sections_html, strict=True):
        pieces = _split_h3(html, [h for h in rendered.toc if h.level == 3]) if level == 3 else [
            (None, html)]
        for i, (sub, piece) in enumerate(pieces):
            heading = sub if i else headings.get(section.anchor)
            if heading is None:
                if piece.strip():
                    out.append(Part("intro", 0, "", "", piece))
                continue
            practice = heading.level == level and not heading.unnumbered
            number += practice
            role = "practice" if practice else ("prose" if heading.unnumbered or
                                                 heading.level > level else "chapter")
            out.append(Part(role, heading.level, heading.anchor, heading.text, piece,
                            number if practice else 0))
    return out


def _split_h3(html: str, h3s: list[Heading]) -> list[tuple[Heading | None, str]]:
    """[(None, html before the first top-level h3), (h3, html after it), ...]."""
    if not h3s:
        return [(None, html)]
    by_anchor = {h.anchor: h for h in h3s}
    pattern = re.compile(r'<h3 id="(' + "|".join(re.escape(a) for a in by_anchor)
                         + r')">.*?</h3>\n?', re.S)
    out: list[tuple[Heading | None, str]] = []
    at, current = 0, None
    for m in pattern.finditer(html):
        out.append((current, html[at:m.start()]))
        current, at = by_anchor[m[1]], m.end()
    out.append((current, html[at:]))
    return out
