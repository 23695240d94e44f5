"""Template syntax in bodies (Hugo shortcodes, Liquid tags, Zola shortcodes and `@/` links)
turned into plain Markdown; what cannot be converted is kept as written and noted."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from generator.importer.model import Note, Notes

_FENCED = re.compile(r"^(```|~~~)[^\n]*\n.*?^\1[ \t]*$", re.M | re.S)
_INLINE_CODE = re.compile(r"`[^`\n]+`")
_ARG = re.compile(r"""(?:(\w+)\s*=\s*)?(?:"([^"]*)"|'([^']*)'|([^\s"'=]+))""")
CALLOUTS = ("notice", "callout", "alert", "note", "tip", "warning", "info", "admonition",
            "hint", "caution", "important", "danger")


@dataclass(frozen=True, slots=True)
class Context:
    """Where a body comes from, where its notes go, and how a link to another source file or
    old URL becomes a link in the imported site (None when it names nothing imported)."""

    rel: str
    body_line: int
    notes: Notes
    link_to_file: Callable[[str], str | None]


def outside_code(body: str, convert: Callable[[str, int], str]) -> str:
    """Apply convert(text, first line offset) to the parts of body outside fenced code."""
    parts: list[str] = []
    last = 0
    for block in _FENCED.finditer(body):
        parts.append(convert(body[last:block.start()], body.count("\n", 0, last)))
        parts.append(block[0])
        last = block.end()
    parts.append(convert(body[last:], body.count("\n", 0, last)))
    return "".join(parts)


def args(text: str) -> tuple[list[str], dict[str, str]]:
    """Positional and named arguments of a shortcode call: `a "b c" d="e"`."""
    positional: list[str] = []
    named: dict[str, str] = {}
    for m in _ARG.finditer(text):
        value = next((v for v in (m[2], m[3], m[4]) if v is not None), "")
        if m[1]:
            named[m[1].lower()] = value
        else:
            positional.append(value)
    return positional, named


def callout(kind: str, inner: str) -> str:
    label = kind.strip().capitalize() or "Note"
    lines = inner.strip("\n").split("\n")
    quoted = [f"> **{label}:** {lines[0].strip()}"] + [f"> {line}".rstrip() for line in lines[1:]]
    return "\n".join(quoted)


def fence(lang: str, code: str) -> str:
    return f"```{lang}\n{code.strip(chr(10))}\n```"


def image(src: str, alt: str, title: str = "", caption: str = "") -> str:
    shown = f'![{alt}]({src} "{title}")' if title else f"![{alt}]({src})"
    return f"{shown}\n\n*{caption}*" if caption else shown


def video_link(service: str, ident: str) -> str:
    url = (f"https://www.youtube.com/watch?v={ident}" if service == "youtube"
           else f"https://vimeo.com/{ident}")
    return f"[Watch the video on {service.capitalize()}]({url})"


def line_of(ctx: Context, text: str, pos: int, offset: int) -> int:
    return ctx.body_line + offset + text.count("\n", 0, pos)


def flag_leftovers(converted: str, original: str, ctx: Context, pattern: re.Pattern[str],
                   what: str) -> None:
    """Note each template tag left in the converted body (outside code), with its line in the
    source file: the tags are found in the original, as conversions change line counts."""
    def found(body: str) -> list[tuple[str, int]]:
        hits: list[tuple[str, int]] = []

        def scan(text: str, offset: int) -> str:
            masked = _INLINE_CODE.sub(lambda m: " " * len(m[0]), text)
            hits.extend((m[0], line_of(ctx, masked, m.start(), offset))
                        for m in pattern.finditer(masked))
            return text
        outside_code(body, scan)
        return hits

    left = [tag for tag, _ in found(converted)]
    for tag, line in found(original):
        if tag in left:
            left.remove(tag)
            shown = re.sub(r"\s+", " ", tag)
            shown = shown if len(shown) <= 60 else shown[:57] + "..."
            ctx.notes.warnings.append(Note(ctx.rel, line, f"{what} `{shown}` kept as written: "
                                           "rewrite it by hand"))


def link_or_keep(ctx: Context, target: str, text: str, pos: int, offset: int,
                 original: str) -> str:
    found = ctx.link_to_file(target)
    if found is None:
        ctx.notes.warnings.append(Note(ctx.rel, line_of(ctx, text, pos, offset),
                                       f"link to `{target}`: no such page was imported; kept "
                                       "as written"))
        return original
    return found
