"""The generated share card: a 1200x630 PNG with a page's title, key metric and site name,
drawn the same to the byte in any thread or process.
"""

from __future__ import annotations

import threading
import unicodedata
from collections.abc import Mapping
from functools import lru_cache
from io import BytesIO
from typing import Any

from generator.images.plan import OG_SIZE, CardJob

CARD_COLOURS = {"bg": (15, 76, 92), "panel": (10, 53, 64), "ink": (255, 255, 255),
                "muted": (211, 230, 235), "accent": (244, 162, 89)}
_ASCII_FOR = {"−": "-", "–": "-", "—": "-", "→": "->", "€": "EUR ", "£": "GBP ", "¥": "JPY ",
              "₹": "INR ", "×": "x", "\u00a0": " ", "\u202f": " "}
_FONT_CHARS = set("©«°±´·»‘’“”…‹›⁄™")  # beyond ASCII, what Pillow's built-in Aileron has


CARD_STEPS = 16     # levels from a background to a text colour: anti-aliasing within 8/255 of
                    # true colour (the adaptive 256-colour palette used before: 14/255)
CARD_PNG_LEVEL = 3  # 1.9 ms, 28 KB a card; level 6: 3.7 ms, 22 KB, for files only crawlers fetch
# A card is drawn in "L" with palette indices for grey levels, so it needs no quantizing: text of
# index t anti-aliased over index b blends to the indices between, and the palette makes each
# such run a straight ramp from b's colour to t's. Every text lies on a single background.
_S = CARD_STEPS
_CARD_FILLS = {"bg": _S, "site": 0, "title": 2 * _S,             # muted <- bg -> ink
               "label": 2 * _S + 1, "panel": 3 * _S + 1,         # muted <- panel -> accent
               "metric": 4 * _S + 1, "stripe": 4 * _S + 1}
_FONTS = threading.local()  # a FreeType face must not be used by two threads at once


def draw_card(job: CardJob) -> bytes:
    im = _card_frame(job.site_name).copy()
    _lay_out_text(im, job, _CARD_FILLS)
    im.putpalette(_card_palette())  # L -> P in place, same indices
    buffer = BytesIO()
    im.save(buffer, "PNG", compress_level=CARD_PNG_LEVEL)
    return buffer.getvalue()


@lru_cache(maxsize=4)
def _card_frame(site_name: str) -> Any:
    """What every card of a site shares (background, stripe, panel, site name): drawn once
    per process, then copied (read only, so threads may share it)."""
    from PIL import Image

    im = Image.new("L", OG_SIZE, _CARD_FILLS["bg"])
    _lay_out_frame(im, site_name, _CARD_FILLS)
    return im


@lru_cache(maxsize=1)
def _card_palette() -> bytes:
    def ramp(start: tuple[int, ...], end: tuple[int, ...]) -> list[tuple[int, ...]]:
        return [tuple(round(a + (b - a) * k / _S) for a, b in zip(start, end, strict=True))
                for k in range(_S + 1)]

    c = CARD_COLOURS
    colours = (ramp(c["muted"], c["bg"]) + ramp(c["bg"], c["ink"])[1:] +
               ramp(c["muted"], c["panel"]) + ramp(c["panel"], c["accent"])[1:])
    return bytes(v for colour in colours for v in colour)


def _lay_out_card(im: Any, job: CardJob, fills: Mapping[str, Any]) -> None:
    """Draws the card on `im` with `fills` by element: palette indices, or (in a test) RGB
    colours on a background of the "bg" fill."""
    _lay_out_frame(im, job.site_name, fills)
    _lay_out_text(im, job, fills)


def _lay_out_frame(im: Any, site_name: str, fills: Mapping[str, Any]) -> None:
    width, height = OG_SIZE
    im.paste(fills["stripe"], (0, 0, 25, height))
    im.paste(fills["panel"], (25, height - 200, width, height))
    _text(im, (88, 64), _printable(site_name), 36, fills["site"], cache=True)


