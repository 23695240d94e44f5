"""The build cache on disk, SITE_DIR/.casefolio/cache/: what one `casefolio build` hands the next.

It holds the parsed and rendered Documents, keyed by (path, content fingerprint, raw_html), and
the key of every output last written with the size and time the writer left it at. A build
with a warm cache parses only changed files and, with the previous output folder intact,
re-renders only outputs whose key changed.

Never trusted: the file starts with a header naming everything that could make its contents
wrong (the format, casefolio's code, Python and every library that shapes a Document) and a
checksum of the rest. A cache whose header or checksum does not match, or that fails to load
in any way, is ignored and rebuilt. Written atomically; deleting the folder is always safe.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import pickle
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from generator.content import Document
from generator.render import Output

CACHE_DIR = Path(".casefolio") / "cache"
CACHE_FILE = "build.pickle"
MAGIC = b"casefolio-cache 1\n"
# Libraries whose version can change a Document (parsing, rendering, highlighting, validation).
LIBRARIES = ("markdown-it-py", "markdown-it-pyrs", "mdit-py-plugins", "pygments", "pyyaml",
             "pydantic", "pydantic-core", "python-slugify", "jinja2", "markupsafe")

DocumentKey = tuple[str, str, bool]  # (site-relative path, content fingerprint, raw_html)


@dataclass(frozen=True, slots=True)
class Written:
    """An output as the writer left it: its key, and how to tell the file is still that one."""

    key: str
    size: int
    mtime_ns: int


def cache_path(site_dir: Path) -> Path:
    return site_dir / CACHE_DIR / CACHE_FILE


def load(site_dir: Path, out_dir: Path | None = None,
         ) -> tuple[dict[DocumentKey, Document], dict[str, Output]]:
    """The documents and the reusable outputs of the last build, or two empty maps.

    An output is reusable only if out_dir is the folder it was written to and its file there
    still has the size and modification time it was written with; its bytes are read back."""
    payload = _read(cache_path(site_dir))
    if payload is None:
        return {}, {}
    documents, folder, written = payload
    outputs: dict[str, Output] = {}
    if out_dir is not None and folder == str(out_dir.resolve()):
        outputs = _read_outputs(out_dir, written)
    return documents, outputs


def save(site_dir: Path, documents: Mapping[DocumentKey, Document],
         outputs: Mapping[str, Output], out_dir: Path) -> None:
    """Record this build (call after the outputs are written); never fails the build."""
    folder = out_dir.resolve()
    written: dict[str, Written] = {}
    for path, output in outputs.items():
        try:
            st = (folder / path).stat()
        except OSError:
            continue
        if st.st_size == len(output.data):
            written[path] = Written(output.key, st.st_size, st.st_mtime_ns)
    payload = pickle.dumps((dict(documents), str(folder), written),
                           protocol=pickle.HIGHEST_PROTOCOL)
    header = MAGIC + environment().encode() + b"\n" + _checksum(payload).encode() + b"\n"
    target = cache_path(site_dir)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        ignore = target.parent.parent / ".gitignore"
        if not ignore.exists():
            ignore.write_text("# casefolio's build cache: safe to delete\n*\n", encoding="utf-8")
        with open(tmp, "wb") as f:
            f.write(header)
            f.write(payload)
        os.replace(tmp, target)  # readers see the old cache or the new one, never half
    except OSError:  # a read-only site folder builds fine, just without a cache
        with contextlib.suppress(OSError):
            tmp.unlink()


def environment() -> str:
    """A digest of everything besides the inputs that shapes a cached Document or output:
    the cache format, casefolio's own code, the Python version and the libraries' versions."""
    digest = hashlib.blake2b(MAGIC, digest_size=16)
    digest.update(sys.version.encode())
    for name in LIBRARIES:
        try:
            digest.update(f"{name}={metadata.version(name)};".encode())
        except metadata.PackageNotFoundError:
            digest.update(f"{name}=none;".encode())
    package = Path(__file__).parent
    for module in sorted(package.glob("*.py")):
        digest.update(module.name.encode())
        digest.update(module.read_bytes())
    return digest.hexdigest()


def _read(path: Path) -> tuple[dict[DocumentKey, Document], str, dict[str, Written]] | None:
    try:
        data = path.read_bytes()
    except OSError:
        return None
    magic, _, rest = data.partition(b"\n")
    env, _, rest = rest.partition(b"\n")
    checksum, _, payload = rest.partition(b"\n")
    if (magic + b"\n" != MAGIC or env.decode("ascii", "replace") != environment()
            or checksum.decode("ascii", "replace") != _checksum(payload)):
        return None
    try:
        documents, folder, written = pickle.loads(payload)
    except Exception:  # a checksum collision or a class that changed shape: start afresh
        return None
    if not (isinstance(documents, dict) and isinstance(folder, str)
            and isinstance(written, dict)):
        return None
    return documents, folder, written


def _read_outputs(out_dir: Path, written: Mapping[str, Written]) -> dict[str, Output]:
    outputs = {}
    for path, mark in written.items():
        file = out_dir / path
        try:
            st = file.stat()
            if st.st_size != mark.size or st.st_mtime_ns != mark.mtime_ns:
                continue
            data = file.read_bytes()
        except OSError:
            continue
        if len(data) == mark.size:
            outputs[path] = Output(path, data, mark.key)
    return outputs


def _checksum(payload: bytes) -> str:
    return hashlib.blake2b(payload, digest_size=16).hexdigest()
