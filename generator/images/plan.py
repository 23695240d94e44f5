"""Image planning: each image's header read, and the jobs and URLs of every variant made from it.

`plan` reads only each image's header, so the Site knows every `<picture>`'s URLs and sizes
before a pixel is decoded; the share images (a cover cropped, or a generated card) are planned
here too. Nothing here decodes pixels: images/process.py makes the bytes.
"""

from __future__ import annotations

import hashlib
import warnings
from collections.abc import Iterable
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path, PurePosixPath
from typing import Any

from generator.content.sources import Asset
from generator.model.views import OgImage

VERSION = "5"  # bump when the pixels change for the same parameters (resampling)
WIDTHS = (480, 960, 1600)
WEBP_MAX_SIDE = 16383
OG_SIZE = (1200, 630)
FORMATS = {".jpg": "JPEG", ".jpeg": "JPEG", ".png": "PNG", ".webp": "WEBP"}
EXTENSIONS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}
MIME = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
ENCODER: dict[str, dict[str, Any]] = {  # fixed, so the bytes are reproducible
    "WEBP": {"quality": 78, "method": 4},  # 3: the same bytes, 1-3% less CPU (noise)
    "JPEG": {"quality": 82, "optimize": True, "progressive": True},
    "PNG": {"compress_level": 6},  # 9 would save ~10% at 5x the time, on files rarely served
}
# A fallback is fetched only by a browser without WebP (~none): a big screenshot's PNG at
# level 1 takes 90 ms instead of 340, for ~12% more bytes. A true-colour one is written with
# every row filtered "Up" and deflated at `up_level` (encode.png_up): on the fivexl site's 51
# true-colour fallbacks at level 2 as little CPU as at level 1, 0.74x that of level 3, for 3%
# more bytes than level 3
FALLBACK_ENCODER: dict[str, dict[str, Any]] = {**ENCODER,
                                               "PNG": {"compress_level": 1, "up_level": 2}}
# The lossy WebPs of an image whose WebPs add up to more than BIG_WEBP_PIXELS (a tall
# screenshot or photo: 1216x1862 has 4.0 M at 1216, 960 and 480 px wide, a 2400x1600 photo 2.5 M)
# at method 2, so that no image holds a core past 0.5 s: on the fivexl site's largest such
# variants 0.4-0.7x the CPU of method 3 or 4 for 3-6% more bytes and <= 0.0006 less SSIM
BIG_WEBP: dict[str, Any] = {**ENCODER["WEBP"], "method": 2}
BIG_WEBP_PIXELS = 3_000_000
# ... or whose source has more than BIG_SOURCE_PIXELS: decoding and resizing a 3000x2200
# diagram cost as much as its WebPs (the fivexl site's three costliest, 5.8-7.3 MP with
# 1.9-2.8 MP of WebPs, took 0.46-0.56 s of CPU at method 4). A 2400x1600 photo stays below.
BIG_SOURCE_PIXELS = 5_000_000
# A source with an alpha channel (as its header says: many screenshots' is opaque, and is
# dropped before encoding) counts its WebPs' pixels 1.5 times: fivexl's 2104x1522 and
# 1024x1024 RGBA diagrams, 2.7 and 2.1 MP of WebPs, took 0.37-0.53 s of CPU at method 4.
ALPHA_WEIGHT = 1.5
# A palette source (a screenshot saved with few colours) gets lossless WebP of its palette
# pixels, as its PNGs are: at the lowest effort a third of the bytes of lossy WebP (q78, m4)
# in a third of the time, and exact. Noise-like pixels (a dithered photo) would make it larger
# than lossy: past LOSSLESS_MAX_BITS a pixel the lossy settings are used instead.
LOSSLESS_WEBP: dict[str, Any] = {"lossless": True, "quality": 0, "method": 1}
LOSSLESS_MAX_BITS = 0.5


@dataclass(frozen=True, slots=True)
class Variant:
    """One file made from a source image."""

    path: str        # output path, e.g. case-studies/after-960w.1a2b3c4d.webp
    width: int
    height: int
    format: str      # "WEBP" | "PNG" | "JPEG"
    role: str        # "srcset" (WebP) | "fallback" | "original" (the source, cleaned) | "og"
    box: tuple[int, int, int, int] | None = None  # crop of the upright source, before resizing
    lossless: bool = False  # WebP of a palette source's pixels (LOSSLESS_WEBP)
    big: bool = False       # a WebP of a big image (BIG_WEBP_PIXELS, BIG_SOURCE_PIXELS)


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
        width, height, fmt, animated, palette, alpha = header
        if animated:
            rest.append(asset)
            continue
        jobs[asset.rel] = ImageJob(asset.rel, site_dir / asset.rel, asset.fingerprint, width,
                                   height, fmt, _variants(asset, width, height, fmt, palette,
                                                          alpha))
    return jobs, rest


