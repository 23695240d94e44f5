"""The generated share card: a 1200x630 PNG with a page's title, key metric and site name,
drawn the same to the byte in any thread or process.
"""

from __future__ import annotations

import itertools
import struct
import threading
import unicodedata
import zlib
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from generator.images.encode import png_chunk
from generator.images.plan import OG_SIZE, CardJob

CARD_COLOURS = {"bg": (15, 76, 92), "panel": (10, 53, 64), "ink": (255, 255, 255),
                "muted": (211, 230, 235), "accent": (244, 162, 89)}
_ASCII_FOR = {"−": "-", "–": "-", "—": "-", "→": "->", "€": "EUR ", "£": "GBP ", "¥": "JPY ",
              "₹": "INR ", "×": "x", "\u00a0": " ", "\u202f": " "}
_FONT_CHARS = set("©«°±´·»‘’“”…‹›⁄™")  # beyond ASCII, what Pillow's built-in Aileron has


CARD_STEPS = 16     # levels from a background to a text colour: anti-aliasing within 8/255 of
                    # true colour (the adaptive 256-colour palette used before: 14/255)
CARD_PNG_LEVEL = 2  # zlib level of the bands text was drawn on: a card 1.29 ms, 19.8 KB (level 3:
                    # 1.42 ms, 18.7 KB; Z_RLE 1.22 ms, 20.9 KB; Pillow's level 3 before: 21.0 KB),
                    # for files only crawlers fetch; the bands every card of a site shares: level 9
