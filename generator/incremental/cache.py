"""The build cache on disk, SITE_DIR/.casefolio/cache/: what one `casefolio build` hands the next.

It holds the parsed and rendered Documents, keyed by (path, content fingerprint, options), in
shards by path; the key of every output last written with the size and time the writer left
it at; each input file's stat signature and fingerprint; and a stamp of everything the last
output depended on. A build with a warm cache reads and parses only changed files and, with the
previous output folder intact, re-renders only outputs whose key changed (the others are not
even read back); it rewrites only the shards that changed. When the stamp still holds, nothing
at all is done.

Never trusted: each file starts with a header naming everything that could make its contents
wrong (the format, casefolio's code, Python and every library that shapes a Document), what it
holds and a keyed digest of the rest (seal.py), checked before a byte is unpickled: unpickling
runs what the bytes say. A file whose header or digest does not match, or that fails to load in
any way, is ignored (and removed). Files are replaced atomically; deleting the folder
is always safe.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import hmac
import os
import pickle
import re
import sys
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

from generator import seal
from generator.errors import Problem
from generator.output.writer import Output
from generator.workers import collector_paused

if TYPE_CHECKING:
    from generator.content.document import Document

CACHE_DIR = Path(".casefolio") / "cache"
MAGIC = b"casefolio-cache-4"
SHARDS = 32  # an edit rewrites one shard: ~1/32 of the documents
OUTPUTS = "outputs.pickle"
INPUTS = "inputs.pickle"
STAMP = "stamp.pickle"
# Libraries whose version can change a Document or an output.
LIBRARIES = ("markdown-it-py", "markdown-it-pyrs", "mdit-py-plugins", "pygments", "pyyaml",
             "pydantic", "pydantic-core", "python-slugify", "jinja2", "markupsafe", "pillow")

# (site-relative path, content fingerprint, Markdown options: Reading.options)
DocumentKey = tuple[str, str, tuple[bool, str]]
# An output as the writer left it: its key, and the size and mtime that say the file is still
# that one (plain tuples: 10,000 of them unpickle in milliseconds).
Written = tuple[str, int, int]


@dataclass(frozen=True, slots=True)
class Stamp:
    """Everything the output of the last `casefolio build` depended on, as digests (the code
    and libraries are in the file's header): while all of it holds, a build would write the
    very same files, so none is made."""

    settings: str                 # configuration and options, today's date
    out: str                      # the output folder (`check` vouches for any)
    inputs: str                   # every input file's path and stat signature
    output: str                   # every file in the output folder, its size and mtime
    warnings: tuple[Problem, ...]  # printed again
    pages: int
    # An input file was modified too recently to trust its stat signature (sources.RACY_NS):
    # the stamp vouches for nothing being up to date (it might have changed again unseen),
    # but a prose-only edit may still be redone from it (prose.py reads that file's bytes).
    racy: bool = False


def cache_dir(site_dir: Path) -> Path:
    return site_dir / CACHE_DIR


def load(site_dir: Path, out_dir: Path | None = None, *, readonly: bool = False,
         ) -> tuple[dict[DocumentKey, Document], dict[str, Output]]:
    """The documents and the reusable outputs of the last build; empty where nothing is usable.

    An output is reusable only if out_dir is the folder it was written to and its file there
    still has the size and modification time it was written with. Its bytes are not read
    back: it comes as Output(path, None, key), "the file there is exactly this output".
    `readonly` (`casefolio check`): a stale file is ignored but not removed."""
    folder = cache_dir(site_dir)
    env = environment()
    documents: dict[DocumentKey, Document] = {}
    with collector_paused():  # unpickling makes ~30 objects a document
        for shard in range(SHARDS):
            packed = _read(folder / _shard_name(shard), env, readonly)
            if isinstance(packed, list):
                with contextlib.suppress(Exception):  # a class that changed shape: parse again
                    documents.update(_unpack(item) for item in packed)
        manifest = _read(folder / OUTPUTS, env, readonly)
    outputs: dict[str, Output] = {}
    if (out_dir is not None and isinstance(manifest, tuple) and len(manifest) == 2
            and manifest[0] == str(out_dir.resolve())):
        with contextlib.suppress(Exception):  # a manifest of the wrong shape
            outputs = _reusable(out_dir, manifest[1])
    return documents, outputs


def load_inputs(site_dir: Path, readonly: bool = False) -> dict[str, Any]:
    """The input files' records that the last build saved (see build.py), by path."""
    found = _read(cache_dir(site_dir) / INPUTS, environment(), readonly)
    return found if isinstance(found, dict) else {}


def load_stamp(site_dir: Path, readonly: bool = False) -> Stamp | None:
    found = _read(cache_dir(site_dir) / STAMP, environment(), readonly)
    return found if isinstance(found, Stamp) else None


def save(site_dir: Path, documents: Mapping[DocumentKey, Document],
         outputs: Mapping[str, Output], out_dir: Path,
         inputs: Mapping[str, Any] | None = None, stamp: Stamp | None = None) -> None:
    """Record this build (call after the outputs are written); never fails the build. Without
    a stamp, the last one is removed: it no longer vouches for the output."""
    save_documents(site_dir, documents)
    save_state(site_dir, outputs, out_dir, inputs, stamp)


def save_documents(site_dir: Path, documents: Mapping[DocumentKey, Document]) -> None:
    """The parsed documents (most of the cache, and no output is needed to save them: a build
    saves them while it writes its output); never fails the build."""
    folder = cache_dir(site_dir)
    env = environment()
    shards: list[list[tuple[DocumentKey, Document]]] = [[] for _ in range(SHARDS)]
    for key, doc in documents.items():
        shards[_shard(key[0])].append((key, doc))
    try:
        _made(folder)
        for number, items in enumerate(shards):
            items.sort(key=lambda item: item[0])
            contents = _digest(repr([key for key, _ in items]))  # a Document is its key's
            _write(folder / _shard_name(number), env, contents,
                   lambda items=items: [_pack(key, doc) for key, doc in items])
    except OSError:  # a read-only site folder builds fine, just without a cache
        pass


def _made(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    ignore = folder.parent / ".gitignore"
    if not ignore.exists():
        ignore.write_text("# casefolio's build cache: safe to delete\n*\n", encoding="utf-8")


def save_state(site_dir: Path, outputs: Mapping[str, Output], out_dir: Path,
               inputs: Mapping[str, Any] | None = None, stamp: Stamp | None = None) -> None:
    """The output manifest, the input reads and the stamp, after the outputs are written and
    the documents saved (the stamp last: it vouches for all of it); never fails the build."""
    folder = cache_dir(site_dir)
    env = environment()
    out = out_dir.resolve()
    written = _written(folder, env, outputs, out)
    try:
        _made(folder)
        _write_state(folder, env, out, written, inputs, stamp)
        expected = {OUTPUTS, *(_shard_name(n) for n in range(SHARDS)),
                    *([INPUTS] if inputs is not None else []),
                    *([STAMP] if stamp is not None else [])}
        for stale in folder.iterdir():  # e.g. the files of an older cache format
            if (stale.name not in expected and not stale.name.startswith(".")
                    and not stale.name.startswith(RECORD_PREFIX)):
                stale.unlink()
    except OSError:  # a read-only site folder builds fine, just without a cache
        pass


RECORD_PREFIX = "record-"  # other modules' files (see prose.py), kept by save()


def read_record(site_dir: Path, name: str, readonly: bool = False) -> Any:
    """Another module's cache file: its payload if valid (same checks as every cache file)."""
    return _read(cache_dir(site_dir) / f"{RECORD_PREFIX}{name}.pickle", environment(), readonly)


def write_record(site_dir: Path, name: str, contents: str, payload: Any) -> None:
    """Replace another module's cache file (atomically; skipped when `contents`, a digest of
    the payload, is what it already holds); never fails the build."""
    folder = cache_dir(site_dir)
    with contextlib.suppress(OSError):
        folder.mkdir(parents=True, exist_ok=True)
        _write(folder / f"{RECORD_PREFIX}{name}.pickle", environment(), contents,
               lambda: payload)


def drop_record(site_dir: Path, name: str) -> None:
    with contextlib.suppress(OSError):
        (cache_dir(site_dir) / f"{RECORD_PREFIX}{name}.pickle").unlink()


def load_document(site_dir: Path, key: DocumentKey) -> Document | None:
    """One cached document, reading only its shard."""
    packed = _read(cache_dir(site_dir) / _shard_name(_shard(key[0])), environment())
    with contextlib.suppress(Exception):
        for item in packed or ():
            if item[0] == key:
                return _unpack(item)[1]
    return None


def replace_documents(site_dir: Path, replaced: Mapping[DocumentKey, tuple[DocumentKey,
                                                                              Document]],
                      ) -> None:
    """Swap cached documents for their new versions (old key -> (new key, document)),
    rewriting only their shards; never fails the build."""
    folder, env = cache_dir(site_dir), environment()
    for number in sorted({_shard(key[0]) for key in replaced}):
        path = folder / _shard_name(number)
        packed = _read(path, env)
        if not isinstance(packed, list):
            continue
        items = [(item[0], item) for item in packed]
        items = [(replaced[k][0], _pack(*replaced[k])) if k in replaced else (k, item)
                 for k, item in items]
        items.sort(key=lambda pair: pair[0])
        with contextlib.suppress(OSError):
            _write(path, env, _digest(repr([k for k, _ in items])),
                   lambda items=items: [item for _, item in items])


def load_written(site_dir: Path, out_dir: Path) -> dict[str, Written]:
    """The last build's record of the output folder (path -> key, size, mtime), if it was
    written to out_dir."""
    manifest = _read(cache_dir(site_dir) / OUTPUTS, environment())
    if isinstance(manifest, tuple) and len(manifest) == 2 and manifest[0] == str(
            out_dir.resolve()) and isinstance(manifest[1], dict):
        return manifest[1]
    return {}


def save_written(site_dir: Path, out_dir: Path, written: Mapping[str, Written],
                 inputs: Mapping[str, Any], stamp: Stamp | None) -> None:
    """Record an output folder updated by a build that read no other document (prose.py)."""
    with contextlib.suppress(OSError):
        _write_state(cache_dir(site_dir), environment(), out_dir.resolve(), written, inputs,
                     stamp)


def _write_state(folder: Path, env: str, out: Path, written: Mapping[str, Written],
                 inputs: Mapping[str, Any] | None, stamp: Stamp | None) -> None:
    """The output manifest, the input reads (when given) and the stamp (removed if None)."""
    manifest = (str(out), dict(written))
    _write(folder / OUTPUTS, env, _digest(repr(sorted(written.items()))), lambda: manifest)
    if inputs is not None:
        _write(folder / INPUTS, env, _digest(repr(sorted(inputs.items()))), lambda: inputs)
    if stamp is None:
        (folder / STAMP).unlink(missing_ok=True)
    else:
        _write(folder / STAMP, env, _digest(repr(stamp)), lambda: stamp)


@functools.cache  # the code and libraries do not change under a running process
def environment() -> str:
    """A digest of everything besides the inputs that shapes a cached Document or output:
    the cache format, casefolio's own code, the Python version and the libraries' versions."""
    digest = hashlib.blake2b(MAGIC, digest_size=16)
    digest.update(sys.version.encode())
    for name in _with_dependencies(LIBRARIES):
        digest.update(f"{name}={_version(name)};".encode())
    package = Path(__file__).parents[1]  # all of generator/, not only this folder
    for source in sorted(package.rglob("*.py")):
        digest.update(source.relative_to(package).as_posix().encode())
        digest.update(source.read_bytes())
    return digest.hexdigest()


def _with_dependencies(names: tuple[str, ...]) -> list[str]:
    """The libraries and, transitively, what they require (python-slugify's transliteration
    table is text-unidecode's: a new version of it changes slugs), sorted."""
    found: set[str] = set()
    todo = [_canonical(n) for n in names]
    while todo:
        name = todo.pop()
        if name in found:
            continue
        found.add(name)
        try:
            requires = metadata.requires(name) or []
        except metadata.PackageNotFoundError:
            continue
        for requirement in requires:
            if "extra ==" not in requirement:  # an optional extra is not what this install runs
                match = re.match(r"[A-Za-z0-9][A-Za-z0-9._-]*", requirement)
                if match:
                    todo.append(_canonical(match[0]))
    return sorted(found)


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _version(distribution: str) -> str:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return "none"


# --- files: "MAGIC env contents digest length\n" + pickle ----------------------------------


def _write(path: Path, env: str, contents: str, payload: Any) -> None:
    """Replace path atomically, unless it already holds exactly these contents."""
    key = seal.key(path.parent.parent)
    if key is None or _header(path)[1:3] == [env, contents]:
        return
    data = pickle.dumps(payload(), protocol=pickle.HIGHEST_PROTOCOL)
    header = b"%s %s %s %s %d\n" % (MAGIC, env.encode(), contents.encode(),
                                     seal.digest(key, path.name, data).encode(), len(data))
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "wb") as f:
            f.write(header)
            f.write(data)
        os.replace(tmp, path)  # readers see the old file or the new one, never half of one
    except OSError:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise


def _header(path: Path) -> list[str]:
    try:
        with open(path, "rb") as f:
            return f.readline(512).decode("ascii", "replace").split()
    except OSError:
        return []


def _read(path: Path, env: str, readonly: bool = False) -> Any:
    """The payload of a valid cache file, or None (a damaged or stale file is removed, unless
    `readonly`)."""
    try:
        data = path.read_bytes()
    except OSError:
        return None
    line, _, payload = data.partition(b"\n")
    fields = line.decode("ascii", "replace").split()
    key = seal.key(path.parent.parent)
    if key is None:  # no key to check it with (say, a read-only site folder): not used
        return None
    try:
        valid = (len(fields) == 5 and fields[0] == MAGIC.decode()
                 and fields[1] == env and int(fields[4]) == len(payload)
                 and hmac.compare_digest(fields[3], seal.digest(key, path.name, payload)))
        value = pickle.loads(payload) if valid else None  # only what this site's cache wrote
    except Exception:  # garbage that happened to pass the checks
        value = None
    if value is None and not readonly:
        with contextlib.suppress(OSError):
            path.unlink()  # so that the next save writes it afresh
    return value


def _shard(rel: str) -> int:
    return zlib.crc32(rel.encode()) % SHARDS


def _shard_name(number: int) -> str:
    return f"documents-{number:02d}.pickle"


def _digest(text: str) -> str:
    return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()


# --- a Document as plain values (unpickling a dataclass is slow); sections slice the html ---


def _pack(key: DocumentKey, doc: Document) -> tuple[Any, ...]:
    r = doc.rendered
    sections: list[tuple[Any, ...]] = []
    at = 0
    for s in r.sections:
        start = r.html.find(s.html, at) if s.html else -1
        if start >= 0:
            sections.append((s.anchor, s.title, s.line, start, start + len(s.html)))
            at = start + len(s.html)
        else:
            sections.append((s.anchor, s.title, s.line, s.html))
    return (key, doc.kind, doc.rel, doc.slug, doc.meta, doc.positions, doc.fingerprint, r.html,
            [(h.level, h.text, h.anchor, h.line, h.unnumbered) for h in r.toc],
            [(link.target, link.line) for link in r.links],
            [(i.src, i.alt, i.title, i.line) for i in r.images], tuple(sections), r.words, r.text,
            doc.warnings)


@functools.cache
def _document_types() -> tuple[Any, ...]:
    """Imported when a document is first unpacked: `casefolio check` of an unchanged site
    reads only the stamp and records here, and needs not import the parser."""
    from generator.content.document import Document, document_id
    from generator.content.markdown import Heading, Image, Link, Rendered, Section

    return Document, Heading, Image, Link, Rendered, Section, document_id


def _unpack(item: tuple[Any, ...]) -> tuple[DocumentKey, Document]:
    Document, Heading, Image, Link, Rendered, Section, document_id = _document_types()
    key, kind, rel, slug, meta, positions, fingerprint, html, toc, links, images, packed, \
        words, text, warnings = item
    sections = tuple(Section(s[0], s[1], s[2], html[s[3]:s[4]] if len(s) == 5 else s[3])
                     for s in packed)
    rendered = Rendered(html, tuple(Heading(*h) for h in toc), tuple(Link(*x) for x in links),
                        tuple(Image(*i) for i in images), sections, words, text)
    return key, Document(kind, rel, slug, meta, positions, rendered, fingerprint,
                         document_id(kind, slug), warnings)


# --- outputs: which files in the output folder are still exactly what the writer left --------


def _reusable(out_dir: Path, written: Mapping[str, Written]) -> dict[str, Output]:
    outputs = {}
    root = str(out_dir)
    for path, (key, size, mtime_ns) in written.items():
        try:
            st = os.lstat(os.path.join(root, path))  # not pathlib: this runs once per page
        except OSError:
            continue
        if st.st_size == size and st.st_mtime_ns == mtime_ns:
            outputs[path] = Output(path, None, key)
    return outputs


def _written(folder: Path, env: str, outputs: Mapping[str, Output], out: Path,
             ) -> dict[str, Written]:
    """Each output's file as it is now, if it is that output: one just written has its size;
    one reused (data None) still has the size and mtime the last build recorded."""
    marks: dict[str, tuple[int, int]] = {}
    if any(output.data is None for output in outputs.values()):
        last = _read(folder / OUTPUTS, env)
        if isinstance(last, tuple) and len(last) == 2 and last[0] == str(out):
            with contextlib.suppress(Exception):  # a manifest of the wrong shape
                marks = {path: (size, mtime_ns) for path, (_, size, mtime_ns) in last[1].items()}
    written = {}
    root = str(out)
    for path, output in outputs.items():
        try:
            st = os.lstat(os.path.join(root, path))
        except OSError:
            continue
        if (st.st_size == len(output.data) if output.data is not None
                else marks.get(path) == (st.st_size, st.st_mtime_ns)):
            written[path] = (output.key, st.st_size, st.st_mtime_ns)
    return written