def publish(jobs: dict[str, ImageJob | str], shown: Iterable[str],
            linked: Iterable[str] = ()) -> list[ImageJob]:
    """The jobs to run: an image shown on a page gets its sized variants, and its clean full
    copy only when a page links to that (`linked`: output paths); any other raster file in
    content/ or static/ just its clean copy (still published: something may link to it)."""
    shown, linked = set(shown), set(linked)
    return [replace(job, variants=tuple(v for v in job.variants if v.role != "original"
                                        or v.path in linked)) if rel in shown
            else replace(job, variants=tuple(v for v in job.variants if v.role == "original"))
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
    key = digest("card", title, metric, metric_label, site_name)
    return CardJob(f"{folder}og.{key[:8]}.png", title, metric, metric_label, site_name)


def og_image(job: Job, base_url: str, alt: str) -> OgImage:
    if isinstance(job, CardJob):
        return OgImage(base_url + job.path, *OG_SIZE, "image/png", alt)
    v = job.variants[0]
    return OgImage(base_url + v.path, v.width, v.height, MIME[v.format], alt)


@lru_cache(maxsize=4096)
def _inspect(path: Path, fingerprint: str) -> tuple[int, int, str, bool, bool, bool] | str:
    """(width, height, format, animated, palette, alpha) from the header, PNGs' checksums
    verified; or why the file cannot be read. A pure function of the bytes (`fingerprint`),
    so `serve` asks once."""
    from PIL import Image, UnidentifiedImageError

    try:
        with warnings.catch_warnings():  # too many pixels is an error, just below
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(path) as im:
                width, height, fmt = im.width, im.height, str(im.format)
                animated = bool(getattr(im, "is_animated", False))
                palette = im.mode == "P"
                alpha = im.mode in ("RGBA", "LA", "PA", "RGBa", "La") or (
                    "transparency" in im.info)
                if im.getexif().get(0x0112, 1) in (5, 6, 7, 8):  # orientation: a quarter turn
                    width, height = height, width
            if width * height > (Image.MAX_IMAGE_PIXELS or width * height):
                return too_many_pixels(width, height)
            if fmt == "PNG":
                with Image.open(path) as im:
                    im.verify()
    except UnidentifiedImageError:
        return "not an image Pillow can read (corrupt, or not the format its name says)"
    except Image.DecompressionBombError:
        return too_many_pixels()
    except (OSError, ValueError, SyntaxError) as exc:
        return f"unreadable image ({exc})"
    if fmt not in EXTENSIONS:
        return f"a {fmt} image named {path.suffix}: save it as PNG, JPEG or WebP"
    return width, height, fmt, animated, palette, alpha


def too_many_pixels(width: int | None = None, height: int | None = None) -> str:
    from PIL import Image

    size = f" ({width}x{height})" if width and height else ""
    return (f"too many pixels to decode safely{size}: at most {Image.MAX_IMAGE_PIXELS:,} "
            "(a decompression bomb, or an image far larger than any page shows); scale it down")


def _variants(asset: Asset, width: int, height: int, fmt: str, palette: bool = False,
              alpha: bool = False) -> tuple[Variant, ...]:
    """WebP at each width, which every browser in use takes (lossless for a `palette` source),
    and for one that does not a single size in the source's format (three cost 3/4 of a big
    screenshot's encoding time and ~10x its WebP bytes, for ~no visitor); then the original,
    cleaned."""
    stem = asset.out.rsplit(".", 1)[0]
    widths = widths_for(width)
    # WebP holds at most 16383 px a side: a full-page screenshot gets only its own format
    # (a WebP source with fewer sizes would be all a browser picks from)
    if round(height * widths[-1] / width) > WEBP_MAX_SIDE:
        out = [_variant(f"{stem}-{w}w", asset.fingerprint, w, max(1, round(height * w / width)),
                        fmt, "srcset") for w in widths]
        out.append(Variant(asset.out, width, height, fmt, "original"))
        return tuple(out)
    webp = sum(w * round(height * w / width) for w in widths)
    big = (webp * (ALPHA_WEIGHT if alpha else 1) > BIG_WEBP_PIXELS
           or width * height > BIG_SOURCE_PIXELS)
    out = [_variant(f"{stem}-{w}w", asset.fingerprint, w, max(1, round(height * w / width)),
                    "WEBP", "srcset", lossless=palette, big=big) for w in widths]
    if fmt != "WEBP":
        w = min(WIDTHS[1], width)
        out.append(_variant(f"{stem}-{w}w", asset.fingerprint, w,
                            max(1, round(height * w / width)), fmt, "fallback"))
    out.append(Variant(asset.out, width, height, fmt, "original"))
    return tuple(out)


def widths_for(width: int) -> list[int]:
    return sorted({min(w, width) for w in WIDTHS})


def _variant(stem: str, fingerprint: str, width: int, height: int, fmt: str, role: str,
             box: tuple[int, int, int, int] | None = None, *, lossless: bool = False,
             big: bool = False) -> Variant:
    v = Variant("", width, height, fmt, role, box, lossless, big)
    key = digest(fingerprint, width, height, fmt, box, encoder_settings(v))
    return replace(v, path=f"{stem}.{key[:8]}.{EXTENSIONS[fmt]}")


def encoder_options(v: Variant) -> dict[str, Any]:
    """The encoder's settings for the variant."""
    if v.lossless:
        return LOSSLESS_WEBP
    if v.format == "WEBP":
        return lossy_webp(v)
    return (FALLBACK_ENCODER if v.role == "fallback" else ENCODER)[v.format]


def lossy_webp(v: Variant) -> dict[str, Any]:
    """Lossy WebP settings for the variant (a lossless one's too, when it comes out too big)."""
    return BIG_WEBP if v.big else ENCODER["WEBP"]


def encoder_settings(v: Variant) -> object:
    """All that decides the variant's bytes beyond its source and size: what keys it."""
    return ((encoder_options(v), lossy_webp(v), LOSSLESS_MAX_BITS) if v.lossless
            else encoder_options(v))


def digest(*parts: object) -> str:
    return hashlib.blake2b(repr((VERSION, *parts)).encode(), digest_size=16).hexdigest()
