"""Fenced code -> Pygments html with CSS classes, and the stylesheet for those classes.

The html is exactly what Pygments' HtmlFormatter writes (the tests compare the two on every
language), written by a loop that does only what our options need: a third of the
formatter's cost, paid for every code block of every page.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

from pygments import format as pygments_format
from pygments.formatters import HtmlFormatter
from pygments.lexer import Lexer
from pygments.lexers import get_all_lexers, get_lexer_by_name
from pygments.token import _TokenType

# Pygments' own languages only: plugins would make the output depend on what is installed.
_LANGUAGES = frozenset(a for _, aliases, _, _ in get_all_lexers(plugins=False) for a in aliases)
_FORMATTER = HtmlFormatter(cssclass="highlight", nowrap=False)
_ESCAPES = {ord("&"): "&amp;", ord("<"): "&lt;", ord(">"): "&gt;", ord('"'): "&quot;",
            ord("'"): "&#39;"}
_OPEN, _PRE_END, _CLOSE = pygments_format([], _FORMATTER).partition("</pre>")  # the wrapping


@lru_cache(maxsize=256)
def _lexer(lang: str) -> Lexer | None:
    return get_lexer_by_name(lang, stripnl=False) if lang.lower() in _LANGUAGES else None


def highlight(code: str, lang: str) -> str | None:
    """`code` highlighted as `lang`, or None when Pygments knows no such language."""
    lexer = _lexer(lang) if lang else None
    return None if lexer is None else _format(lexer.get_tokens(code))


_spans: dict[_TokenType, str] = {}  # token type -> its `<span class="...">`, or '' (plain)


def _span(ttype: _TokenType) -> str:
    classes = _FORMATTER._get_css_classes(ttype)
    _spans[ttype] = span = f'<span class="{classes}">' if classes else ""
    return span


def _format(tokens: Iterable[tuple[_TokenType, str]]) -> str:
    """HtmlFormatter's html: each run of text with the same classes in one span, closed at
    each line's end and opened again on the next line; every line ends with a newline."""
    out: list[str] = [_OPEN]
    span, run = "", ""
    for ttype, value in tokens:
        if not value:
            continue
        opener = _spans.get(ttype)
        if opener is None:
            opener = _span(ttype)
        if opener == span:
            run += value
            continue
        if run:
            _line_spans(out, span, run)
        span, run = opener, value
    if run:
        _line_spans(out, span, run)
    if len(out) > 1 and not out[-1].endswith("\n"):
        out.append("\n")
    out += (_PRE_END, _CLOSE)
    return "".join(out)


def _line_spans(out: list[str], span: str, text: str) -> None:
    close = "</span>" if span else ""
    text = text.translate(_ESCAPES)
    if "\n" not in text:
        out.append(f"{span}{text}{close}")
    else:
        out.append("\n".join(f"{span}{line}{close}" if line else "" for line in text.split("\n")))


def highlight_css(style_light: str = "default", style_dark: str = "monokai") -> str:
    """Pygments CSS for `.highlight`; the dark style applies when the reader prefers dark."""

    def rules(style: str) -> list[str]:
        formatter = HtmlFormatter(style=style)
        return [
            *formatter.get_background_style_defs(".highlight"),
            *formatter.get_token_style_defs(".highlight"),
        ]

    dark = "\n".join("  " + rule for rule in rules(style_dark))
    return "\n".join(rules(style_light)) + f"\n@media (prefers-color-scheme: dark) {{\n{dark}\n}}\n"
