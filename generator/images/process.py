"""Image files for the output folder: reused from the last build or the cache when there,
else made (once per content hash) in threads, or in forked processes when there is much.

SITE_DIR/.casefolio/images/ keeps every variant whose source bytes and parameters did not
change. A published file never carries EXIF (GPS!), XMP or comments, and the same inputs always
give the same bytes (images/encode.py makes a photo's, images/cards.py a share card's).
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import tempfile
import threading
import zlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol

from generator import seal
from generator.errors import CasefolioError, Problem
from generator.images import cards, encode
from generator.images.plan import EXTENSIONS, CardJob, Job, digest, encoder_settings
from generator.workers import can_fork, process_pool
from generator.workers import processes as pool_size

CARD_VERSION = "4"  # bump when a card's bytes change (layout, palette, PNG settings); not VERSION,
                    # (plan.py), which would re-encode every photo too. 4: cards.py writes the PNG


@dataclass(frozen=True, slots=True)
class ImageFile:
    """Bytes for the output folder; `key` changes whenever the bytes may."""

    path: str
    data: bytes | Spooled | None  # None: the last build's file, already in the output folder
    key: str                      # (unchanged); Spooled: put where process_all's `put` said


Spooled = Any  # what `put` gives for a file's bytes (output.folder.Spooled: a later stage)
Put = Callable[[bytes], Spooled]  # a one-off build's Spool.put: works from any process


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
    found: dict[str, bytes | Spooled | None]  # by output path; None: already in the output folder
    missing: frozenset[str]                  # cache keys to encode


def process_all(jobs: Sequence[Job], cache_dir: Path | None, *,
                reuse: Mapping[str, Previous] | None = None, workers: int | None = None,
                processes: int | None = None, store: bool = True,
                put: Put | None = None) -> list[ImageFile]:
    """Every job's files, in job order. `reuse`, the last build's outputs by path, saves even
    reading the cache for what did not change. What must be encoded is encoded in `workers`
    threads, or, when there is much of it, in `processes` forked processes (None: every core
    when it pays; 1: never), since drawing a card's text holds the GIL. Same bytes either way.
    store=False (`casefolio check`): the cache is read, and what is made is not put in it.
    `put`: each file's bytes are given to it where they are read or made (a worker too), and
    its data is what put returns: no bytes are held, nor sent back from a worker, so one pool
    makes all 10,000 cards of a build without holding their ~200 MB."""
    reuse = reuse or {}
    workers = workers or min(8, os.cpu_count() or 1)
    put = _locked(put) if put is not None else None
    with ThreadPoolExecutor(workers) as pool:
        looked = list(pool.map(lambda job: _look_up(job, cache_dir, reuse, put), jobs))
    todo = [(job, look.missing) for job, look in zip(jobs, looked, strict=True) if look.missing]
    processes = processes or pool_size(sum(_work(job, keys) for job, keys in todo), MIN_POOL)
    keep = cache_dir if store else None
    if processes > 1 and len(todo) > 1 and can_fork():
        made = _make_in_pool(todo, keep, processes, put)
    else:
        with ThreadPoolExecutor(workers) as pool:
            made = list(pool.map(lambda t: _attempt(t[0], t[1], keep, put), todo))
    problems = [m for m in made if isinstance(m, Problem)]
    if problems:
        raise CasefolioError(problems)
    by_job = iter(m for m in made if not isinstance(m, Problem))
    return [f for look in looked for f in _collect(look, next(by_job) if look.missing else {})]


def _locked(put: Put) -> Put:
    """put for threads: a Spool numbers its files with a counter of its own."""
    lock = threading.Lock()

    def locked(data: bytes) -> Spooled:
        with lock:
            return put(data)
    return locked


def draw_ahead(jobs: Iterable[CardJob], cache_dir: Path, stop: Callable[[], bool]) -> int:
    """Share cards drawn into the cache before a build asks for them (process_all then finds
    them there), skipping those already in it, until `stop()` says the build needs the core
    back (asked between two cards: a file is never left half written). How many it drew."""
    drawn = 0
    for job in jobs:
        if stop():
            break
        [(_, key, ext)] = _files(job)
        if not (cache_dir / f"{key}.{ext}").exists():
            _store(cache_dir, key, ext, cards.draw_card(job))
            drawn += 1
    return drawn


def process(job: Job, cache_dir: Path | None, reuse: Mapping[str, Previous] | None = None,
            ) -> list[ImageFile]:
    """The job's files: from the last build or the cache when there, else encoded and cached."""
    look = _look_up(job, cache_dir, reuse or {}, None)
    return _collect(look, _by_path(job, _make(job, look.missing, cache_dir), None)
                    if look.missing else {})


def _files(job: Job) -> tuple[tuple[str, str, str], ...]:
    """(output path, cache key, extension) of each file; the key covers all its bytes depend on."""
    if isinstance(job, CardJob):
        return ((job.path, digest(job.path, "card-pixels", CARD_VERSION, _pillow(),
                                  zlib.ZLIB_RUNTIME_VERSION), "png"),)
    return tuple((v.path, digest(job.fingerprint, v.width, v.height, v.format, v.box,
                                  encoder_settings(v), _pillow(), zlib.ZLIB_RUNTIME_VERSION),
                  EXTENSIONS[v.format])
                 for v in job.variants)


