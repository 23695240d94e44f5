"""Images: planned from headers when the site is built, encoded (once per content hash) after.

`plan` reads only each image's header, so the Site knows every `<picture>`'s URLs and sizes
before a pixel is decoded; `process` then makes the bytes, reusing SITE_DIR/.casefolio/images/
for every variant whose source bytes and parameters did not change. A published file never
carries EXIF (GPS!), XMP or comments, and the same inputs always give the same bytes.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from functools import lru_cache
from html import escape
from io import BytesIO
from pathlib import Path, PurePosixPath
from typing import Any, Protocol

from generator.errors import CasefolioError, Problem
from generator.sources import Asset
from generator.views import OgImage

VERSION = "3"  # bump when the pixels change for the same parameters (resampling, card layout)
WIDTHS = (480, 960, 1600)
OG_SIZE = (1200, 630)
FORMATS = {".jpg": "JPEG", ".jpeg": "JPEG", ".png": "PNG", ".webp": "WEBP"}
EXTENSIONS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}
MIME = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
ENCODER: dict[str, dict[str, Any]] = {  # fixed, so the bytes are reproducible
    "WEBP": {"quality": 78, "method": 4},
    "JPEG": {"quality": 82, "optimize": True, "progressive": True},
    "PNG": {"compress_level": 6},  # 9 would save ~10% at 5x the time, on files rarely served
}
PROSE_SIZES = "(min-width: 48rem) 44rem, 100vw"  # the default theme's .prose column
COVER_SIZES = PROSE_SIZES  # the default theme puts the cover at the top of the body column
COMPARISON_SIZES = "(min-width: 64rem) 22rem, (min-width: 36rem) 50vw, 100vw"  # half of it


@dataclass(frozen=True, slots=True)
class Variant:
    """One file made from a source image."""

    path: str        # output path, e.g. case-studies/after-960w.1a2b3c4d.webp
    width: int
    height: int
    format: str      # "WEBP" | "PNG" | "JPEG"
    role: str        # "srcset" | "original" (the source, cleaned) | "og"
    box: tuple[int, int, int, int] | None = None  # crop of the upright source, before resizing


@dataclass(frozen=True, slots=True)
class ImageJob:
    """A source image and every variant published from it."""

    rel: str           # site-relative source, e.g. content/case-studies/after.png
    source: Path
    fingerprint: str   # of the source bytes (sources.fingerprint)
    width: int         # upright: EXIF orientation applied
    height: int
    format: str
    variants: tuple[Variant, ...]


@dataclass(frozen=True, slots=True)
class CardJob:
    """A generated Open Graph card: 1200x630 PNG with the title, key metric and site name."""

    path: str
    title: str
    metric: str        # "+38%"
    metric_label: str  # "Mobile conversion rate"
    site_name: str


Job = ImageJob | CardJob


@dataclass(frozen=True, slots=True)
class ImageFile:
    """Bytes for the output folder; `key` changes whenever the bytes may."""

    path: str
    data: bytes
    key: str


# --- planning: headers only ---------------------------------------------------------------

def plan(site_dir: Path, assets: Iterable[Asset]) -> tuple[dict[str, ImageJob | str], list[Asset]]:
    """Every JPEG/PNG/WebP asset -> its job (or why it cannot be read), by site-relative path;
    other assets (SVG, GIF, animations, fonts...) are returned to be copied as they are."""
    jobs: dict[str, ImageJob | str] = {}
    rest: list[Asset] = []
    for asset in assets:
        if PurePosixPath(asset.rel).suffix.lower() not in FORMATS:
            rest.append(asset)
            continue
        header = _inspect(site_dir / asset.rel, asset.fingerprint)
        if isinstance(header, str):
            jobs[asset.rel] = header
            continue
        width, height, fmt, animated = header
        if animated:
            rest.append(asset)
            continue
        jobs[asset.rel] = ImageJob(asset.rel, site_dir / asset.rel, asset.fingerprint, width,
                                   height, fmt, _variants(asset, width, height, fmt))
    return jobs, rest


def publish(jobs: dict[str, ImageJob | str], shown: Iterable[str]) -> list[ImageJob]:
    """The jobs to run: an image shown on a page gets every variant, any other raster file in
    content/ or static/ just its clean copy (still published: something may link to it)."""
    shown = set(shown)
    return [job if rel in shown else replace(job, variants=tuple(
                v for v in job.variants if v.role == "original"))
            for rel, job in jobs.items() if isinstance(job, ImageJob)]


def og_job(job: ImageJob, folder: str) -> ImageJob:
    """A cover as a share image: cropped to 1.91:1 from the top, where a screenshot's headline
    is, and scaled down (never up) to 1200x630. `folder` is the page's, e.g. case-studies/x/."""
    (tw, th), w, h = OG_SIZE, job.width, job.height
    if w * th > h * tw:
        cw = round(h * tw / th)
        box = ((w - cw) // 2, 0, (w - cw) // 2 + cw, h)
    else:
        box = (0, 0, w, max(1, round(w * th / tw)))
    scale = min(1.0, tw / (box[2] - box[0]))
    size = (max(1, round((box[2] - box[0]) * scale)), max(1, round((box[3] - box[1]) * scale)))
    fmt = "JPEG" if job.format == "JPEG" else "PNG"
    return ImageJob(job.rel, job.source, job.fingerprint, job.width, job.height, job.format,
                    (_variant(folder + "og", job.fingerprint, *size, fmt, "og", box),))


def card_job(folder: str, title: str, metric: str, metric_label: str, site_name: str) -> CardJob:
    """A generated share card for a page without a cover."""
    key = _digest("card", title, metric, metric_label, site_name)
    return CardJob(f"{folder}og.{key[:8]}.png", title, metric, metric_label, site_name)


def og_image(job: Job, base_url: str, alt: str) -> OgImage:
    if isinstance(job, CardJob):
        return OgImage(base_url + job.path, *OG_SIZE, "image/png", alt)
    v = job.variants[0]
    return OgImage(base_url + v.path, v.width, v.height, MIME[v.format], alt)


@lru_cache(maxsize=4096)
def _inspect(path: Path, fingerprint: str) -> tuple[int, int, str, bool] | str:
    """(width, height, format, animated) from the header, PNGs' checksums verified; or why the
    file cannot be read. A pure function of the bytes (`fingerprint`), so `serve` asks once."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as im:
            width, height, fmt = im.width, im.height, str(im.format)
            animated = bool(getattr(im, "is_animated", False))
            if im.getexif().get(0x0112, 1) in (5, 6, 7, 8):  # orientation: a quarter turn
                width, height = height, width
        if fmt == "PNG":
            with Image.open(path) as im:
                im.verify()
    except UnidentifiedImageError:
        return "not an image Pillow can read (corrupt, or not the format its name says)"
    except (OSError, ValueError, SyntaxError) as exc:
        return f"unreadable image ({exc})"
    if fmt not in EXTENSIONS:
        return f"a {fmt} image named {path.suffix}: save it as PNG, JPEG or WebP"
    return width, height, fmt, animated


def _variants(asset: Asset, width: int, height: int, fmt: str) -> tuple[Variant, ...]:
    stem = asset.out.rsplit(".", 1)[0]
    widths = sorted({min(w, width) for w in WIDTHS})
    out = [_variant(f"{stem}-{w}w", asset.fingerprint, w, max(1, round(height * w / width)),
                    f, "srcset") for f in dict.fromkeys(("WEBP", fmt)) for w in widths]
    out.append(Variant(asset.out, width, height, fmt, "original"))
    return tuple(out)


def _variant(stem: str, fingerprint: str, width: int, height: int, fmt: str, role: str,
             box: tuple[int, int, int, int] | None = None) -> Variant:
    key = _digest(fingerprint, width, height, fmt, box, ENCODER[fmt])
    return Variant(f"{stem}.{key[:8]}.{EXTENSIONS[fmt]}", width, height, fmt, role, box)


def _digest(*parts: object) -> str:
    return hashlib.blake2b(repr((VERSION, *parts)).encode(), digest_size=16).hexdigest()


# --- html ---------------------------------------------------------------------------------

def picture_html(job: ImageJob, alt: str, base_path: str, *, sizes: str = PROSE_SIZES,
                 title: str = "", eager: bool = False) -> str:
    """A `<picture>`: WebP first, the original format as fallback, sized so nothing shifts.
    Lazy unless `eager` (the one image above the fold, fetched first)."""
    by_format: dict[str, list[Variant]] = {}
    for v in job.variants:
        if v.role == "srcset":
            by_format.setdefault(v.format, []).append(v)

    def srcset(variants: list[Variant]) -> str:
        return ", ".join(f"{escape(base_path + v.path)} {v.width}w" for v in variants)

    fallback = by_format[job.format]
    top = fallback[-1]
    src = min(fallback, key=lambda v: abs(v.width - WIDTHS[1]))
    sources = "".join(f'<source type="{MIME[f]}" srcset="{srcset(vs)}" sizes="{sizes}">'
                      for f, vs in by_format.items() if f != job.format)
    title_attr = f' title="{escape(title)}"' if title else ""
    loading = 'loading="eager" fetchpriority="high"' if eager else 'loading="lazy" decoding="async"'
    img = (f'<img src="{escape(base_path + src.path)}" srcset="{srcset(fallback)}" '
           f'sizes="{sizes}" width="{top.width}" height="{top.height}" alt="{escape(alt)}"'
           f"{title_attr} {loading}>")
    return f"<picture>{sources}{img}</picture>" if sources else img


def img_html(url: str, alt: str, title: str = "") -> str:
    """A plain, lazily loaded <img>, for what is not processed (SVG, GIF, animations)."""
    title_attr = f' title="{escape(title)}"' if title else ""
    return (f'<img src="{escape(url)}" alt="{escape(alt)}"{title_attr} loading="lazy" '
            'decoding="async">')


def comparison_html(before: str, after: str, caption: str) -> str:
    """Before and after, each labelled; side by side or stacked is the theme's CSS."""
    cap = f'<figcaption class="comparison-caption">{escape(caption)}</figcaption>' if caption \
        else ""
    return ('<figure class="comparison"><div class="comparison-pair">'
            '<figure class="comparison-side comparison-before"><figcaption class="comparison-tag">'
            f"Before</figcaption>{before}</figure>"
            '<figure class="comparison-side comparison-after"><figcaption class="comparison-tag">'
            f"After</figcaption>{after}</figure></div>{cap}</figure>")


# --- processing: decode once, encode what the cache lacks ---------------------------------

class Previous(Protocol):
    """A file from the last build (render.Output fits): reused when its key is the same."""

    @property
    def data(self) -> bytes: ...
    @property
    def key(self) -> str: ...


def process_all(jobs: Sequence[Job], cache_dir: Path, *,
                reuse: Mapping[str, Previous] | None = None, workers: int | None = None,
                ) -> list[ImageFile]:
    """Every job's files, in job order; jobs run in threads (Pillow releases the GIL). `reuse`,
    the last build's outputs by path, saves even reading the cache for what did not change."""
    def attempt(job: Job) -> list[ImageFile] | Problem:
        try:
            return process(job, cache_dir, reuse or {})
        except CasefolioError as exc:
            return exc.problems[0]

    workers = workers or min(8, os.cpu_count() or 1)
    with ThreadPoolExecutor(workers) as pool:
        results = list(pool.map(attempt, jobs))
    problems = [r for r in results if isinstance(r, Problem)]
    if problems:
        raise CasefolioError(problems)
    return [f for r in results if not isinstance(r, Problem) for f in r]


def process(job: Job, cache_dir: Path, reuse: Mapping[str, Previous] | None = None,
            ) -> list[ImageFile]:
    """The job's files: from the last build or the cache when there, else encoded and cached."""
    reuse = reuse or {}
    if isinstance(job, CardJob):
        key = _digest(job.path, "card-pixels", _pillow())
        old = reuse.get(job.path)
        data = old.data if old is not None and old.key == key else _read(
            cache_dir / f"{key}.png")
        if data is None:
            data = _store(cache_dir, key, "png", _draw_card(job))
        return [ImageFile(job.path, data, key)]
    keys = {v: _digest(job.fingerprint, v.width, v.height, v.format, v.box, ENCODER[v.format],
                       _pillow()) for v in job.variants}
    found: dict[str, bytes | None] = {}
    for v, k in keys.items():
        old = reuse.get(v.path)
        if old is not None and old.key == k:
            found[k] = old.data
        elif found.get(k) is None:
            found[k] = _read(cache_dir / f"{k}.{EXTENSIONS[v.format]}")
    if any(data is None for data in found.values()):
        source, sized = _decode(job), {}
        for v, k in keys.items():
            if found[k] is None:
                data = _encode(_pixels(source, v, sized), v.format, source.icc,
                               source.palette is not None)
                found[k] = _store(cache_dir, k, EXTENSIONS[v.format], data)
    return [ImageFile(v.path, found[k] or b"", k) for v, k in keys.items()]


@dataclass(frozen=True, slots=True)
class _Decoded:
    """A source decoded once, upright, ready for every variant."""

    pixels: Any          # RGB, RGBA, L or LA: what resizing works on
    palette: Any | None  # the upright source itself when it is a palette PNG: copied exactly
    icc: bytes | None    # colour profile, kept so colours stay right


def _decode(job: ImageJob) -> _Decoded:
    from PIL import Image, ImageOps

    try:
        with Image.open(job.source) as im:
            im.load()
            icc = im.info.get("icc_profile") if im.mode != "CMYK" else None
            upright = ImageOps.exif_transpose(im)
    except (OSError, ValueError, SyntaxError) as exc:
        raise CasefolioError([Problem(job.rel, None, f"cannot decode this image: {exc}",
                                      "re-export it from your image editor")]) from None
    upright.info = {"transparency": upright.info["transparency"]} if (
        "transparency" in upright.info) else {}
    grey = upright.mode in ("1", "L", "LA")
    alpha = "A" in upright.getbands() or "transparency" in upright.info
    pixels = upright.convert(("LA" if alpha else "L") if grey else ("RGBA" if alpha else "RGB"))
    pixels.info = {}
    return _Decoded(pixels, upright if upright.mode == "P" else None, icc)


def _pixels(source: _Decoded, v: Variant, sized: dict[Any, Any]) -> Any:
    """The variant's pixels; each size is resized once, whatever the formats it is saved in."""
    from PIL import Image

    if v.box is None and source.palette is not None and v.format == "PNG" and (
            source.palette.size == (v.width, v.height)):
        return source.palette
    key = (v.box, v.width, v.height)
    if key not in sized:
        im = source.pixels if v.box is None else source.pixels.crop(v.box)
        if im.size != (v.width, v.height):
            im = im.resize((v.width, v.height), Image.Resampling.LANCZOS, reducing_gap=3.0)
        sized[key] = im
    return sized[key]


def _encode(im: Any, fmt: str, icc: bytes | None = None, palette: bool = False) -> bytes:
    """Fixed settings, no metadata but the colour profile: same pixels, same bytes. A palette
    source gives palette PNGs (a screenshot stays a fifth the size of a true-colour one)."""
    from PIL import Image

    options = dict(ENCODER[fmt], **({"icc_profile": icc} if icc else {}))
    if fmt == "JPEG" and im.mode in ("RGBA", "LA"):
        flat = Image.new("RGB", im.size, (255, 255, 255))
        flat.paste(im.convert("RGBA"), mask=im.getchannel("A"))
        im = flat
    if fmt == "PNG" and palette and im.mode != "P":
        im = im.convert("RGBA" if "A" in im.getbands() else "RGB").quantize(
            256, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE)
    buffer = BytesIO()
    im.save(buffer, fmt, **options)
    return buffer.getvalue()


def _read(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError:
        return None


def _store(cache_dir: Path, key: str, ext: str, data: bytes) -> bytes:
    """Atomically, so a reader never sees half a file; a cache we cannot write is no error."""
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=cache_dir, prefix=".tmp-")
    except OSError:
        return data
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, cache_dir / f"{key}.{ext}")
    except OSError:
        Path(tmp).unlink(missing_ok=True)
    return data


