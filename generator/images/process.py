"""Images: planned from headers when the site is built, encoded (once per content hash) after.

`plan` reads only each image's header, so the Site knows every `<picture>`'s URLs and sizes
before a pixel is decoded; `process` then makes the bytes, reusing SITE_DIR/.casefolio/images/
for every variant whose source bytes and parameters did not change (`process_all` encodes the
rest in threads, or in forked processes when there is much). A published file never carries
EXIF (GPS!), XMP or comments, and the same inputs always give the same bytes.
"""

from __future__ import annotations

import gc
import hashlib
import multiprocessing
import os
import struct
import tempfile
import threading
import unicodedata
import warnings
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass, replace
from functools import lru_cache
from io import BytesIO
from pathlib import Path, PurePosixPath
from typing import Any, Protocol

from generator import seal
from generator.content.sources import Asset
from generator.errors import CasefolioError, Problem
from generator.model.views import OgImage
from generator.workers import can_fork
from generator.workers import processes as pool_size

VERSION = "5"  # bump when the pixels change for the same parameters (resampling)
CARD_VERSION = "3"  # bump when a card's bytes change (layout, palette, PNG settings); not VERSION,
                    # which would re-encode every photo too
WIDTHS = (480, 960, 1600)
WEBP_MAX_SIDE = 16383
OG_SIZE = (1200, 630)
FORMATS = {".jpg": "JPEG", ".jpeg": "JPEG", ".png": "PNG", ".webp": "WEBP"}
EXTENSIONS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}
MIME = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
ENCODER: dict[str, dict[str, Any]] = {  # fixed, so the bytes are reproducible
    "WEBP": {"quality": 78, "method": 4},
    "JPEG": {"quality": 82, "optimize": True, "progressive": True},
    "PNG": {"compress_level": 6},  # 9 would save ~10% at 5x the time, on files rarely served
}
# A fallback is fetched only by a browser without WebP (~none): a big screenshot's PNG at
# level 1 takes 90 ms instead of 340, for ~12% more bytes
FALLBACK_ENCODER: dict[str, dict[str, Any]] = {**ENCODER, "PNG": {"compress_level": 1}}
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
    data: bytes | None  # None: the last build's file, already in the output folder, unchanged
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
        width, height, fmt, animated, palette = header
        if animated:
            rest.append(asset)
            continue
        jobs[asset.rel] = ImageJob(asset.rel, site_dir / asset.rel, asset.fingerprint, width,
                                   height, fmt, _variants(asset, width, height, fmt, palette))
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
    key = _digest("card", title, metric, metric_label, site_name)
    return CardJob(f"{folder}og.{key[:8]}.png", title, metric, metric_label, site_name)


def og_image(job: Job, base_url: str, alt: str) -> OgImage:
    if isinstance(job, CardJob):
        return OgImage(base_url + job.path, *OG_SIZE, "image/png", alt)
    v = job.variants[0]
    return OgImage(base_url + v.path, v.width, v.height, MIME[v.format], alt)


@lru_cache(maxsize=4096)
def _inspect(path: Path, fingerprint: str) -> tuple[int, int, str, bool, bool] | str:
    """(width, height, format, animated, palette) from the header, PNGs' checksums verified; or
    why the
    file cannot be read. A pure function of the bytes (`fingerprint`), so `serve` asks once."""
    from PIL import Image, UnidentifiedImageError

    try:
        with warnings.catch_warnings():  # too many pixels is an error, just below
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(path) as im:
                width, height, fmt = im.width, im.height, str(im.format)
                animated = bool(getattr(im, "is_animated", False))
                palette = im.mode == "P"
                if im.getexif().get(0x0112, 1) in (5, 6, 7, 8):  # orientation: a quarter turn
                    width, height = height, width
            if width * height > (Image.MAX_IMAGE_PIXELS or width * height):
                return _too_many_pixels(width, height)
            if fmt == "PNG":
                with Image.open(path) as im:
                    im.verify()
    except UnidentifiedImageError:
        return "not an image Pillow can read (corrupt, or not the format its name says)"
    except Image.DecompressionBombError:
        return _too_many_pixels()
    except (OSError, ValueError, SyntaxError) as exc:
        return f"unreadable image ({exc})"
    if fmt not in EXTENSIONS:
        return f"a {fmt} image named {path.suffix}: save it as PNG, JPEG or WebP"
    return width, height, fmt, animated, palette