def _look_up(job: Job, cache_dir: Path | None, reuse: Mapping[str, Previous],
             put: Put | None) -> _Lookup:
    files = _files(job)
    found: dict[str, bytes | Spooled | None] = {}
    cached: dict[str, bytes | None] = {}
    for path, key, ext in files:
        old = reuse.get(path)
        if old is not None and old.key == key:
            found[path] = put(old.data) if put is not None and old.data is not None else old.data
            continue
        if key not in cached:
            cached[key] = _read(cache_dir / f"{key}.{ext}") if cache_dir else None
        data = cached[key]
        if data is not None:
            found[path] = put(data) if put is not None else data
    return _Lookup(files, found, frozenset(k for p, k, _ in files if p not in found))


def _collect(look: _Lookup, made: Mapping[str, bytes | Spooled]) -> list[ImageFile]:
    """`made`: by output path (see _by_path)."""
    return [ImageFile(path, look.found[path] if path in look.found else made[path], key)
            for path, key, _ in look.files]


def _make(job: Job, keys: frozenset[str], cache_dir: Path | None) -> dict[str, bytes]:
    """The bytes of the job's files whose cache key is in `keys`, by key, each cached as soon as
    made (so a worker process writes its own files and sends back only bytes)."""
    if isinstance(job, CardJob):
        [(_, key, ext)] = _files(job)
        return {key: _store(cache_dir, key, ext, cards.draw_card(job))}
    source = encode.opaque(encode.decode(job))
    sized: dict[Any, Any] = {}
    made: dict[str, Any] = {}
    for v, (_, key, ext) in zip(job.variants, _files(job), strict=True):
        if key in keys and key not in made:
            data = (encode.clean_png(job.source) if v.role == "original" and v.format == "PNG"
                    else None)
            made[key] = _store(cache_dir, key, ext, data or encode.encode_variant(source, v, sized))
    return made


def _attempt(job: Job, keys: frozenset[str], cache_dir: Path | None, put: Put | None,
             ) -> dict[str, bytes | Spooled] | Problem:
    try:
        return _by_path(job, _make(job, keys, cache_dir), put)
    except CasefolioError as exc:
        return exc.problems[0]


def _by_path(job: Job, made: Mapping[str, bytes], put: Put | None) -> dict[str, bytes | Spooled]:
    """The made files by output path, each given to `put` (one spooled file per path: the
    writer moves it into place)."""
    return {path: put(made[key]) if put is not None else made[key]
            for path, key, _ in _files(job) if key in made}


def _work(job: Job, keys: frozenset[str]) -> int:
    """About the milliseconds of CPU it takes: a card ~2 (drawn and cached), a megapixel ~60
    to decode plus ~60 a variant (WebP at method 4 and resizing dominate)."""
    if isinstance(job, CardJob):
        return 2
    return max(1, round(job.width * job.height / 1e6 * 60 * (1 + len(keys))))


_pending: Sequence[tuple[Job, frozenset[str]]] = ()  # what forked workers make: inherited
_put: Put | None = None                              # where they put it: inherited too


def _make_in_pool(todo: Sequence[tuple[Job, frozenset[str]]], cache_dir: Path | None,
                  processes: int, put: Put | None) -> list[dict[str, bytes | Spooled] | Problem]:
    """Largest jobs first, small ones gathered into chunks: the cores finish together instead
    of one waiting on a big screenshot that came last. Results in `todo`'s order. A card is
    drawn here first: the workers inherit FreeType's warm glyph caches (~70 ms each else)."""
    global _pending, _put
    first = next((i for i, (job, _) in enumerate(todo) if isinstance(job, CardJob)), None)
    made: dict[int, dict[str, bytes | Spooled] | Problem] = {}
    if first is not None:
        made[first] = _attempt(*todo[first], cache_dir, put)
    rest = [i for i in range(len(todo)) if i != first]
    chunks = [[rest[i] for i in chunk] for chunk in _chunks([_work(*todo[i]) for i in rest])]
    _pending, _put = todo, put
    try:
        with process_pool(min(processes, len(chunks)), multiprocessing.get_context("fork"),
                          gc.freeze) as pool:
            futures = [pool.submit(_make_chunk, chunk, cache_dir) for chunk in chunks]
            for chunk, future in zip(chunks, futures, strict=True):
                made.update(zip(chunk, future.result(), strict=True))
            return [made[i] for i in range(len(todo))]
    finally:
        _pending, _put = (), None


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


def _make_chunk(chunk: list[int], cache_dir: Path | None,
                ) -> list[dict[str, bytes | Spooled] | Problem]:
    """In a worker: gc.freeze (its initializer) keeps the collector off the inherited heap."""
    return [_attempt(*_pending[i], cache_dir, _put) for i in chunk]


def _read(path: Path) -> bytes | None:
    """A cached file's bytes, unless damaged or planted: those would be published as they are."""
    try:
        contents = path.read_bytes()
    except OSError:
        return None
    return seal.opened(_seal_key(path.parent.parent, seal.user_key_file()), path.name, contents)


def _store(cache_dir: Path | None, key: str, ext: str, data: bytes) -> bytes:
    """Atomically, so a reader never sees half a file; a cache we cannot write is no error
    (and None, for `casefolio check`, is none)."""
    if cache_dir is None:
        return data
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        seal_key = _seal_key(cache_dir.parent, seal.user_key_file())
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


@lru_cache(maxsize=8)
def _seal_key(folder: Path, user_key_file: Path) -> bytes | None:
    """seal.key, read once per process, cache folder and user key file: opening the key file
    for every file was a third of storing a share card. A key file changed under a running
    `serve` only means files this process seals are rebuilt by the next one."""
    return seal.key(folder)


@lru_cache(maxsize=1)
def _pillow() -> str:
    from PIL import __version__

    return __version__