@lru_cache(maxsize=1)
def _pillow() -> str:
    from PIL import __version__

    return __version__


# --- the generated share card -------------------------------------------------------------

CARD_COLOURS = {"bg": (15, 76, 92), "panel": (10, 53, 64), "ink": (255, 255, 255),
                "muted": (211, 230, 235), "accent": (244, 162, 89)}
_ASCII_FOR = {"−": "-", "–": "-", "—": "-", "→": "->", "€": "EUR ", "£": "GBP ", "¥": "JPY ",
              "₹": "INR ", "×": "x", "\u00a0": " ", "\u202f": " "}
_FONT_CHARS = set("©«°±´·»‘’“”…‹›⁄™")  # beyond ASCII, what Pillow's built-in Aileron has


def _draw_card(job: CardJob) -> bytes:
    from PIL import Image, ImageDraw, ImageFont

    fonts: dict[int, Any] = {}

    def font(size: int) -> Any:  # loaded per card: a FreeType face is not shared by threads
        if size not in fonts:
            fonts[size] = ImageFont.load_default(size=size)
        return fonts[size]

    width, height = OG_SIZE
    colours = CARD_COLOURS
    im = Image.new("RGB", OG_SIZE, colours["bg"])
    draw = ImageDraw.Draw(im)
    draw.rectangle((0, 0, 24, height), fill=colours["accent"])
    draw.rectangle((24, height - 200, width, height), fill=colours["panel"])
    left, inner = 88, width - 88 - 72
    draw.text((left, 64), _printable(job.site_name), font=font(36), fill=colours["muted"])
    for size in (68, 60, 52):
        lines = _wrap(_printable(job.title), font(size), inner, draw)
        if len(lines) <= 3:
            break
    lines = _ellipsis(lines[:3], lines[3:], font(size), inner, draw)
    y = 130 + (3 - len(lines)) * size // 2
    for line in lines:
        draw.text((left, y), line, font=font(size), fill=colours["ink"], stroke_width=1,
                  stroke_fill=colours["ink"])
        y += round(size * 1.2)
    metric, label = _printable(job.metric), _printable(job.metric_label)
    if metric:
        draw.text((left, height - 100), metric, font=font(96), fill=colours["accent"],
                  anchor="ls", stroke_width=1, stroke_fill=colours["accent"])
        label_x = left + draw.textlength(metric, font=font(96)) + 28
        label_lines = _wrap(label, font(34), width - 72 - label_x, draw)[:2]
        for i, line in enumerate(label_lines):
            y = height - 100 - (len(label_lines) - 1 - i) * 42
            draw.text((label_x, y), line, font=font(34), fill=colours["muted"], anchor="ls")
    return _encode(im, "PNG", palette=True)  # a few flat colours and anti-aliased text


def _printable(text: str) -> str:
    """What the built-in font can draw: accents dropped, a few symbols spelled out."""
    text = "".join(_ASCII_FOR.get(c, c) for c in text)
    text = unicodedata.normalize("NFKD", text)
    return " ".join("".join(c for c in text if " " <= c <= "~" or c in _FONT_CHARS).split())


def _wrap(text: str, font: Any, width: float, draw: Any) -> list[str]:
    lines: list[str] = []
    for word in text.split():
        if lines and draw.textlength(f"{lines[-1]} {word}", font=font) <= width:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    return lines


def _ellipsis(lines: list[str], cut: list[str], font: Any, width: float, draw: Any) -> list[str]:
    if not cut:
        return lines
    last = lines[-1]
    while last and draw.textlength(last + "…", font=font) > width:
        last = last.rsplit(" ", 1)[0] if " " in last else last[:-1]
    return [*lines[:-1], last + "…"]