def _lay_out_text(im: Any, job: CardJob, fills: Mapping[str, Any]) -> None:
    """The title, metric and label. Text stays clear of the panel's edge (y=430): the title
    ends by 376, a metric starts at 452."""
    from PIL import ImageDraw

    width, height = OG_SIZE
    draw = ImageDraw.Draw(im)  # measures text only
    left, inner = 88, width - 88 - 72
    for size in (68, 60, 52):
        lines = _wrap(_printable(job.title), _font(size), inner, draw)
        if len(lines) <= 3:
            break
    lines = _ellipsis(lines[:3], lines[3:], _font(size), inner, draw)
    y = 130 + (3 - len(lines)) * size // 2
    for line in lines:
        _text(im, (left, y), line, size, fills["title"], bold=True)
        y += round(size * 1.2)
    metric, label = _printable(job.metric), _printable(job.metric_label)
    if metric:  # "+38%" at full size; "43,000+ resources" smaller, leaving room for the label
        size = next((s for s in (96, 80, 64) if draw.textlength(metric, font=_font(s))
                     <= inner * 0.6), 52)
        _text(im, (left, height - 100), metric, size, fills["metric"], anchor="ls", bold=True,
              cache=True)
        label_x = round(left + draw.textlength(metric, font=_font(size)) + 28)
        label_lines = _wrap(label, _font(34), width - 72 - label_x, draw)[:2]
        for i, line in enumerate(label_lines):
            y = height - 100 - (len(label_lines) - 1 - i) * 42
            _text(im, (label_x, y), line, 34, fills["label"], anchor="ls", cache=True)


def _text(im: Any, xy: tuple[int, int], text: str, size: int, fill: Any, *, anchor: str = "la",
          bold: bool = False, cache: bool = False) -> None:
    """Text blended onto `im` through its coverage mask; `cache` for text many cards repeat
    (the site name, a metric, a label): rendering is most of a card's time."""
    mask, (dx, dy) = (_cached_mask if cache else _mask)(text, size, anchor, bold)
    if mask is not None:
        im.paste(fill, (xy[0] + dx, xy[1] + dy), mask)


def _mask(text: str, size: int, anchor: str, bold: bool) -> tuple[Any, tuple[int, int]]:
    """The text's coverage (L) and where its corner goes from the anchor point. Bold: the
    coverage spread one pixel each way (the upper of it and its four neighbours'), close to a
    1-pixel stroke at a third of the stroker's time."""
    from PIL import Image, ImageChops, ImageDraw

    font = _font(size)
    x0, y0, x1, y1 = font.getbbox(text, anchor=anchor)
    if x1 <= x0 or y1 <= y0:
        return None, (0, 0)
    pad = 1 if bold else 0
    plain = Image.new("L", (x1 - x0 + 2 * pad, y1 - y0 + 2 * pad))
    ImageDraw.Draw(plain).text((pad - x0, pad - y0), text, font=font, fill=255, anchor=anchor)
    if not bold:
        return plain, (x0, y0)
    mask = plain
    for dx, dy in ((1, 0), (-1, 0), (0, 1), (0, -1)):
        mask = ImageChops.lighter(mask, ImageChops.offset(plain, dx, dy))
    return mask, (x0 - pad, y0 - pad)


_cached_mask = lru_cache(maxsize=256)(_mask)  # masks are read only: threads may share them


def _font(size: int) -> Any:
    """Pillow's built-in Aileron, loaded once per thread (and per process) and size."""
    from PIL import ImageFont

    fonts = _FONTS.__dict__.setdefault("by_size", {})
    if size not in fonts:
        fonts[size] = ImageFont.load_default(size=size)
    return fonts[size]


def _printable(text: str) -> str:
    """What the built-in font can draw: accents dropped, a few symbols spelled out."""
    text = "".join(_ASCII_FOR.get(c, c) for c in text)
    text = unicodedata.normalize("NFKD", text)
    return " ".join("".join(c for c in text if " " <= c <= "~" or c in _FONT_CHARS).split())


def _wrap(text: str, font: Any, width: float, draw: Any) -> list[str]:
    """Words to lines no wider than `width`; a line's width is its words' and spaces' (this
    font kerns no pair with a space), each word measured once."""
    lines: list[str] = []
    used, space = 0.0, font.getlength(" ")
    for word in text.split():
        length = font.getlength(word)
        if lines and used + space + length <= width:
            lines[-1] = f"{lines[-1]} {word}"
            used += space + length
        else:
            lines.append(word)
            used = length
    return lines


def _ellipsis(lines: list[str], cut: list[str], font: Any, width: float, draw: Any) -> list[str]:
    if not cut:
        return lines
    last = lines[-1]
    while last and draw.textlength(last + "…", font=font) > width:
        last = last.rsplit(" ", 1)[0] if " " in last else last[:-1]
    return [*lines[:-1], last + "…"]