def _too_many_pixels(width: int | None = None, height: int | None = None) -> str:
    from PIL import Image

    size = f" ({width}x{height})" if width and height else ""
    return (f"too many pixels to decode safely{size}: at most {Image.MAX_IMAGE_PIXELS:,} "
            "(a decompression bomb, or an image far larger than any page shows); scale it down")


def _variants(asset: Asset, width: int, height: int, fmt: str, palette: bool = False,
              ) -> tuple[Variant, ...]:
    """WebP at each width, which every browser in use takes (lossless for a `palette` source),
    and for one that does not a single size in the source's format (three cost 3/4 of a big
    screenshot's encoding time and ~10x its WebP bytes, for ~no visitor); then the original,
    cleaned."""
    stem = asset.out.rsplit(".", 1)[0]
    widths = _widths(width)
    # WebP holds at most 16383 px a side: a full-page screenshot gets only its own format
    # (a WebP source with fewer sizes would be all a browser picks from)
    if round(height * widths[-1] / width) > WEBP_MAX_SIDE:
        out = [_variant(f"{stem}-{w}w", asset.fingerprint, w, max(1, round(height * w / width)),
                        fmt, "srcset") for w in widths]
        out.append(Variant(asset.out, width, height, fmt, "original"))
        return tuple(out)
    out = [_variant(f"{stem}-{w}w", asset.fingerprint, w, max(1, round(height * w / width)),
                    "WEBP", "srcset", lossless=palette) for w in widths]
    if fmt != "WEBP":
        w = min(WIDTHS[1], width)
        out.append(_variant(f"{stem}-{w}w", asset.fingerprint, w,
                            max(1, round(height * w / width)), fmt, "fallback"))
    out.append(Variant(asset.out, width, height, fmt, "original"))
    return tuple(out)


def _widths(width: int) -> list[int]:
    return sorted({min(w, width) for w in WIDTHS})


def _variant(stem: str, fingerprint: str, width: int, height: int, fmt: str, role: str,
             box: tuple[int, int, int, int] | None = None, *, lossless: bool = False) -> Variant:
    v = Variant("", width, height, fmt, role, box, lossless)
    key = _digest(fingerprint, width, height, fmt, box, _settings(v))
    return replace(v, path=f"{stem}.{key[:8]}.{EXTENSIONS[fmt]}")


def _options(v: Variant) -> dict[str, Any]:
    """The encoder's settings for the variant."""
    if v.lossless:
        return LOSSLESS_WEBP
    return (FALLBACK_ENCODER if v.role == "fallback" else ENCODER)[v.format]


def _settings(v: Variant) -> object:
    """All that decides the variant's bytes beyond its source and size: what keys it."""
    return (_options(v), ENCODER["WEBP"], LOSSLESS_MAX_BITS) if v.lossless else _options(v)


def _digest(*parts: object) -> str:
    return hashlib.blake2b(repr((VERSION, *parts)).encode(), digest_size=16).hexdigest()


# --- processing: decode once, encode what the cache lacks ---------------------------------

MIN_POOL = 200   # work (~ms of CPU, see _work) before a pool pays (~10-30 ms to start)
CHUNK_WORK = 80  # work per task sent to a process: amortises the round trip, keeps cores even


class Previous(Protocol):
    """A file from the last build (render.Output fits): reused when its key is the same. `data`
    None means the file is already in the output folder, unchanged."""

    @property
    def data(self) -> bytes | None: ...
    @property
    def key(self) -> str: ...


@dataclass(frozen=True, slots=True)
class _Lookup:
    """A job's files and what of them needs no encoding."""

    files: tuple[tuple[str, str, str], ...]  # (output path, cache key, extension)
    found: dict[str, bytes | None]           # by output path; None: already in the output folder
    missing: frozenset[str]                  # cache keys to encode


def process_all(jobs: Sequence[Job], cache_dir: Path | None, *,
                reuse: Mapping[str, Previous] | None = None, workers: int | None = None,
                processes: int | None = None) -> list[ImageFile]:
    """Every job's files, in job order. `reuse`, the last build's outputs by path, saves even
    reading the cache for what did not change. What must be encoded is encoded in `workers`
    threads, or, when there is much of it, in `processes` forked processes (None: every core
    when it pays; 1: never), since drawing a card's text holds the GIL. Same bytes either way."""
    reuse = reuse or {}
    workers = workers or min(8, os.cpu_count() or 1)
    with ThreadPoolExecutor(workers) as pool:
        looked = list(pool.map(lambda job: _look_up(job, cache_dir, reuse), jobs))
    todo = [(job, look.missing) for job, look in zip(jobs, looked, strict=True) if look.missing]
    processes = processes or pool_size(sum(_work(job, keys) for job, keys in todo), MIN_POOL)
    if processes > 1 and len(todo) > 1 and can_fork():
        made = _make_in_pool(todo, cache_dir, processes)
    else:
        with ThreadPoolExecutor(workers) as pool:
            made = list(pool.map(lambda t: _attempt(t[0], t[1], cache_dir), todo))
    problems = [m for m in made if isinstance(m, Problem)]
    if problems:
        raise CasefolioError(problems)
    by_job = iter(m for m in made if not isinstance(m, Problem))
    return [f for look in looked for f in _collect(look, next(by_job) if look.missing else {})]


