"""Image pixels to bytes: a source decoded once and upright, resized, and encoded with fixed
settings and no metadata but its colour profile.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, replace
from io import BytesIO
from pathlib import Path
from typing import Any

from generator.errors import CasefolioError, Problem
from generator.images.plan import (
    ENCODER,
    LOSSLESS_MAX_BITS,
    ImageJob,
    Variant,
    encoder_options,
    lossy_webp,
    too_many_pixels,
    widths_for,
)


@dataclass(frozen=True, slots=True)
class _Decoded:
    """A source decoded once, upright, ready for every variant."""

    pixels: Any          # RGB, RGBA, L or LA: what resizing works on
    palette: Any | None  # the upright source itself when it is a palette PNG: copied exactly
    icc: bytes | None    # colour profile, kept so colours stay right


def decode(job: ImageJob) -> _Decoded:
    from PIL import Image, ImageOps

    try:
        im = Image.open(job.source)
        try:
            im.load()  # a single frame: loading it closes the file
        except BaseException:
            im.close()
            raise
        icc = im.info.get("icc_profile") if im.mode != "CMYK" else None
        ImageOps.exif_transpose(im, in_place=True)  # without the copy made when upright
        upright = im
    except Image.DecompressionBombError:
        raise CasefolioError([Problem(job.rel, None, too_many_pixels(),
                                      "scale it down in an image editor")]) from None
    except (OSError, ValueError, SyntaxError) as exc:
        raise CasefolioError([Problem(job.rel, None, f"cannot decode this image: {exc}",
                                      "re-export it from your image editor")]) from None
    upright.info = {"transparency": upright.info["transparency"]} if (
        "transparency" in upright.info) else {}
    grey = upright.mode in ("1", "L", "LA")
    alpha = "A" in upright.getbands() or "transparency" in upright.info
    mode = ("LA" if alpha else "L") if grey else ("RGBA" if alpha else "RGB")
    pixels = upright if upright.mode == mode else upright.convert(mode)  # same mode: no copy
    pixels.info = {}
    return _Decoded(pixels, upright if upright.mode == "P" else None, icc)


def encode_variant(source: _Decoded, v: Variant, sized: dict[Any, Any]) -> bytes:
    if not v.lossless:
        return _encode(_pixels(source, v, sized), v.format, source.icc,
                       source.palette is not None, encoder_options(v))
    data = _encode(_pixels(source, v, sized), v.format, source.icc, settings=encoder_options(v))
    if len(data) * 8 <= LOSSLESS_MAX_BITS * v.width * v.height:
        return data
    return _encode(_sized(source, v.box, v.width, v.height, sized), v.format, source.icc,
                   settings=lossy_webp(v))


def _pixels(source: _Decoded, v: Variant, sized: dict[Any, Any]) -> Any:
    """The variant's pixels; each size is resized once, and quantized once for what a palette
    source keeps in a palette (PNG, lossless WebP), whatever the formats it is saved in."""
    if source.palette is None or not (v.format == "PNG" or v.lossless):
        return _sized(source, v.box, v.width, v.height, sized)
    if v.box is None and source.palette.size == (v.width, v.height):
        return source.palette
    key = ("palette", v.box, v.width, v.height)
    if key not in sized:
        sized[key] = _quantized(_sized(source, v.box, v.width, v.height, sized))
    return sized[key]


def _quantized(im: Any) -> Any:
    """Resized palette pixels (new colours where edges were smoothed) back in 256 colours."""
    from PIL import Image

    mode = "RGBA" if "A" in im.getbands() else "RGB"
    return (im if im.mode == mode else im.convert(mode)).quantize(  # converting to the same
        256, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE)  # mode copies


def _sized(source: _Decoded, box: tuple[int, int, int, int] | None, width: int, height: int,
           sized: dict[Any, Any]) -> Any:
    """Resized from the next larger srcset width when that is 1.5x or more this one (960 from
    1600, 480 from 960): half the resizing time, SSIM >= 0.998 against resizing the source.
    Which one is a function of the sizes alone, so a variant's pixels never depend on what
    the cache already held."""
    from PIL import Image

    key = (box, width, height)
    if key not in sized:
        im = source.pixels if box is None else source.pixels.crop(box)
        larger = [w for w in widths_for(im.width) if w >= 1.5 * width and w < im.width]
        if box is None and larger:
            im = _sized(source, None, larger[0], max(1, round(im.height * larger[0] / im.width)),
                        sized)
        if im.size != (width, height):
            im = im.resize((width, height), Image.Resampling.BICUBIC, reducing_gap=3.0)
        sized[key] = im
    return sized[key]


def opaque(source: _Decoded) -> _Decoded:
    """Without an alpha channel that hides nothing (many screenshots): the same picture, a
    quarter less to resize and encode."""
    pixels = source.pixels
    if pixels.mode in ("RGBA", "LA") and pixels.getchannel("A").getextrema() == (255, 255):
        return replace(source, pixels=pixels.convert(pixels.mode[:-1]))
    return source


_PNG_KEPT = (b"IHDR", b"PLTE", b"tRNS", b"iCCP", b"IDAT", b"IEND")  # what re-encoding keeps


def clean_png(path: Path) -> bytes | None:
    """The source PNG with only the chunks that make its pixels and colours (no text, EXIF,
    XMP, times), its compressed pixels as they are: re-encoding a big screenshot took ~1 s and
    saved little. None (re-encode it) when EXIF turns it, or when it is 16-bit or unusual."""
    from PIL import Image

    try:
        data = path.read_bytes()  # the source, not a cache file
    except OSError:
        return None
    if data[:8] != b"\x89PNG\r\n\x1a\n" or len(data) < 33 or data[24] > 8:
        return None
    kept, kinds, at = [data[:8]], set(), 8
    while at + 12 <= len(data):
        (length,) = struct.unpack(">I", data[at:at + 4])
        kind, end = data[at + 4:at + 8], at + 12 + length
        if kind in _PNG_KEPT:
            kept.append(data[at:end])
        kinds.add(kind)
        at = end
        if kind == b"IEND":
            break
    else:
        return None
    if kinds & {b"eXIf", b"iTXt", b"zTXt", b"tEXt"}:  # an orientation in EXIF, XMP or a profile
        with Image.open(BytesIO(data)) as im:  # as exif_transpose reads it; without an eXIf
            exif = im.getexif() if b"eXIf" in kinds else Image.Image.getexif(im)  # no decoding
            if exif.get(0x0112, 1) != 1:
                return None
    return b"".join(kept)


def _encode(im: Any, fmt: str, icc: bytes | None = None, palette: bool = False,
            settings: Mapping[str, Any] | None = None) -> bytes:
    """Fixed settings, no metadata but the colour profile: same pixels, same bytes. A palette
    source gives palette PNGs (a screenshot stays a fifth the size of a true-colour one)."""
    from PIL import Image

    options = dict(settings or ENCODER[fmt], **({"icc_profile": icc} if icc else {}))
    up_level = options.pop("up_level", None)
    if fmt == "PNG" and up_level is not None and not palette and im.mode in _PNG_COLOUR_TYPE:
        return png_up(im, up_level, icc)
    if fmt == "JPEG" and im.mode in ("RGBA", "LA"):
        flat = Image.new("RGB", im.size, (255, 255, 255))
        flat.paste(im.convert("RGBA"), mask=im.getchannel("A"))
        im = flat
    if fmt == "PNG" and palette and im.mode != "P":
        im = _quantized(im)
    buffer = BytesIO()
    im.save(buffer, fmt, **options)
    return buffer.getvalue()


_PNG_COLOUR_TYPE = {"L": 0, "RGB": 2, "LA": 4, "RGBA": 6}


def png_up(im: Any, level: int, icc: bytes | None = None) -> bytes:
    """8-bit grey or true-colour pixels as a PNG whose rows all have filter type 2 ("Up": each
    byte less the one above it, mod 256, made by ImageChops), deflated at `level`. Pillow tries
    all five filters on every row and keeps the likeliest, which costs as much as deflating at
    level 1: one fixed filter and two levels more gives fewer bytes in less time."""
    from PIL import Image, ImageChops

    width, height = im.size
    up = ImageChops.subtract_modulo(im, ImageChops.offset(im, 0, 1))  # row 0 less the last
    up.paste(im.crop((0, 0, width, 1)), (0, 0))                        # row 0 as it is
    row = width * len(im.getbands())
    rows = Image.frombytes("L", (row, height), up.tobytes()).crop((-1, 0, row, height))
    rows.paste(2, (0, 0, 1, height))  # the crop's column -1 (outside: 0) holds the filter type
    compressor = zlib.compressobj(level, zlib.DEFLATED, 15, 9)
    chunks = [png_chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8,
                                             _PNG_COLOUR_TYPE[im.mode], 0, 0, 0))]
    if icc:
        chunks.append(png_chunk(b"iCCP", b"ICC Profile\0\0" + zlib.compress(icc)))
    chunks.append(png_chunk(b"IDAT", compressor.compress(rows.tobytes()) + compressor.flush()))
    return b"".join((b"\x89PNG\r\n\x1a\n", *chunks, png_chunk(b"IEND", b"")))


def png_chunk(kind: bytes, data: bytes) -> bytes:
    """A PNG chunk: length, type, data, and the CRC-32 of type and data."""
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