CARD_BAND = 32      # rows deflated together: a band no text touched is the frame's, deflated once
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
    drawn = _lay_out_text(im, job, _CARD_FILLS)
    return _png(im, job.site_name, {band for top, bottom in drawn
                                    for band in range(top // CARD_BAND, -(-bottom // CARD_BAND))})


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


def _png(im: Any, site_name: str, touched: set[int]) -> bytes:
    """The card as an 8-bit palette PNG, written here rather than by Pillow: the image data is
    one zlib stream of bands of CARD_BAND rows, each deflated on its own (ending on a byte),
    so a band no text `touched` is the frame's, deflated once per process. Each row has filter
    type 0 (none), as Pillow chooses for palette images. Same job, same bytes."""
    width, height = OG_SIZE
    bands, check = [], 1
    for band in range(-(-height // CARD_BAND)):
        if band in touched:
            raw = _rows(im, band)
            deflated, adler = _deflate(raw, CARD_PNG_LEVEL, band), zlib.adler32(raw)
            size = len(raw)
        else:
            deflated, adler, size = _frame_band(site_name, band)
        bands.append(deflated)
        check = _adler32_combine(check, adler, size)
    stream = b"\x78\x5e" + b"".join(bands) + struct.pack(">I", check)
    return b"".join((b"\x89PNG\r\n\x1a\n",
                     png_chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 3, 0, 0, 0)),
                     png_chunk(b"PLTE", _card_palette()), png_chunk(b"IDAT", stream),
                     png_chunk(b"IEND", b"")))


@lru_cache(maxsize=256)
def _frame_band(site_name: str, band: int) -> tuple[bytes, int, int]:
    """A band of the bare frame: (deflated at level 9, its Adler-32, raw length)."""
    raw = _rows(_card_frame(site_name), band)
    return _deflate(raw, 9, band), zlib.adler32(raw), len(raw)


def _rows(im: Any, band: int) -> bytes:
    """The band's rows as PNG image data: each a filter type byte (0) and its pixels (the
    crop's column -1, outside the image, is 0)."""
    width, height = OG_SIZE
    return im.crop((-1, band * CARD_BAND, width, min(height, (band + 1) * CARD_BAND))).tobytes()


def _deflate(raw: bytes, level: int, band: int) -> bytes:
    """Raw deflate of one band: ending on a byte boundary with an empty stored block, or with
    the final block for the last band, so the bands join into one stream."""
    last = (band + 1) * CARD_BAND >= OG_SIZE[1]
    compressor = zlib.compressobj(level, zlib.DEFLATED, -15, 9)
    return compressor.compress(raw) + compressor.flush(zlib.Z_FINISH if last else
                                                       zlib.Z_SYNC_FLUSH)


def _adler32_combine(first: int, second: int, second_length: int) -> int:
    """The Adler-32 of two byte strings joined, from theirs (zlib's adler32_combine)."""
    base = 65521
    low = ((first & 0xFFFF) + (second & 0xFFFF) - 1) % base
    high = ((first >> 16) + (second >> 16) + second_length * ((first & 0xFFFF) - 1)) % base
    return (high << 16) | low


def _lay_out_card(im: Any, job: CardJob, fills: Mapping[str, Any]) -> None:
    """Draws the card on `im` with `fills` by element: palette indices, or (in a test) RGB
    colours on a background of the "bg" fill."""
    _lay_out_frame(im, job.site_name, fills)
    _lay_out_text(im, job, fills)


def _lay_out_frame(im: Any, site_name: str, fills: Mapping[str, Any]) -> None:
    width, height = OG_SIZE
    im.paste(fills["stripe"], (0, 0, 25, height))
    im.paste(fills["panel"], (25, height - 200, width, height))
    _text(im, (88, 64), _printable(site_name), 36, fills["site"])


def _lay_out_text(im: Any, job: CardJob, fills: Mapping[str, Any]) -> list[tuple[int, int]]:
    """The title, metric and label; the rows drawn on (top, bottom). Text stays clear of the
    panel's edge (y=430): the title ends by 376, a metric starts at 452. The title is drawn a
    word at a time, from masks many titles share: this font places glyphs on whole pixels and
    kerns no pair with a space, so that is the line drawn at once, pixel for pixel."""
    width, height = OG_SIZE
    left, inner = 88, width - 88 - 72
    for size in (68, 60, 52):
        lines = _wrap(_printable(job.title), size, inner)
        if len(lines) <= 3:
            break
    lines = _ellipsis(lines[:3], lines[3:], size, inner)
    y, space = 130 + (3 - len(lines)) * size // 2, _length(" ", size)
    drawn = []
    for line in lines:
        x = float(left)
        for word in line.split(" "):
            mask, (dx, dy) = _word(word, size)
            im.paste(fills["title"], (round(x) + dx, y + dy), mask)
            drawn.append((y + dy, y + dy + mask.height))
            x += _advance(word, size) + space
        y += round(size * 1.2)
    metric, label = _printable(job.metric), _printable(job.metric_label)
    if metric:  # "+38%" at full size; "43,000+ resources" smaller, leaving room for the label
        size = next((s for s in (96, 80, 64) if _length(metric, s) <= inner * 0.6), 52)
        drawn.append(_text(im, (left, height - 100), metric, size, fills["metric"], anchor="ls",
                           bold=True))
        label_x = round(left + _length(metric, size) + 28)
        label_lines = _wrap(label, 34, width - 72 - label_x)[:2]
        for i, line in enumerate(label_lines):
            y = height - 100 - (len(label_lines) - 1 - i) * 42
            drawn.append(_text(im, (label_x, y), line, 34, fills["label"], anchor="ls"))
    return drawn


def _text(im: Any, xy: tuple[int, int], text: str, size: int, fill: Any, *, anchor: str = "la",
          bold: bool = False) -> tuple[int, int]:
    """Text blended onto `im` through its coverage mask; the rows it covers (top, bottom)."""
    mask, (dx, dy) = _mask(text, size, anchor, bold)
    if mask is None:
        return 0, 0
    im.paste(fill, (xy[0] + dx, xy[1] + dy), mask)
    return xy[1] + dy, xy[1] + dy + mask.height


def _render(text: str, size: int, anchor: str, bold: bool) -> tuple[Any, tuple[int, int]]:
    """The text's coverage (L) and where its corner goes from the anchor point."""
    from PIL import Image, ImageDraw

    font = _font(size)
    x0, y0, x1, y1 = font.getbbox(text, anchor=anchor)
    if x1 <= x0 or y1 <= y0:
        return None, (0, 0)
    plain = Image.new("L", (x1 - x0, y1 - y0))
    ImageDraw.Draw(plain).text((-x0, -y0), text, font=font, fill=255, anchor=anchor)
    return (_bold(plain), (x0 - 1, y0 - 1)) if bold else (plain, (x0, y0))


# Kept for the next card (read only: threads may share them): rendering was most of a card's
# time, and metrics, labels, the site name, and a title's glyphs and words repeat across pages
_mask = lru_cache(maxsize=512)(_render)
_glyph = lru_cache(maxsize=1024)(lambda char, size: _render(char, size, "la", False))


@lru_cache(maxsize=2048)  # ~10 KB each
def _word(word: str, size: int) -> tuple[Any, tuple[int, int]]:
    """A title word in bold, as `_render` would draw it, but from the masks of its glyphs: one
    rendered by FreeType costs about as much as a word. Each glyph goes where Pillow's basic
    layout puts it (the pen, moved by whole-pixel advances and kerning) and is blended over
    the ones before as Pillow does (the coverage over the rest: paste through the mask)."""
    from PIL import Image

    glyphs, pen = [], 0.0  # where the glyph starts
    for i, char in enumerate(word):
        if i:  # the last glyph's advance and the pair's kerning
            pen += _length(word[i - 1:i + 1], size) - _length(char, size)
        glyph, (gx, gy) = _glyph(char, size)
        if glyph is not None:
            glyphs.append((round(pen) + gx, gy, glyph))
    if not glyphs:
        return _render(word, size, "la", True)
    x0, y0 = min(x for x, _, _ in glyphs), min(y for _, y, _ in glyphs)
    x1 = max(x + glyph.width for x, _, glyph in glyphs)
    y1 = max(y + glyph.height for _, y, glyph in glyphs)
    plain = Image.new("L", (x1 - x0, y1 - y0))
    for x, y, glyph in glyphs:
        plain.paste(255, (x - x0, y - y0), glyph)
    return _bold(plain), (x0 - 1, y0 - 1)


def _bold(plain: Any) -> Any:
    """The coverage spread one pixel each way (the upper of it and its four neighbours'), in
    a mask a pixel larger each side: close to a 1-pixel stroke at a third of the stroker's
    time."""
    from PIL import Image, ImageChops

    padded = Image.new("L", (plain.width + 2, plain.height + 2))
    padded.paste(plain, (1, 1))
    mask = padded
    for dx, dy in ((1, 0), (-1, 0), (0, 1), (0, -1)):
        mask = ImageChops.lighter(mask, ImageChops.offset(padded, dx, dy))
    return mask


@lru_cache(maxsize=8192)
def _length(text: str, size: int) -> float:
    """How far the text moves the pen (a pure function of the text and size)."""
    return float(_font(size).getlength(text))


def _advance(text: str, size: int) -> float:
    """`_length` of a word from those of its glyphs and pairs, measured once: the advances of
    its glyphs and the kerning of each pair, as the basic layout adds them."""
    total = _length(text[:1], size)
    for pair in itertools.pairwise(text):
        total += _length("".join(pair), size) - _length(pair[0], size)
    return total


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


def _wrap(text: str, size: int, width: float) -> list[str]:
    """Words to lines no wider than `width`; a line's width is its words' and spaces' (this
    font kerns no pair with a space)."""
    lines: list[str] = []
    used, space = 0.0, _length(" ", size)
    for word in text.split():
        length = _advance(word, size)
        if lines and used + space + length <= width:
            lines[-1] = f"{lines[-1]} {word}"
            used += space + length
        else:
            lines.append(word)
            used = length
    return lines


def _ellipsis(lines: list[str], cut: list[str], size: int, width: float) -> list[str]:
    if not cut:
        return lines
    last = lines[-1]
    while last and _font(size).getlength(last + "…") > width:
        last = last.rsplit(" ", 1)[0] if " " in last else last[:-1]
    return [*lines[:-1], last + "…"]