def process(job: Job, cache_dir: Path | None, reuse: Mapping[str, Previous] | None = None,
            ) -> list[ImageFile]:
    """The job's files: from the last build or the cache when there, else encoded and cached."""
    look = _look_up(job, cache_dir, reuse or {})
    return _collect(look, _make(job, look.missing, cache_dir) if look.missing else {})


def _files(job: Job) -> tuple[tuple[str, str, str], ...]:
    """(output path, cache key, extension) of each file; the key covers all its bytes depend on."""
    if isinstance(job, CardJob):
        return ((job.path, _digest(job.path, "card-pixels", CARD_VERSION, _pillow()), "png"),)
    return tuple((v.path, _digest(job.fingerprint, v.width, v.height, v.format, v.box,
                                  _settings(v), _pillow()), EXTENSIONS[v.format])
                 for v in job.variants)


def _look_up(job: Job, cache_dir: Path | None, reuse: Mapping[str, Previous]) -> _Lookup:
    files = _files(job)
    found: dict[str, bytes | None] = {}
    cached: dict[str, bytes | None] = {}
    for path, key, ext in files:
        old = reuse.get(path)
        if old is not None and old.key == key:
            found[path] = old.data
            continue
        if key not in cached:
            cached[key] = _read(cache_dir / f"{key}.{ext}") if cache_dir else None
        if cached[key] is not None:
            found[path] = cached[key]
    return _Lookup(files, found, frozenset(k for p, k, _ in files if p not in found))


def _collect(look: _Lookup, made: Mapping[str, bytes]) -> list[ImageFile]:
    return [ImageFile(path, look.found[path] if path in look.found else made[key], key)
            for path, key, _ in look.files]


def _make(job: Job, keys: frozenset[str], cache_dir: Path | None) -> dict[str, bytes]:
    """The bytes of the job's files whose cache key is in `keys`, by key, each cached as soon as
    made (so a worker process writes its own files and sends back only bytes)."""
    if isinstance(job, CardJob):
        [(_, key, ext)] = _files(job)
        return {key: _store(cache_dir, key, ext, _draw_card(job))}
    source = _opaque(_decode(job))
    sized: dict[Any, Any] = {}
    made: dict[str, Any] = {}
    for v, (_, key, ext) in zip(job.variants, _files(job), strict=True):
        if key in keys and key not in made:
            data = _clean_png(job.source) if v.role == "original" and v.format == "PNG" else None
            made[key] = _store(cache_dir, key, ext, data or _encode_variant(source, v, sized))
    return made


def _attempt(job: Job, keys: frozenset[str], cache_dir: Path | None) -> dict[str, bytes] | Problem:
    try:
        return _make(job, keys, cache_dir)
    except CasefolioError as exc:
        return exc.problems[0]


def _work(job: Job, keys: frozenset[str]) -> int:
    """About the milliseconds of CPU it takes: a card ~5, a megapixel ~60 to decode plus ~60
    a variant (WebP at method 4 and resizing dominate)."""
    if isinstance(job, CardJob):
        return 5
    return max(1, round(job.width * job.height / 1e6 * 60 * (1 + len(keys))))


_pending: Sequence[tuple[Job, frozenset[str]]] = ()  # what forked workers make: inherited


def _make_in_pool(todo: Sequence[tuple[Job, frozenset[str]]], cache_dir: Path | None,
                  processes: int) -> list[dict[str, bytes] | Problem]:
    """Largest jobs first, small ones gathered into chunks: the cores finish together instead
    of one waiting on a big screenshot that came last. Results in `todo`'s order."""
    global _pending
    chunks = _chunks([_work(*t) for t in todo])
    _pending = todo
    try:
        with ProcessPoolExecutor(min(processes, len(chunks)), initializer=gc.freeze,
                                 mp_context=multiprocessing.get_context("fork")) as pool:
            futures = [pool.submit(_make_chunk, chunk, cache_dir) for chunk in chunks]
            made: dict[int, dict[str, bytes] | Problem] = {}
            for chunk, future in zip(chunks, futures, strict=True):
                made.update(zip(chunk, future.result(), strict=True))
            return [made[i] for i in range(len(todo))]
    finally:
        _pending = ()


def _chunks(work: Sequence[int]) -> list[list[int]]:
    """Indices into `work` (each job's), largest first, gathered until a chunk has CHUNK_WORK:
    ties keep their order, so the same jobs always make the same chunks."""
    chunks: list[list[int]] = [[]]
    total = 0
    for i in sorted(range(len(work)), key=lambda i: -work[i]):
        if total >= CHUNK_WORK:
            chunks.append([])
            total = 0
        chunks[-1].append(i)
        total += work[i]
    return chunks


def _make_chunk(chunk: list[int], cache_dir: Path | None) -> list[dict[str, bytes] | Problem]:
    """In a worker: gc.freeze (its initializer) keeps the collector off the inherited heap."""
    return [_attempt(*_pending[i], cache_dir) for i in chunk]


@dataclass(frozen=True, slots=True)
class _Decoded:
    """A source decoded once, upright, ready for every variant."""

    pixels: Any          # RGB, RGBA, L or LA: what resizing works on
    palette: Any | None  # the upright source itself when it is a palette PNG: copied exactly
    icc: bytes | None    # colour profile, kept so colours stay right


def _decode(job: ImageJob) -> _Decoded:
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
        raise CasefolioError([Problem(job.rel, None, _too_many_pixels(),
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


def _encode_variant(source: _Decoded, v: Variant, sized: dict[Any, Any]) -> bytes:
    if not v.lossless:
        return _encode(_pixels(source, v, sized), v.format, source.icc,
                       source.palette is not None, _options(v))
    data = _encode(_pixels(source, v, sized), v.format, source.icc, settings=_options(v))
    if len(data) * 8 <= LOSSLESS_MAX_BITS * v.width * v.height:
        return data
    return _encode(_sized(source, v.box, v.width, v.height, sized), v.format, source.icc)


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
        larger = [w for w in _widths(im.width) if w >= 1.5 * width and w < im.width]
        if box is None and larger:
            im = _sized(source, None, larger[0], max(1, round(im.height * larger[0] / im.width)),
                        sized)
        if im.size != (width, height):
            im = im.resize((width, height), Image.Resampling.BICUBIC, reducing_gap=3.0)
        sized[key] = im
    return sized[key]


def _opaque(source: _Decoded) -> _Decoded:
    """Without an alpha channel that hides nothing (many screenshots): the same picture, a
    quarter less to resize and encode."""
    pixels = source.pixels
    if pixels.mode in ("RGBA", "LA") and pixels.getchannel("A").getextrema() == (255, 255):
        return replace(source, pixels=pixels.convert(pixels.mode[:-1]))
    return source


_PNG_KEPT = (b"IHDR", b"PLTE", b"tRNS", b"iCCP", b"IDAT", b"IEND")  # what re-encoding keeps


def _clean_png(path: Path) -> bytes | None:
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
    if fmt == "JPEG" and im.mode in ("RGBA", "LA"):
        flat = Image.new("RGB", im.size, (255, 255, 255))
        flat.paste(im.convert("RGBA"), mask=im.getchannel("A"))
        im = flat
    if fmt == "PNG" and palette and im.mode != "P":
        im = _quantized(im)
    buffer = BytesIO()
    im.save(buffer, fmt, **options)
    return buffer.getvalue()


def _read(path: Path) -> bytes | None:
    """A cached file's bytes, unless damaged or planted: those would be published as they are."""
    try:
        contents = path.read_bytes()
    except OSError:
        return None
    return seal.opened(seal.key(path.parent.parent), path.name, contents)


def _store(cache_dir: Path | None, key: str, ext: str, data: bytes) -> bytes:
    """Atomically, so a reader never sees half a file; a cache we cannot write is no error
    (and None, for `casefolio check`, is none)."""
    if cache_dir is None:
        return data
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        seal_key = seal.key(cache_dir.parent)
        if seal_key is None:
            return data
        fd, tmp = tempfile.mkstemp(dir=cache_dir, prefix=".tmp-")
    except OSError:
        return data
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(seal.sealed(seal_key, f"{key}.{ext}", data))
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


def _draw_card(job: CardJob) -> bytes:
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
